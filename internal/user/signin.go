package user

import (
	"context"
	"math"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// Limits are the sign-in protections.
type Limits struct {
	// TTL is the absolute lifetime of a session; Idle ends a session that
	// has not been used for that long.
	TTL  time.Duration
	Idle time.Duration
	// AccountFailures consecutive failed sign-ins lock the account for AccountLock.
	AccountFailures int
	AccountLock     time.Duration
	// AddressFailures failed sign-ins from one address within AddressWindow
	// block that address until the window ends.
	AddressFailures int
	AddressWindow   time.Duration
	// PasswordMaxAge, when above 0, is how long a password serves: a user
	// whose password is older signs in only to change it.
	PasswordMaxAge time.Duration
}

// DefaultLimits are the protections used unless configured otherwise.
func DefaultLimits(ttl time.Duration) Limits {
	return Limits{
		TTL: ttl, Idle: time.Hour,
		AccountFailures: 5, AccountLock: 15 * time.Minute,
		AddressFailures: 50, AddressWindow: 15 * time.Minute,
	}
}

// Throttle is the failure count behind one throttling key.
type Throttle struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

// ThrottleStore persists failed sign-ins.
type ThrottleStore interface {
	// Throttle returns the state of key (zero Failures when none); lock
	// row-locks it for the rest of the transaction.
	Throttle(ctx context.Context, key string, lock bool) (Throttle, error)
	PutThrottle(ctx context.Context, t Throttle) error
	DeleteThrottle(ctx context.Context, key string) error
}

func accountKey(username string) string {
	return "user:" + strings.ToLower(strings.TrimSpace(username))
}
func addressKey(ip string) string { return "ip:" + ip }

func rateLimited(until, now time.Time) error {
	secs := int(math.Ceil(until.Sub(now).Seconds()))
	e := apperr.Newf(apperr.RateLimited, "rate_limited",
		"too many failed sign-ins: wait %d seconds and try again, or ask an administrator to reset the password", secs)
	e.RetryAfter = secs
	return e
}

// checkThrottle refuses a sign-in while the account or the address is locked.
func (s *Service) checkThrottle(ctx context.Context, now time.Time, keys ...string) error {
	for _, k := range keys {
		t, err := s.store.Throttle(ctx, k, false)
		if err != nil {
			return err
		}
		if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
			return rateLimited(*t.LockedUntil, now)
		}
	}
	return nil
}

// recordFailure counts a failed sign-in against the account and the address.
func (s *Service) recordFailure(ctx context.Context, now time.Time, username, ip string) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.bump(ctx, now, accountKey(username), s.limits.AccountFailures, 0, s.limits.AccountLock); err != nil {
			return err
		}
		if ip == "" {
			return nil
		}
		return s.bump(ctx, now, addressKey(ip), s.limits.AddressFailures, s.limits.AddressWindow, s.limits.AddressWindow)
	})
}

// bump adds one failure to key; window 0 means failures count until reset.
func (s *Service) bump(ctx context.Context, now time.Time, key string, max int, window, lockFor time.Duration) error {
	t, err := s.store.Throttle(ctx, key, true)
	if err != nil {
		return err
	}
	expired := t.LockedUntil != nil && !now.Before(*t.LockedUntil)
	if t.Failures == 0 || expired || (window > 0 && now.Sub(t.WindowStart) > window) {
		t = Throttle{Key: key, WindowStart: now}
	}
	t.Failures++
	if t.Failures >= max {
		until := now.Add(lockFor)
		if window > 0 {
			until = t.WindowStart.Add(window)
		}
		t.LockedUntil = &until
	}
	return s.store.PutThrottle(ctx, t)
}

// Purge deletes sessions that ended more than a day ago and sign-in
// throttles that no longer hold anything back, so neither table grows
// without bound. The daily job calls it.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.store.PurgeSessions(ctx, s.now().UTC().Add(-24*time.Hour))
}

// ChangePassword replaces the caller's password after checking the current
// one, and ends every session of the user, the caller's included.
func (s *Service) ChangePassword(ctx context.Context, p auth.Principal, current, next string) error {
	rec, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	if err := s.checkThrottle(ctx, now, accountKey(rec.Username)); err != nil {
		return err
	}
	if !s.hasher.Verify(rec.PasswordHash, current) {
		if err := s.recordFailure(ctx, now, rec.Username, ""); err != nil {
			return err
		}
		return apperr.Field("current_password", "is wrong")
	}
	if s.hasher.Verify(rec.PasswordHash, next) {
		return apperr.Field("new_password", "is the current password: choose a new one")
	}
	return s.setPassword(ctx, p, rec, next, "user.password_change")
}

