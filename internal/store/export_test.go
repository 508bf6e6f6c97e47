package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"chuangdai/internal/config"
	"chuangdai/internal/loan"
)

// LoanSearchPlan returns how the engine would run the loan list's query for
// f: PostgreSQL's EXPLAIN with sequential scans discouraged (so a usable
// index shows even on a small table), SQLite's EXPLAIN QUERY PLAN.
func LoanSearchPlan(ctx context.Context, db *DB, f loan.Filter) (string, error) {
	query := db.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []loanRow
		return db.loanFilter(tx.Model(&loanRow{}), f).Find(&rows)
	})
	var lines []string
	err := db.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		explain := "EXPLAIN QUERY PLAN "
		if db.Engine == config.Postgres {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
			explain = "EXPLAIN "
		}
		rows, err := tx.Raw(explain + query).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			// The plan's text is the last column on both engines.
			lines = append(lines, toText(vals[len(vals)-1]))
		}
		return rows.Err()
	})
	return strings.Join(lines, "\n"), err
}

func toText(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return ""
}

// Exec runs q through the store's connection for ctx (the transaction in it,
// or the pool), with the store's deadline, as every store statement runs.
func Exec(ctx context.Context, db *DB, q string, args ...any) error {
	return translate(db.conn(ctx).Exec(q, args...).Error, "test statement")
}

// AfterCommit is afterCommit, for the tests of InTx.
func AfterCommit(ctx context.Context, db *DB, f func()) { db.afterCommit(ctx, f) }

// Hash is the keyed hash by which the store finds a resident ID number.
func Hash(db *DB, nationalID string) string { return db.hash(nationalID) }

// CacheSize is SQLite's cache_size of the connection of the transaction in
// ctx (or of one of the pool's).
func CacheSize(ctx context.Context, db *DB) (int64, error) {
	var n int64
	err := db.conn(ctx).Raw("PRAGMA cache_size").Scan(&n).Error
	return n, err
}
