package store

import (
	"context"
	"fmt"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/config"
	"chuangdai/internal/idempotency"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type idempotencyRow struct {
	UserID       auth.UserID `gorm:"primaryKey"`
	Endpoint     string      `gorm:"primaryKey"`
	IdemKey      string      `gorm:"primaryKey"`
	RequestHash  string
	Status       *int
	ResponseBody []byte
	CreatedAt    time.Time
	CompletedAt  *time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// IdempotencyKeys implements idempotency.Store and idempotency.Holds.
type IdempotencyKeys struct{ *DB }

func keyWhere(q *gorm.DB, k idempotency.Key) *gorm.DB {
	return q.Where("user_id = ? AND endpoint = ? AND idem_key = ?", k.UserID, k.Endpoint, k.Value)
}

// Reserve implements idempotency.Store, inside the transaction that holds the
// key (ON CONFLICT DO NOTHING, so an existing key never aborts it); an
// existing key is read and judged.
func (s IdempotencyKeys) Reserve(ctx context.Context, k idempotency.Key, hash string, now time.Time) (idempotency.Reservation, idempotency.Answer, error) {
	row := idempotencyRow{UserID: k.UserID, Endpoint: k.Endpoint, IdemKey: k.Value, RequestHash: hash, CreatedAt: now}
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return 0, idempotency.Answer{}, translate(res.Error, "idempotency key")
	}
	if res.RowsAffected == 1 {
		return idempotency.Reserved, idempotency.Answer{}, nil
	}
	var got idempotencyRow
	if err := keyWhere(s.conn(ctx), k).Take(&got).Error; err != nil {
		if apperr.KindOf(translate(err, "")) == apperr.NotFound {
			// Purged between our insert and read: try once more.
			return s.Reserve(ctx, k, hash, now)
		}
		return 0, idempotency.Answer{}, translate(err, "idempotency key")
	}
	switch {
	case got.RequestHash != hash:
		return idempotency.Mismatch, idempotency.Answer{}, nil
	case got.Status != nil:
		return idempotency.Done, idempotency.Answer{Status: *got.Status, Body: got.ResponseBody}, nil
	}
	return idempotency.InFlight, idempotency.Answer{}, nil
}

// Hold implements idempotency.Holds inside the transaction in ctx. On
// PostgreSQL it takes a transaction-scoped advisory lock on the key, on the
// connection doing the work: every instance sees it, PgBouncer's
// transaction pooling keeps it, and commit, rollback or a dead connection
// end it. SQLite's immediate transactions already hold the database's write
// lock from BEGIN, so a second request with the key waits for the first and
// then finds its answer.
func (s IdempotencyKeys) Hold(ctx context.Context, k idempotency.Key) (bool, error) {
	if s.Engine != config.Postgres {
		return true, nil
	}
	return s.tryXactLock(ctx, fmt.Sprintf("chuangdai-key:%d\x00%s\x00%s", k.UserID, k.Endpoint, k.Value))
}

// Complete implements idempotency.Store.
func (s IdempotencyKeys) Complete(ctx context.Context, k idempotency.Key, hash string, a idempotency.Answer, at time.Time) error {
	res := keyWhere(s.conn(ctx).Model(&idempotencyRow{}), k).Where("request_hash = ? AND status IS NULL", hash).
		Updates(map[string]any{"status": a.Status, "response_body": a.Body, "completed_at": at})
	if res.Error != nil {
		return translate(res.Error, "idempotency key")
	}
	if res.RowsAffected == 0 {
		return apperr.Conflictf("another request with this Idempotency-Key completed first: retry to get its answer")
	}
	return nil
}

// Purge implements idempotency.Store.
func (s IdempotencyKeys) Purge(ctx context.Context, before time.Time) (int64, error) {
	res := s.conn(ctx).Where("created_at < ?", before).Delete(&idempotencyRow{})
	return res.RowsAffected, translate(res.Error, "idempotency keys")
}
