package store

import (
	"context"

	"gorm.io/gorm/clause"
)

// counter is a table of sequence numbers per district and year
// (district_code, year, last_seq): the numbers of applications and of loans.
type counter string

// The counters.
const (
	applicationCounter counter = "application_counters"
	loanCounter        counter = "loan_counters"
)

// counterRow is a row of a counter.
type counterRow struct {
	DistrictCode string `gorm:"primaryKey"`
	Year         int    `gorm:"primaryKey"`
	LastSeq      int64
}

// reserve takes n consecutive numbers of district and year and returns the
// first. It is one upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING),
// which takes the counter row's lock until the transaction ends on both
// engines, so two transactions never take the same number and a rolled-back
// one gives its numbers back.
func (c counter) reserve(ctx context.Context, db *DB, district string, year, n int) (int64, error) {
	row := counterRow{DistrictCode: district, Year: year, LastSeq: int64(n)}
	err := db.conn(ctx).Table(string(c)).Clauses(
		clause.OnConflict{
			Columns:   []clause.Column{{Name: "district_code"}, {Name: "year"}},
			DoUpdates: clause.Assignments(map[string]any{"last_seq": clause.Expr{SQL: string(c) + ".last_seq + ?", Vars: []any{n}}}),
		},
		clause.Returning{Columns: []clause.Column{{Name: "last_seq"}}},
	).Create(&row).Error
	if err != nil {
		return 0, translate(err, string(c))
	}
	return row.LastSeq - int64(n) + 1, nil
}
