package store

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/notify"
)

type notificationRow struct {
	ID              int64 `gorm:"primaryKey"`
	EventKey        string
	RecipientID     auth.UserID
	Template        string
	Params          string
	EntityType      string
	EntityID        string
	InApp           bool
	CreatedAt       time.Time
	ReadAt          *time.Time
	SMSState        string     `gorm:"column:sms_state"`
	SMSAttempts     int        `gorm:"column:sms_attempts"`
	SMSNextAt       *time.Time `gorm:"column:sms_next_at"`
	SMSClaimedBy    *string    `gorm:"column:sms_claimed_by"`
	SMSClaimedUntil *time.Time `gorm:"column:sms_claimed_until"`
	SMSLastError    string     `gorm:"column:sms_last_error"`
	SMSDoneAt       *time.Time `gorm:"column:sms_done_at"`
}

func (notificationRow) TableName() string { return "notifications" }

type notificationSettingsRow struct {
	UserID    auth.UserID `gorm:"primaryKey;autoIncrement:false"`
	SMS       bool        `gorm:"column:sms"`
	UpdatedAt time.Time
}

func (notificationSettingsRow) TableName() string { return "notification_settings" }

// Notifications implements notify.Store.
type Notifications struct{ *DB }

// notificationParams is sealed: a parameter may be an officer's comment,
// which may name a person by number.
const notificationParams = "notifications.params"

// notificationOf maps a row; params that do not open are left out (the
// text then renders without them) rather than failing an inbox.
func (db *DB) notificationOf(r notificationRow) notify.Notification {
	n := notify.Notification{
		ID: r.ID, EventKey: r.EventKey, RecipientID: r.RecipientID, Template: r.Template, EntityType: r.EntityType, EntityID: r.EntityID,
		InApp: r.InApp, CreatedAt: r.CreatedAt.UTC(), ReadAt: utcPtr(r.ReadAt), SMSState: notify.SMSState(r.SMSState),
		Attempts: r.SMSAttempts, LastError: r.SMSLastError, DoneAt: utcPtr(r.SMSDoneAt),
	}
	if params, err := db.open(notificationParams, r.Params); err == nil {
		_ = json.Unmarshal([]byte(params), &n.Params)
	}
	return n
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// recipient is a user an event goes to, with how.
type recipient struct {
	id   auth.UserID
	mode notify.Mode
}

// audience resolves to into users, each once (the first audience naming a
// user decides the mode).
func (s Notifications) audience(ctx context.Context, to []notify.Audience) ([]recipient, error) {
	var out []recipient
	seen := map[auth.UserID]bool{}
	add := func(id auth.UserID, m notify.Mode) {
		if !seen[id] {
			seen[id] = true
			out = append(out, recipient{id, m})
		}
	}
	for _, a := range to {
		if a.UserID != 0 {
			add(a.UserID, a.Mode)
			continue
		}
		q := s.conn(ctx).Table("user_roles").Select("user_roles.user_id").
			Joins("JOIN users ON users.id = user_roles.user_id").
			Where("user_roles.role = ? AND users.disabled = ?", string(a.Role), false)
		if a.District != "" {
			q = q.Where("user_roles.district_code = ?", a.District)
		}
		if a.Bank != "" {
			q = q.Where("user_roles.bank_code = ?", a.Bank)
		}
		var ids []auth.UserID
		if err := q.Order("user_roles.user_id").Pluck("user_roles.user_id", &ids).Error; err != nil {
			return nil, translate(err, "notification recipients")
		}
		for _, id := range ids {
			add(id, a.Mode)
		}
	}
	return out, nil
}

// smsOff returns the users of ids who turned SMS off.
func (s Notifications) smsOff(ctx context.Context, ids []auth.UserID) (map[auth.UserID]bool, error) {
	var rows []notificationSettingsRow
	if err := s.conn(ctx).Where("user_id IN ? AND sms = ?", ids, false).Find(&rows).Error; err != nil {
		return nil, translate(err, "notification settings")
	}
	off := map[auth.UserID]bool{}
	for _, r := range rows {
		off[r.UserID] = true
	}
	return off, nil
}

// Enqueue implements notify.Store.
func (s Notifications) Enqueue(ctx context.Context, e notify.Event, to []notify.Audience, now time.Time) error {
	params, err := json.Marshal(e.Params)
	if err != nil {
		return apperr.Wrap(err, "notification params")
	}
	if e.Params == nil {
		params = []byte("{}")
	}
	sealed, err := s.seal(notificationParams, string(params))
	if err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		rs, err := s.audience(ctx, to)
		if err != nil || len(rs) == 0 {
			return err
		}
		ids := make([]auth.UserID, len(rs))
		for i, r := range rs {
			ids[i] = r.id
		}
		off, err := s.smsOff(ctx, ids)
		if err != nil {
			return err
		}
		for _, r := range rs {
			row := notificationRow{EventKey: e.Key, RecipientID: r.id, Template: e.Template, Params: sealed,
				EntityType: e.EntityType, EntityID: e.EntityID, InApp: true, CreatedAt: now}
			switch {
			case off[r.id]:
				row.SMSState = string(notify.SMSOff)
			case r.mode == notify.Digest:
				row.SMSState = string(notify.SMSDigest)
			default:
				at := now
				if e.NotBefore.After(now) {
					at = e.NotBefore.UTC()
				}
				row.SMSState, row.SMSNextAt = string(notify.SMSPending), &at
			}
			if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return translate(err, "notification")
			}
		}
		return nil
	})
}

