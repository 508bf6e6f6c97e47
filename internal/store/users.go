package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/crypt"
	"chuangdai/internal/user"
)

type userRow struct {
	ID                auth.UserID `gorm:"primaryKey"`
	Username          string
	PasswordHash      string
	Name              string
	Phone             string
	Disabled          bool
	NationalID        *string
	NationalIDHash    *string
	PasswordChangedAt time.Time
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (userRow) TableName() string { return "users" }

type userRoleRow struct {
	ID           int64 `gorm:"primaryKey"`
	UserID       auth.UserID
	Role         string
	DistrictCode *string
	BankCode     *string
	CreatedAt    time.Time
}

func (userRoleRow) TableName() string { return "user_roles" }

type sessionRow struct {
	ID         string `gorm:"primaryKey"`
	UserID     auth.UserID
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// Users implements user.Store.
type Users struct{ *DB }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// sealStaffID seals a staff member's own resident ID number, NULL for none.
func (s Users) sealStaffID(nid string) (sealed, hash *string, err error) {
	if nid == "" {
		return nil, nil, nil
	}
	v, err := s.seal("users.national_id", crypt.NormalID(nid))
	if err != nil {
		return nil, nil, err
	}
	h := s.hash(nid)
	return &v, &h, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateUser implements user.Store.
func (s Users) CreateUser(ctx context.Context, r user.Record) (auth.UserID, error) {
	row := userRow{
		Username: r.Username, PasswordHash: r.PasswordHash, Name: r.Name, Version: 1,
		PasswordChangedAt: r.PasswordChangedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.CreatedAt,
	}
	var err error
	if row.Phone, err = s.seal("users.phone", r.Phone); err != nil {
		return 0, err
	}
	if row.NationalID, row.NationalIDHash, err = s.sealStaffID(r.NationalID); err != nil {
		return 0, err
	}
	err = s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return translate(err, "user "+r.Username)
		}
		if err := s.addBindings(ctx, row.ID, r.Bindings, r.CreatedAt); err != nil {
			return err
		}
		return s.addGrant(ctx, row.ID, r.PendingGrant)
	})
	return row.ID, err
}

// addBindings inserts the role bindings bs of user id.
func (s Users) addBindings(ctx context.Context, id auth.UserID, bs []auth.Binding, at time.Time) error {
	for _, b := range bs {
		rr := userRoleRow{UserID: id, Role: string(b.Role), DistrictCode: nullable(b.District), BankCode: nullable(b.Bank), CreatedAt: at}
		if err := s.conn(ctx).Create(&rr).Error; err != nil {
			return translate(err, "role binding")
		}
	}
	return nil
}

// addGrant inserts g, the waiting grant of user id (nil: none).
func (s Users) addGrant(ctx context.Context, id auth.UserID, g *user.RoleGrant) error {
	if g == nil {
		return nil
	}
	row := roleGrantRow{UserID: id, Role: string(g.Role), RequestedBy: g.RequestedBy, RequestedAt: g.RequestedAt}
	return translate(s.conn(ctx).Create(&row).Error, "role grant")
}

func (s Users) load(ctx context.Context, rows []userRow) ([]user.Record, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]auth.UserID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var roles []userRoleRow
	if err := s.conn(ctx).Where("user_id IN ?", ids).Order("id").Find(&roles).Error; err != nil {
		return nil, translate(err, "roles")
	}
	byUser := map[auth.UserID][]auth.Binding{}
	for _, r := range roles {
		byUser[r.UserID] = append(byUser[r.UserID], auth.Binding{Role: auth.Role(r.Role), District: deref(r.DistrictCode), Bank: deref(r.BankCode)})
	}
	identities, err := Identities(s).OfUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	var grants []roleGrantRow
	if err := s.conn(ctx).Where("user_id IN ?", ids).Find(&grants).Error; err != nil {
		return nil, translate(err, "role grants")
	}
	pending := map[auth.UserID]*user.RoleGrant{}
	for _, g := range grants {
		pending[g.UserID] = &user.RoleGrant{UserID: g.UserID, Role: auth.Role(g.Role), RequestedBy: g.RequestedBy, RequestedAt: g.RequestedAt}
	}
	out := make([]user.Record, len(rows))
	for i, r := range rows {
		phone, err := s.open("users.phone", r.Phone)
		if err != nil {
			return nil, err
		}
		nid, err := s.open("users.national_id", deref(r.NationalID))
		if err != nil {
			return nil, err
		}
		out[i] = user.Record{
			User: user.User{
				ID: r.ID, Username: r.Username, Name: r.Name, Phone: phone, Disabled: r.Disabled, NationalID: nid,
				Bindings: byUser[r.ID], CreatedAt: r.CreatedAt, Identities: identities[r.ID],
				PasswordChangedAt: r.PasswordChangedAt, PendingGrant: pending[r.ID],
			},
			PasswordHash: r.PasswordHash, Version: r.Version, UpdatedAt: r.UpdatedAt,
		}
	}
	return out, nil
}

