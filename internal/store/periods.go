package store

import (
	"context"
	"database/sql"
	"time"

	"chuangdai/internal/auth"
	"chuangdai/internal/config"
	"chuangdai/internal/loan"
)

type periodRow struct {
	Month    string `gorm:"primaryKey"`
	ClosedAt time.Time
	ClosedBy auth.UserID
}

func (periodRow) TableName() string { return "accounting_periods" }

// periodLockKey is the advisory lock between closing a month and posting:
// postings hold it shared, a close exclusively.
const periodLockKey = 0x6364706572696f64 // "cdperiod"

// ClosedThrough implements loan.Store. SQLite's immediate transactions
// already serialise every write, so only PostgreSQL takes the lock.
func (db *DB) ClosedThrough(ctx context.Context, forClose bool) (string, error) {
	if db.Engine == config.Postgres {
		lock := "SELECT pg_advisory_xact_lock_shared(?)"
		if forClose {
			lock = "SELECT pg_advisory_xact_lock(?)"
		}
		if err := db.conn(ctx).Exec(lock, int64(periodLockKey)).Error; err != nil {
			return "", translate(err, "period lock")
		}
	}
	var through sql.NullString
	if err := db.conn(ctx).Model(&periodRow{}).Select("MAX(month)").Row().Scan(&through); err != nil {
		return "", translate(err, "accounting periods")
	}
	return through.String, nil
}

// AddPeriodClose implements loan.Store.
func (s Loans) AddPeriodClose(ctx context.Context, c loan.PeriodClose) error {
	return translate(s.conn(ctx).Create(&periodRow{Month: c.Month, ClosedAt: c.ClosedAt, ClosedBy: c.ClosedBy}).Error, "accounting period")
}

// PeriodCloses implements loan.Store.
func (s Loans) PeriodCloses(ctx context.Context) ([]loan.PeriodClose, error) {
	var rows []struct {
		Month    string
		ClosedAt time.Time
		ClosedBy auth.UserID
		Name     string
	}
	err := s.conn(ctx).Table("accounting_periods p").Joins("JOIN users u ON u.id = p.closed_by").
		Select("p.month, p.closed_at, p.closed_by, u.name").Order("p.month").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "accounting periods")
	}
	out := make([]loan.PeriodClose, len(rows))
	for i, r := range rows {
		out[i] = loan.PeriodClose{Month: r.Month, ClosedAt: r.ClosedAt.UTC(), ClosedBy: r.ClosedBy, ClosedByName: r.Name}
	}
	return out, nil
}

// FirstDisbursement implements loan.Store.
func (s Loans) FirstDisbursement(ctx context.Context) (time.Time, error) {
	var first sqlDate
	if err := s.conn(ctx).Model(&loanRow{}).Select("MIN(disbursed_on)").Row().Scan(&first); err != nil {
		return time.Time{}, translate(err, "loans")
	}
	return first.Time, nil
}