// Inbox implements notify.Store.
func (s Notifications) Inbox(ctx context.Context, userID auth.UserID, unreadOnly bool, offset, limit int) (notify.Page, error) {
	var out notify.Page
	mine := func() *gorm.DB {
		return s.conn(ctx).Model(&notificationRow{}).Where("recipient_id = ? AND in_app = ?", userID, true)
	}
	q := mine()
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, translate(err, "notifications")
	}
	var rows []notificationRow
	if err := page(q.Order("id DESC"), offset, limit).Find(&rows).Error; err != nil {
		return out, translate(err, "notifications")
	}
	for _, r := range rows {
		out.Items = append(out.Items, s.notificationOf(r))
	}
	if err := mine().Where("read_at IS NULL").Count(&out.Unread).Error; err != nil {
		return out, translate(err, "unread notifications")
	}
	return out, nil
}

// Unread implements notify.Store.
func (s Notifications) Unread(ctx context.Context, userID auth.UserID) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&notificationRow{}).Where("recipient_id = ? AND in_app = ? AND read_at IS NULL", userID, true).Count(&n).Error
	return n, translate(err, "unread notifications")
}

// MarkRead implements notify.Store.
func (s Notifications) MarkRead(ctx context.Context, userID auth.UserID, id int64, now time.Time) (notify.Notification, error) {
	var row notificationRow
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Model(&notificationRow{}).Where("id = ? AND recipient_id = ? AND in_app = ? AND read_at IS NULL", id, userID, true).
			Update("read_at", now).Error; err != nil {
			return translate(err, "notification")
		}
		return translate(s.conn(ctx).Where("id = ? AND recipient_id = ? AND in_app = ?", id, userID, true).Take(&row).Error, "notification")
	})
	return s.notificationOf(row), err
}

// Settings implements notify.Store: no row is SMS on.
func (s Notifications) Settings(ctx context.Context, userID auth.UserID) (notify.Settings, error) {
	var rows []notificationSettingsRow
	if err := s.conn(ctx).Where("user_id = ?", userID).Find(&rows).Error; err != nil {
		return notify.Settings{}, translate(err, "notification settings")
	}
	if len(rows) == 0 {
		return notify.Settings{SMS: true}, nil
	}
	return notify.Settings{SMS: rows[0].SMS}, nil
}

// SetSettings implements notify.Store.
func (s Notifications) SetSettings(ctx context.Context, userID auth.UserID, in notify.Settings, now time.Time) error {
	row := notificationSettingsRow{UserID: userID, SMS: in.SMS, UpdatedAt: now}
	err := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"sms", "updated_at"})}).Create(&row).Error
	return translate(err, "notification settings")
}

// Claim implements notify.Outbox: one statement that takes the oldest due
// rows nobody holds; on PostgreSQL rows another dispatcher is taking are
// skipped (SKIP LOCKED), on SQLite the statement holds the write lock.
func (s Notifications) Claim(ctx context.Context, holder string, now, until time.Time, limit int) ([]notify.Notification, error) {
	lock := ""
	if s.Engine == config.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []notificationRow
	err := s.conn(ctx).Raw(`UPDATE notifications SET sms_claimed_by = ?, sms_claimed_until = ?
		WHERE id IN (SELECT id FROM notifications
			WHERE sms_state = 'pending' AND sms_next_at <= ? AND (sms_claimed_until IS NULL OR sms_claimed_until < ?)
			ORDER BY sms_next_at, id LIMIT ?`+lock+`)
		RETURNING *`, holder, until, now, now, limit).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "claim notifications")
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	out := make([]notify.Notification, len(rows))
	for i, r := range rows {
		out[i] = s.notificationOf(r)
	}
	return out, nil
}

// Settle implements notify.Outbox.
func (s Notifications) Settle(ctx context.Context, id int64, holder string, o notify.Outcome) (bool, error) {
	set := map[string]any{"sms_state": string(o.State), "sms_attempts": o.Attempts, "sms_last_error": o.LastError,
		"sms_claimed_by": nil, "sms_claimed_until": nil}
	if o.State == notify.SMSPending {
		set["sms_next_at"] = o.Next
	} else {
		set["sms_done_at"] = o.At
	}
	res := s.conn(ctx).Model(&notificationRow{}).Where("id = ? AND sms_claimed_by = ? AND sms_state = ?", id, holder, string(notify.SMSPending)).Updates(set)
	return res.RowsAffected == 1, translate(res.Error, "notification outcome")
}