// find reads the user q selects, with its bindings, identities and grant.
func (s Users) find(ctx context.Context, q *gorm.DB) (user.Record, error) {
	var row userRow
	if err := q.Take(&row).Error; err != nil {
		return user.Record{}, translate(err, "user")
	}
	recs, err := s.load(ctx, []userRow{row})
	if err != nil {
		return user.Record{}, err
	}
	return recs[0], nil
}

// UserByUsername implements user.Store; user names compare without case.
func (s Users) UserByUsername(ctx context.Context, username string) (user.Record, error) {
	return s.find(ctx, s.conn(ctx).Where("lower(username) = lower(?)", username))
}

// Get implements user.Store: the scope is in the WHERE clause, so an
// account the caller may not see is not found by the same query.
func (s Users) Get(ctx context.Context, scope authz.ListScope, id auth.UserID) (user.Record, error) {
	return s.find(ctx, s.byID(ctx, scope, id))
}

// byID selects the user id within scope.
func (s Users) byID(ctx context.Context, scope authz.ListScope, id auth.UserID) *gorm.DB {
	return scopedUsers(s.conn(ctx).Where("id = ?", id), scope)
}

// scopedUsers filters q to the accounts scope shows, exactly as
// authz.ListScope.Contains decides for an account's resource (its owner is
// itself; it has no district and no bank, which the role bindings have):
// all, or the scope's owners. An empty scope shows nothing.
func scopedUsers(q *gorm.DB, scope authz.ListScope) *gorm.DB {
	switch {
	case scope.All:
		return q
	case len(scope.Owners) > 0:
		return q.Where("users.id IN ?", scope.Owners)
	}
	return q.Where("1 = 0")
}

// Update implements user.Store, for every change of an account after its
// creation: the lock, the versioned write of the named columns, the role
// bindings and the waiting grant, and the audit event are here once.
func (s Users) Update(ctx context.Context, scope authz.ListScope, id auth.UserID, fn func(ctx context.Context, r *user.Record) (audit.Event, error)) (user.User, error) {
	var out user.User
	err := s.InTx(ctx, func(ctx context.Context) error {
		r, err := s.find(ctx, s.forUpdate(s.byID(ctx, scope, id)))
		if err != nil {
			return err
		}
		read := r
		read.Bindings = slices.Clone(r.Bindings)
		if r.PendingGrant != nil {
			g := *r.PendingGrant
			read.PendingGrant = &g
		}
		ev, err := fn(ctx, &r)
		if err != nil {
			return err
		}
		if r.ID != id || r.Username != read.Username {
			return fmt.Errorf("update of user %d: the change altered its id or user name", id)
		}
		if err := s.write(ctx, r, read.Version); err != nil {
			return err
		}
		if !slices.Equal(r.Bindings, read.Bindings) {
			if err := s.conn(ctx).Where("user_id = ?", id).Delete(&userRoleRow{}).Error; err != nil {
				return translate(err, "roles")
			}
			if err := s.addBindings(ctx, id, r.Bindings, r.UpdatedAt); err != nil {
				return err
			}
		}
		if !sameGrant(r.PendingGrant, read.PendingGrant) {
			if err := s.conn(ctx).Where("user_id = ?", id).Delete(&roleGrantRow{}).Error; err != nil {
				return translate(err, "role grant")
			}
			if err := s.addGrant(ctx, id, r.PendingGrant); err != nil {
				return err
			}
		}
		s.principalsChanged(ctx)
		ev.EntityType, ev.EntityID = user.Kind, id.String()
		if err := Audit(s).Append(ctx, ev); err != nil {
			return err
		}
		rec, err := s.find(ctx, s.byID(ctx, authz.ListScope{All: true}, id))
		out = rec.User
		return err
	})
	return out, err
}

