package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
)

type auditRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	At         time.Time
	ActorID    *auth.UserID
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	Before     *string
	After      *string
	RequestID  string
	PrevHash   string
	Hash       string
	// ActorName is the name of the actor's account, read with a join.
	ActorName string `gorm:"->"`
}

func (auditRow) TableName() string { return "audit_events" }

// auditLockKey is the advisory lock that orders appends to the chain.
const auditLockKey = 0x636461756469 // "cdaudi"

// Audit implements audit.Store.
type Audit struct{ *DB }

// The audit details are sealed whole: they carry resident ID numbers and
// phone numbers. The chain hashes the details in clear, as it always did,
// so events written before they were sealed verify as before.
const (
	auditBefore = "audit_events.before"
	auditAfter  = "audit_events.after"
)

func (db *DB) rawPtr(column string, m json.RawMessage) (*string, error) {
	if m == nil {
		return nil, nil
	}
	s, err := db.seal(column, string(m))
	return &s, err
}

func (db *DB) rawOf(column string, s *string) (json.RawMessage, error) {
	if s == nil {
		return nil, nil
	}
	v, err := db.open(column, *s)
	return json.RawMessage(v), err
}

// Append implements audit.Store. Appends are serialised (advisory lock on
// PostgreSQL, the write lock on SQLite) so each event chains to the one
// committed before it; ids are given here, in chain order.
func (s Audit) Append(ctx context.Context, e audit.Event) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.xactLock(ctx, auditLockKey); err != nil {
			return translate(err, "audit lock")
		}
		var last auditRow
		if err := s.conn(ctx).Order("id DESC").Limit(1).Find(&last).Error; err != nil {
			return translate(err, "audit chain")
		}
		e.ID = last.ID + 1
		e.PrevHash = audit.GenesisHash
		if last.ID != 0 {
			e.PrevHash = last.Hash
		}
		e.At = time.Now().UTC().Truncate(time.Microsecond)
		e.Hash = audit.ComputeHash(e)
		row := auditRow{
			ID: e.ID, At: e.At, ActorID: e.ActorID, Actor: e.Actor, Action: e.Action,
			EntityType: e.EntityType, EntityID: e.EntityID,
			RequestID: e.RequestID, PrevHash: e.PrevHash, Hash: e.Hash,
		}
		var err error
		if row.Before, err = s.rawPtr(auditBefore, e.Before); err != nil {
			return err
		}
		if row.After, err = s.rawPtr(auditAfter, e.After); err != nil {
			return err
		}
		return translate(s.conn(ctx).Create(&row).Error, "audit event")
	})
}

func (db *DB) eventOf(r auditRow) (audit.Event, error) {
	before, err := db.rawOf(auditBefore, r.Before)
	if err != nil {
		return audit.Event{}, err
	}
	after, err := db.rawOf(auditAfter, r.After)
	return audit.Event{
		ID: r.ID, At: r.At.UTC(), ActorID: r.ActorID, Actor: r.Actor, Action: r.Action,
		EntityType: r.EntityType, EntityID: r.EntityID, Before: before, After: after,
		RequestID: r.RequestID, PrevHash: r.PrevHash, Hash: r.Hash,
	}, err
}

// List implements audit.Store, newest first.
func (s Audit) List(ctx context.Context, f audit.Filter) ([]audit.Event, int64, error) {
	q := s.conn(ctx).Model(&auditRow{}).Joins("LEFT JOIN users ON users.id = audit_events.actor_id")
	if f.EntityType != "" {
		q = q.Where("audit_events.entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("audit_events.entity_id = ?", f.EntityID)
	}
	if f.Actor != "" {
		q = q.Where("(lower(audit_events.actor) = lower(?) OR users.name = ?)", f.Actor, f.Actor)
	}
	if f.Action != "" {
		q = q.Where("audit_events.action = ?", f.Action)
	}
	if f.From != nil {
		q = q.Where("audit_events.at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("audit_events.at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "audit events")
	}
	var rows []auditRow
	q = q.Select("audit_events.*, COALESCE(NULLIF(users.name, ''), audit_events.actor) AS actor_name")
	q = orderedBy(q, f.Sort, auditSorts, "audit_events.id", func(q *gorm.DB) *gorm.DB { return q.Order("audit_events.id DESC") })
	if err := page(q, f.Offset, f.Limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "audit events")
	}
	out := make([]audit.Event, len(rows))
	for i, r := range rows {
		e, err := s.eventOf(r)
		if err != nil {
			return nil, 0, err
		}
		out[i] = e
		out[i].ActorName = r.ActorName
	}
	return out, total, nil
}

// auditSorts are the columns of audit.SortKeys.
var auditSorts = map[string]sortColumn{
	"at": {"audit_events.at", false}, "actor": {"audit_events.actor", false},
	"action": {"audit_events.action", false}, "entity_type": {"audit_events.entity_type", false},
}

// Actions implements audit.Store.
func (s Audit) Actions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.conn(ctx).Model(&auditRow{}).Distinct("action").Order("action").Pluck("action", &out).Error
	return out, translate(err, "audit actions")
}

// Walk implements audit.Store, in batches so memory stays flat.
func (s Audit) Walk(ctx context.Context, fn func(audit.Event) error) error {
	var after int64
	for {
		var rows []auditRow
		if err := s.conn(ctx).Where("id > ?", after).Order("id").Limit(1000).Find(&rows).Error; err != nil {
			return translate(err, "audit events")
		}
		for _, r := range rows {
			e, err := s.eventOf(r)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(rows) < 1000 {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}