// Release implements notify.Outbox.
func (s Notifications) Release(ctx context.Context, holder string) error {
	err := s.conn(ctx).Model(&notificationRow{}).Where("sms_claimed_by = ?", holder).
		Updates(map[string]any{"sms_claimed_by": nil, "sms_claimed_until": nil}).Error
	return translate(err, "release notifications")
}

// Phone implements notify.Outbox: the account's phone, read as the user
// store reads it.
func (s Notifications) Phone(ctx context.Context, userID auth.UserID) (string, error) {
	r, err := Users(s).Get(ctx, authz.ListScope{All: true}, userID)
	if apperr.KindOf(err) == apperr.NotFound {
		return "", nil
	}
	return r.Phone, err
}

// Failed implements notify.Failures: the notifications whose SMS failed after
// the last attempt, newest first, with the recipient's user name.
func (s Notifications) Failed(ctx context.Context, offset, limit int) ([]notify.Notification, int64, error) {
	q := s.conn(ctx).Model(&notificationRow{}).Where("sms_state = ?", string(notify.SMSFailed))
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "failed notifications")
	}
	var rows []notificationRow
	if err := page(q.Order("sms_done_at DESC").Order("id DESC"), offset, limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "failed notifications")
	}
	ids := make([]auth.UserID, len(rows))
	for i, r := range rows {
		ids[i] = r.RecipientID
	}
	var users []userRow
	if err := s.conn(ctx).Select("id", "username").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, 0, translate(err, "recipients")
	}
	names := map[auth.UserID]string{}
	for _, u := range users {
		names[u.ID] = u.Username
	}
	out := make([]notify.Notification, len(rows))
	for i, r := range rows {
		out[i] = s.notificationOf(r)
		out[i].Recipient = names[r.RecipientID]
	}
	return out, total, nil
}

// Retry implements notify.Failures: a failed SMS is pending again, its
// attempts counted afresh.
func (s Notifications) Retry(ctx context.Context, id int64, now time.Time) (notify.Notification, bool, error) {
	var row notificationRow
	res := s.conn(ctx).Model(&notificationRow{}).Where("id = ? AND sms_state = ?", id, string(notify.SMSFailed)).
		Updates(map[string]any{"sms_state": string(notify.SMSPending), "sms_attempts": 0, "sms_next_at": now, "sms_done_at": nil})
	if res.Error != nil {
		return notify.Notification{}, false, translate(res.Error, "retry notification")
	}
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return notify.Notification{}, false, translate(err, "notification")
	}
	return s.notificationOf(row), res.RowsAffected == 1, nil
}

// digestCount is one officer's undigested items.
type digestCount struct {
	RecipientID auth.UserID
	Items       int
	Last        int64
}

// Digest implements notify.Digests: for each user with items waiting for
// the digest, one SMS-only notification of day (sent at notBefore) counting
// them, and the items marked digested, in one transaction per user. A
// second run of the same day adds nothing: the items that arrived since
// wait for the next day's digest.
func (s Notifications) Digest(ctx context.Context, day time.Time, notBefore, now time.Time) (int, error) {
	var counts []digestCount
	err := s.conn(ctx).Model(&notificationRow{}).Select("recipient_id, COUNT(*) AS items, MAX(id) AS last").
		Where("sms_state = ?", string(notify.SMSDigest)).Group("recipient_id").Order("recipient_id").Scan(&counts).Error
	if err != nil {
		return 0, translate(err, "digest")
	}
	date := day.Format(time.DateOnly)
	made := 0
	for _, c := range counts {
		err := s.InTx(ctx, func(ctx context.Context) error {
			set, err := s.Settings(ctx, c.RecipientID)
			if err != nil {
				return err
			}
			mark := string(notify.SMSDigested)
			if !set.SMS {
				mark = string(notify.SMSOff)
			} else {
				at := now
				if notBefore.After(now) {
					at = notBefore
				}
				row := notificationRow{EventKey: "digest:" + date, RecipientID: c.RecipientID, Template: "digest",
					Params: `{"count":"` + itoa(c.Items) + `","date":"` + date + `"}`, InApp: false, CreatedAt: now,
					SMSState: string(notify.SMSPending), SMSNextAt: &at}
				res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
				if res.Error != nil {
					return translate(res.Error, "digest")
				}
				if res.RowsAffected == 0 {
					return nil
				}
				made++
			}
			return translate(s.conn(ctx).Model(&notificationRow{}).Where("recipient_id = ? AND sms_state = ? AND id <= ?", c.RecipientID, string(notify.SMSDigest), c.Last).
				Update("sms_state", mark).Error, "digest")
		})
		if err != nil {
			return made, err
		}
	}
	return made, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