// sameGrant reports whether a and b are the same waiting grant (or both none).
func sameGrant(a, b *user.RoleGrant) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.UserID == b.UserID && a.Role == b.Role && a.RequestedBy == b.RequestedBy && a.RequestedAt.Equal(b.RequestedAt)
}

// write writes r's named columns if the stored version is still version,
// and sets it one higher.
func (s Users) write(ctx context.Context, r user.Record, version int) error {
	nid, hash, err := s.sealStaffID(r.NationalID)
	if err != nil {
		return err
	}
	res := s.conn(ctx).Model(&userRow{}).Where("id = ? AND version = ?", r.ID, version).Updates(map[string]any{
		"name": r.Name, "disabled": r.Disabled, "national_id": nid, "national_id_hash": hash,
		"password_hash": r.PasswordHash, "password_changed_at": r.PasswordChangedAt, "version": version + 1, "updated_at": r.UpdatedAt,
	})
	if res.Error != nil {
		return translate(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return apperr.Conflictf("user %d was changed by someone else meanwhile: reload it and try again", r.ID)
	}
	return nil
}

// ListUsers implements user.Store.
func (s Users) ListUsers(ctx context.Context, f user.Filter, scope authz.ListScope, offset, limit int) ([]user.User, int64, error) {
	q := scopedUsers(s.conn(ctx).Model(&userRow{}), scope)
	if v := strings.TrimSpace(f.Query); v != "" {
		like := "%" + escapeLike(strings.ToLower(v)) + "%"
		q = q.Where(`(lower(username) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`, like, like)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "users")
	}
	var rows []userRow
	q = ordered(q, f.Sort, userSorts, func(q *gorm.DB) *gorm.DB { return q.Order("id") })
	if err := page(q, offset, limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "users")
	}
	recs, err := s.load(ctx, rows)
	if err != nil {
		return nil, 0, err
	}
	out := make([]user.User, len(recs))
	for i, r := range recs {
		out[i] = r.User
	}
	return out, total, nil
}

// userSorts are the columns of user.SortKeys.
var userSorts = map[string]sortColumn{
	"username": {"lower(username)", false}, "name": {"name", false}, "created_at": {"created_at", false},
}

// CountUsers returns how many accounts exist.
func (s Users) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&userRow{}).Count(&n).Error
	return n, translate(err, "users")
}

// CreateSession implements user.Store.
func (s Users) CreateSession(ctx context.Context, ss user.Session) error {
	row := sessionRow{ID: ss.ID, UserID: ss.UserID, CreatedAt: ss.CreatedAt, ExpiresAt: ss.ExpiresAt, LastSeenAt: ss.LastSeenAt}
	return translate(s.conn(ctx).Create(&row).Error, "session")
}

// SessionByID implements user.Store.
func (s Users) SessionByID(ctx context.Context, id string) (user.Session, error) {
	var r sessionRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return user.Session{}, translate(err, "session")
	}
	return user.Session{ID: r.ID, UserID: r.UserID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, LastSeenAt: r.LastSeenAt, RevokedAt: r.RevokedAt}, nil
}

// TouchSession implements user.Store.
func (s Users) TouchSession(ctx context.Context, id string, at time.Time) error {
	err := s.conn(ctx).Model(&sessionRow{}).Where("id = ?", id).Update("last_seen_at", at).Error
	if readOnly(err) {
		// A read-only database (a standby) still serves reads: the idle
		// clock stands still there rather than every read being refused.
		return nil
	}
	return translate(err, "session")
}

