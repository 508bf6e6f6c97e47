package store

import (
	"context"
	"fmt"
)

// counter is a table of sequence numbers per district and year
// (district_code, year, last_seq): the numbers of applications and of loans.
type counter string

// The counters.
const (
	applicationCounter counter = "application_counters"
	loanCounter        counter = "loan_counters"
)

// reserve takes n consecutive numbers of district and year and returns the
// first. It is one upsert, which takes the counter row's lock until the
// transaction ends on both engines, so two transactions never take the same
// number and a rolled-back one gives its numbers back.
func (c counter) reserve(ctx context.Context, db *DB, district string, year, n int) (int64, error) {
	var last int64
	err := db.conn(ctx).Raw(fmt.Sprintf(`INSERT INTO %[1]s (district_code, year, last_seq) VALUES (?, ?, ?)
		ON CONFLICT (district_code, year) DO UPDATE SET last_seq = %[1]s.last_seq + excluded.last_seq
		RETURNING last_seq`, c), district, year, n).Scan(&last).Error
	if err != nil {
		return 0, translate(err, string(c))
	}
	return last - int64(n) + 1, nil
}