// ResetPassword lets an administrator set a user's password; the user's
// sessions end and a lockout is lifted.
func (s *Service) ResetPassword(ctx context.Context, p auth.Principal, id int64, next string) error {
	if !s.authz.Can(p, authz.Update, authz.Resource{Kind: "user"}) {
		return apperr.Forbiddenf("only administrators may reset passwords")
	}
	rec, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, p, rec, next, "user.password_reset")
}

func (s *Service) setPassword(ctx context.Context, p auth.Principal, rec Record, next, action string) error {
	if msg := auth.CheckPassword(next, rec.Username); msg != "" {
		return apperr.Field("new_password", msg)
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return apperr.Wrap(err, "hash password")
	}
	now := s.now().UTC()
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPassword(ctx, rec.ID, hash, now); err != nil {
			return err
		}
		if err := s.store.RevokeUserSessions(ctx, rec.ID, now); err != nil {
			return err
		}
		if err := s.store.DeleteThrottle(ctx, accountKey(rec.Username)); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, action, "user", itoa(rec.ID), nil, map[string]string{"username": rec.Username})
	})
}

// UpdateInput changes an account; nil fields stay as they are. Role,
// DistrictCode and BankCode together replace the user's role binding.
type UpdateInput struct {
	Name         *string
	Disabled     *bool
	Role         *string
	DistrictCode *string
	BankCode     *string
	// NationalID sets a staff member's own resident ID number; "" removes it.
	NationalID *string
}

// Update changes a user's name, role binding or disabled flag (admin). A
// disabled user's sessions end at once; a role change applies from the next
// request in every instance, because roles are read on every request.
func (s *Service) Update(ctx context.Context, p auth.Principal, id int64, in UpdateInput) (User, error) {
	if !s.authz.Can(p, authz.Update, authz.Resource{Kind: "user"}) {
		return User{}, apperr.Forbiddenf("only administrators may change users")
	}
	rec, err := s.store.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	before := auditView{rec.Username, rec.Name, rec.Bindings, rec.NationalID}
	u := rec.User
	var f apperr.Fields
	if in.Name != nil {
		u.Name = strings.TrimSpace(*in.Name)
		if len([]rune(u.Name)) > 100 {
			f.Add("name", "must be at most 100 characters")
		}
	}
	if in.Disabled != nil {
		if *in.Disabled && id == p.UserID {
			f.Add("disabled", "you cannot disable your own account")
		}
		u.Disabled = *in.Disabled
	}
	if in.Role != nil || in.DistrictCode != nil || in.BankCode != nil {
		ci := CreateInput{Role: deref(in.Role), DistrictCode: deref(in.DistrictCode), BankCode: deref(in.BankCode)}
		if in.Role == nil && len(rec.Bindings) > 0 {
			ci.Role = string(rec.Bindings[0].Role)
		}
		role := auth.Role(ci.Role)
		b := auth.Binding{Role: role}
		if !role.Valid() {
			f.Add("role", "is unknown: use entrepreneur, hrss_officer, guarantee_officer, bank_officer, finance_auditor or admin")
		} else if err := s.checkBinding(ctx, role, ci, &f, &b); err != nil {
			return User{}, err
		}
		if id == p.UserID && role != auth.Admin {
			f.Add("role", "you cannot take the admin role from yourself")
		}
		u.Bindings = []auth.Binding{b}
	}
	if in.NationalID != nil {
		u.NationalID = *in.NationalID
	}
	if len(u.Bindings) > 0 {
		u.NationalID = checkStaffID(&f, u.NationalID, u.Bindings[0].Role)
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateUser(ctx, u, now); err != nil {
			return err
		}
		if u.Disabled {
			if err := s.store.RevokeUserSessions(ctx, id, now); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, p, "user.update", "user", itoa(id), before,
			map[string]any{"username": u.Username, "name": u.Name, "roles": u.Bindings, "disabled": u.Disabled, "national_id": u.NationalID})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