// RevokeSession implements user.Store.
func (s Users) RevokeSession(ctx context.Context, id string, at time.Time) error {
	return s.changedPrincipals(ctx, s.conn(ctx).Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", at).Error, "session")
}

// DistrictExists implements user.Store.
func (s Users) DistrictExists(ctx context.Context, code string) (bool, error) {
	return Refdata(s).DistrictExists(ctx, code)
}

// BankExists implements user.Store.
func (s Users) BankExists(ctx context.Context, code string) (bool, error) {
	return Refdata(s).BankExists(ctx, code)
}

// RevokeUserSessions implements user.Store.
func (s Users) RevokeUserSessions(ctx context.Context, userID auth.UserID, at time.Time) error {
	return s.changedPrincipals(ctx, s.conn(ctx).Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", at).Error, "sessions")
}

// PurgeSessions implements user.Store.
func (s Users) PurgeSessions(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Where("expires_at < ? OR revoked_at < ?", before, before).Delete(&sessionRow{})
		if res.Error != nil {
			return translate(res.Error, "sessions")
		}
		n = res.RowsAffected
		return translate(s.conn(ctx).Where("window_start < ? AND (locked_until IS NULL OR locked_until < ?)", before, before).
			Delete(&throttleRow{}).Error, "sign-in throttles")
	})
	return n, err
}

type throttleRow struct {
	Key         string `gorm:"primaryKey"`
	Username    *string
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

func (throttleRow) TableName() string { return "login_throttle" }

// Throttle implements user.ThrottleStore.
func (s Users) Throttle(ctx context.Context, key string) (user.Throttle, error) {
	var rows []throttleRow
	if err := s.conn(ctx).Where("key = ?", key).Limit(1).Find(&rows).Error; err != nil {
		return user.Throttle{}, translate(err, "sign-in throttle")
	}
	if len(rows) == 0 {
		return user.Throttle{Key: key}, nil
	}
	return fromThrottleRow(rows[0]), nil
}

func fromThrottleRow(r throttleRow) user.Throttle {
	return user.Throttle{Key: r.Key, Username: deref(r.Username), Failures: r.Failures, WindowStart: r.WindowStart, LockedUntil: r.LockedUntil}
}

// UpdateThrottle implements user.ThrottleStore. A key seen for the first
// time is inserted with no failures before it is read row-locked, so two
// first failures of one key wait for each other (PostgreSQL locks no row
// that is not there) instead of both counting from none.
func (s Users) UpdateThrottle(ctx context.Context, key string, fn func(t *user.Throttle)) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		fresh := throttleRow{Key: key, WindowStart: time.Unix(0, 0).UTC()}
		if err := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&fresh).Error; err != nil {
			return translate(err, "sign-in throttle")
		}
		var row throttleRow
		if err := s.forUpdate(s.conn(ctx).Where("key = ?", key)).Take(&row).Error; err != nil {
			return translate(err, "sign-in throttle")
		}
		t := fromThrottleRow(row)
		fn(&t)
		return translate(s.conn(ctx).Model(&throttleRow{}).Where("key = ?", key).Updates(map[string]any{
			"username": nullable(t.Username), "failures": t.Failures, "window_start": t.WindowStart, "locked_until": t.LockedUntil,
		}).Error, "sign-in throttle")
	})
}

// DeleteThrottle implements user.ThrottleStore.
func (s Users) DeleteThrottle(ctx context.Context, key string) error {
	return translate(s.conn(ctx).Where("key = ?", key).Delete(&throttleRow{}).Error, "sign-in throttle")
}

// DeleteUserThrottles implements user.ThrottleStore.
func (s Users) DeleteUserThrottles(ctx context.Context, username string) error {
	return translate(s.conn(ctx).Where("username = ?", username).Delete(&throttleRow{}).Error, "sign-in throttles")
}

// Locks implements user.ThrottleStore.
func (s Users) Locks(ctx context.Context, usernames []string) (map[string]user.Lock, error) {
	out := map[string]user.Lock{}
	if len(usernames) == 0 {
		return out, nil
	}
	var rows []throttleRow
	if err := s.conn(ctx).Where("username IN ?", usernames).Find(&rows).Error; err != nil {
		return nil, translate(err, "sign-in throttles")
	}
	for _, r := range rows {
		l := out[*r.Username]
		l.Failures = max(l.Failures, r.Failures)
		if r.LockedUntil != nil && (l.LockedUntil == nil || r.LockedUntil.After(*l.LockedUntil)) {
			l.LockedUntil = r.LockedUntil
		}
		out[*r.Username] = l
	}
	return out, nil
}

type roleGrantRow struct {
	UserID      auth.UserID `gorm:"primaryKey"`
	Role        string
	RequestedBy auth.UserID
	RequestedAt time.Time
}

func (roleGrantRow) TableName() string { return "role_grants" }
