package user

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/msg"
)

// Limits are the sign-in protections.
type Limits struct {
	// TTL is the absolute lifetime of a session; Idle ends a session that
	// has not been used for that long.
	TTL  time.Duration
	Idle time.Duration
	// From the PairFreeFailures-th consecutive failed sign-in of an account
	// from one address, that address waits PairDelay before it may try the
	// account again, twice as long after each further failure, at most
	// PairMaxDelay. Other addresses are not held back by it, so nobody can
	// lock an account's owner out by failing on purpose.
	PairFreeFailures int
	PairDelay        time.Duration
	PairMaxDelay     time.Duration
	// From the AccountFreeFailures-th consecutive failure of an account from
	// any address, every address waits AccountDelay, doubling up to
	// AccountMaxDelay: a short wait, which bounds guessing from many
	// addresses without keeping the owner out.
	AccountFreeFailures int
	AccountDelay        time.Duration
	AccountMaxDelay     time.Duration
	// FailureMemory forgets the failures of an account after that long
	// without another one.
	FailureMemory time.Duration
	// AddressFailures failed sign-ins from one address within AddressWindow
	// block that address until the window ends.
	AddressFailures int
	AddressWindow   time.Duration
	// Registrations accounts opened (or tried under a taken name) from one
	// address within RegistrationWindow; more wait until the window ends.
	Registrations      int
	RegistrationWindow time.Duration
	// PasswordMaxAge, when above 0, is how long a password serves: a user
	// whose password is older signs in only to change it.
	PasswordMaxAge time.Duration
}

// DefaultLimits are the protections used unless configured otherwise.
func DefaultLimits(ttl time.Duration) Limits {
	return Limits{
		TTL: ttl, Idle: time.Hour,
		PairFreeFailures: 5, PairDelay: time.Minute, PairMaxDelay: time.Hour,
		AccountFreeFailures: 10, AccountDelay: time.Second, AccountMaxDelay: time.Minute,
		FailureMemory:   24 * time.Hour,
		AddressFailures: 50, AddressWindow: 15 * time.Minute,
		Registrations: 20, RegistrationWindow: time.Hour,
	}
}

// Throttle is the failure count behind one throttling key. Username names
// the account of an account's or an account-and-address key.
type Throttle struct {
	Key         string
	Username    string
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

// Lock is what holds an account's sign-ins back, for administrators: the
// consecutive failures and until when the longest delay runs.
type Lock struct {
	Failures    int
	LockedUntil *time.Time
}

// ThrottleStore persists failed sign-ins.
type ThrottleStore interface {
	// Throttle returns the state of key (zero Failures when none), to
	// read; a change goes through UpdateThrottle.
	Throttle(ctx context.Context, key string) (Throttle, error)
	// UpdateThrottle changes key in one transaction (the caller's, if
	// any): it reads the state row-locked, a key seen for the first time
	// included, so concurrent changes of one key wait for each other; fn
	// changes it and the result is written.
	UpdateThrottle(ctx context.Context, key string, fn func(t *Throttle)) error
	DeleteThrottle(ctx context.Context, key string) error
	// DeleteUserThrottles deletes every key of the account username.
	DeleteUserThrottles(ctx context.Context, username string) error
	// Locks returns, for each of usernames with failed sign-ins, the most
	// failures and the latest delay of its keys.
	Locks(ctx context.Context, usernames []string) (map[string]Lock, error)
}

func normalName(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// The throttling keys: an account, an account tried from one address
// (names hold no "|"), an address, and an address registering.
func accountKey(username string) string  { return "user:" + normalName(username) }
func pairKey(username, ip string) string { return accountKey(username) + "|" + ip }
func addressKey(ip string) string        { return "ip:" + ip }
func registerKey(ip string) string       { return "register:" + ip }

func rateLimited(until, now time.Time) error {
	secs := int(math.Ceil(until.Sub(now).Seconds()))
	e := apperr.Newf(apperr.RateLimited, "rate_limited",
		"too many failed sign-ins: wait %d seconds and try again, or ask an administrator to reset the password", secs)
	e.RetryAfter = secs
	return e
}

// signInKeys are the keys a sign-in of username from ip is checked against.
func signInKeys(username, ip string) []string {
	if ip == "" {
		return []string{accountKey(username)}
	}
	return []string{accountKey(username), pairKey(username, ip), addressKey(ip)}
}

// checkThrottle refuses a sign-in while any of keys holds it back, saying
// how long the longest of them still does.
func (s *Service) checkThrottle(ctx context.Context, now time.Time, keys ...string) error {
	var until *time.Time
	for _, k := range keys {
		t, err := s.store.Throttle(ctx, k)
		if err != nil {
			return err
		}
		if t.LockedUntil != nil && now.Before(*t.LockedUntil) && (until == nil || t.LockedUntil.After(*until)) {
			until = t.LockedUntil
		}
	}
	if until != nil {
		return rateLimited(*until, now)
	}
	return nil
}

// recordFailure counts a failed sign-in against the account, the account
// from this address, and the address.
func (s *Service) recordFailure(ctx context.Context, now time.Time, username, ip string) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		l := s.limits
		if err := s.delay(ctx, now, accountKey(username), "account", username, ip, l.AccountFreeFailures, l.AccountDelay, l.AccountMaxDelay); err != nil {
			return err
		}
		if ip == "" {
			return nil
		}
		if err := s.delay(ctx, now, pairKey(username, ip), "account from this address", username, ip, l.PairFreeFailures, l.PairDelay, l.PairMaxDelay); err != nil {
			return err
		}
		return s.window(ctx, now, addressKey(ip), l.AddressFailures, l.AddressWindow)
	})
}

// delay adds one failure to an account's key: from the free-th on, the key
// holds sign-ins back for base, doubled with each further failure, at most
// max. Attempts refused meanwhile are not counted, so the delay grows only
// with real attempts; WindowStart keeps the last failure.
func (s *Service) delay(ctx context.Context, now time.Time, key, scope, username, ip string, free int, base, max time.Duration) error {
	return s.store.UpdateThrottle(ctx, key, func(t *Throttle) {
		if t.Failures == 0 || now.Sub(t.WindowStart) > s.limits.FailureMemory {
			*t = Throttle{Key: key}
		}
		t.Username = normalName(username)
		t.Failures++
		t.WindowStart = now
		t.LockedUntil = nil
		if t.Failures >= free {
			d := max
			if n := t.Failures - free; n < 32 && base<<n < max {
				d = base << n
			}
			until := now.Add(d)
			t.LockedUntil = &until
			s.log.WarnContext(ctx, "sign-in delayed after failed attempts", "username", t.Username, "address", ip,
				"scope", scope, "failures", t.Failures, "until", until)
		}
	})
}

// window adds one to key; max within window blocks it until the window ends.
func (s *Service) window(ctx context.Context, now time.Time, key string, max int, window time.Duration) error {
	return s.store.UpdateThrottle(ctx, key, func(t *Throttle) {
		if t.Failures == 0 || now.Sub(t.WindowStart) > window {
			*t = Throttle{Key: key, WindowStart: now}
		}
		t.Failures++
		if t.Failures >= max {
			until := t.WindowStart.Add(window)
			t.LockedUntil = &until
		}
	})
}

// clearFailures forgets an account's failures after a successful sign-in
// from ip; the failures of other addresses stay.
func (s *Service) clearFailures(ctx context.Context, username, ip string) error {
	if err := s.store.DeleteThrottle(ctx, accountKey(username)); err != nil {
		return err
	}
	if ip == "" {
		return nil
	}
	return s.store.DeleteThrottle(ctx, pairKey(username, ip))
}

// Purge deletes sessions that ended more than a day ago and sign-in
// throttles that no longer hold anything back, so neither table grows
// without bound. The daily job calls it.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	n, err := s.store.PurgeSessions(ctx, s.now().UTC().Add(-24*time.Hour))
	return n, apperr.Contextf(err, "purge ended sessions and spent throttles")
}

// ChangePassword replaces the caller's password after checking the current
// one, and ends every session of the user, the caller's included.
func (s *Service) ChangePassword(ctx context.Context, p auth.Principal, current, next string) error {
	rec, err := s.store.Get(ctx, own(p), p.UserID)
	if err != nil {
		return apperr.Contextf(err, "change the password of user %d: read the account", p.UserID)
	}
	now := s.now().UTC()
	if err := s.checkThrottle(ctx, now, accountKey(rec.Username)); err != nil {
		return err
	}
	if !s.hasher.Verify(rec.PasswordHash, current) {
		if err := s.recordFailure(ctx, now, rec.Username, ""); err != nil {
			return apperr.Contextf(err, "change the password of user %d: record a wrong current password", p.UserID)
		}
		return apperr.Field("current_password", "is wrong")
	}
	if s.hasher.Verify(rec.PasswordHash, next) {
		return apperr.Field("new_password", "is the current password: choose a new one")
	}
	hash, err := s.newHash(rec, next)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, own(p), p.UserID, s.passwordSet(p, hash, "user.password_change"))
	return apperr.Contextf(err, "change the password of user %d", p.UserID)
}

// ResetPassword lets an administrator set a user's password; the user's
// sessions end and a lockout is lifted.
func (s *Service) ResetPassword(ctx context.Context, p auth.Principal, id auth.UserID, next string) error {
	const forbidden = "only administrators may reset passwords"
	if !s.authz.HasAny(p, authz.Update, Kind) {
		return apperr.Forbiddenf(forbidden)
	}
	rec, err := s.store.Get(ctx, s.authz.Scope(p, authz.Read, Kind), id)
	if err != nil {
		return apperr.Contextf(err, "reset the password of user %d: read the account", id)
	}
	hash, err := s.newHash(rec, next)
	if err != nil {
		return err
	}
	_, err = s.change(ctx, p, id, forbidden, s.passwordSet(p, hash, "user.password_reset"))
	return apperr.Contextf(err, "reset the password of user %d", id)
}

// newHash checks next as rec's new password and hashes it, before the
// account is locked: hashing takes a while.
func (s *Service) newHash(rec Record, next string) (string, error) {
	if err := auth.CheckPassword(next, rec.Username); err != nil {
		var f apperr.Fields
		f.AddErr("new_password", err)
		return "", f.Err()
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return "", apperr.Wrap(err, "hash password")
	}
	return hash, nil
}

// passwordSet is the change that gives an account the password hash, ends
// its sessions and lifts its lockout, audited as action.
func (s *Service) passwordSet(p auth.Principal, hash, action string) func(ctx context.Context, r *Record) (audit.Event, error) {
	return func(ctx context.Context, r *Record) (audit.Event, error) {
		r.PasswordHash, r.PasswordChangedAt = hash, r.UpdatedAt
		if err := s.store.RevokeUserSessions(ctx, r.ID, r.UpdatedAt); err != nil {
			return audit.Event{}, err
		}
		if err := s.store.DeleteUserThrottles(ctx, normalName(r.Username)); err != nil {
			return audit.Event{}, err
		}
		return audit.NewEvent(ctx, p, action, nil, map[string]string{"username": r.Username})
	}
}

// update runs fn on user id within scope through the store's Update, the
// record's UpdatedAt set to now.
func (s *Service) update(ctx context.Context, scope authz.ListScope, id auth.UserID, fn func(ctx context.Context, r *Record) (audit.Event, error)) (User, error) {
	return s.store.Update(ctx, scope, id, func(ctx context.Context, r *Record) (audit.Event, error) {
		r.UpdatedAt = s.now().UTC()
		return fn(ctx, r)
	})
}

// change is an administrator's change of user id: 403 with forbidden when p
// may change no account, 404 when p may not see this one.
func (s *Service) change(ctx context.Context, p auth.Principal, id auth.UserID, forbidden string, fn func(ctx context.Context, r *Record) (audit.Event, error)) (User, error) {
	if !s.authz.HasAny(p, authz.Update, Kind) {
		return User{}, apperr.Forbiddenf(forbidden)
	}
	return s.update(ctx, s.authz.Scope(p, authz.Read, Kind), id, func(ctx context.Context, r *Record) (audit.Event, error) {
		if !s.authz.Can(p, authz.Update, r.Resource()) {
			return audit.Event{}, apperr.Forbiddenf(forbidden)
		}
		return fn(ctx, r)
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
func (s *Service) Update(ctx context.Context, p auth.Principal, id auth.UserID, in UpdateInput) (User, error) {
	var grant *RoleGrant
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		u, err = s.change(ctx, p, id, "only administrators may change users", func(ctx context.Context, r *Record) (audit.Event, error) {
			before := auditView{r.Username, r.Name, r.Bindings, r.NationalID}
			var err error
			grant, err = s.edit(ctx, p, r, in)
			if err != nil {
				return audit.Event{}, err
			}
			if r.Disabled {
				if err := s.store.RevokeUserSessions(ctx, id, r.UpdatedAt); err != nil {
					return audit.Event{}, err
				}
			}
			return audit.NewEvent(ctx, p, "user.update", before,
				map[string]any{"username": r.Username, "name": r.Name, "roles": r.Bindings, "disabled": r.Disabled, "national_id": r.NationalID})
		})
		if err != nil {
			return err
		}
		return s.grantRequested(ctx, p, grant, id)
	})
	if err != nil {
		return User{}, apperr.Contextf(err, "change user %d", id)
	}
	return u, nil
}

// edit applies in to r, as p: a role binding that needs a second
// administrator becomes r's waiting grant (answered), any other replaces
// the bindings and a grant still waiting.
func (s *Service) edit(ctx context.Context, p auth.Principal, r *Record, in UpdateInput) (*RoleGrant, error) {
	var f apperr.Fields
	if in.Name != nil {
		r.Name = strings.TrimSpace(*in.Name)
		if len([]rune(r.Name)) > 100 {
			f.Add("name", "must be at most 100 characters")
		}
	}
	if in.Disabled != nil {
		if *in.Disabled && r.ID == p.UserID {
			f.Add("disabled", "you cannot disable your own account")
		}
		r.Disabled = *in.Disabled
	}
	var grant *RoleGrant
	if in.Role != nil || in.DistrictCode != nil || in.BankCode != nil {
		if r.ID == p.UserID {
			return nil, apperr.Forbiddenf("you cannot change your own roles or bindings: another administrator must")
		}
		ci := CreateInput{Role: deref(in.Role), DistrictCode: deref(in.DistrictCode), BankCode: deref(in.BankCode)}
		if in.Role == nil && len(r.Bindings) > 0 {
			ci.Role = string(r.Bindings[0].Role)
		}
		role := auth.Role(ci.Role)
		b := auth.Binding{Role: role}
		if !role.Valid() {
			f.Addf("role", "is unknown: use one of %s", msg.OneOf("role", auth.Roles...))
		} else if err := s.checkBinding(ctx, role, ci, &f, &b); err != nil {
			return nil, err
		}
		if role.Administrative() && !slices.Equal(r.Bindings, []auth.Binding{b}) {
			grant = &RoleGrant{UserID: r.ID, Role: role, RequestedBy: p.UserID, RequestedAt: r.UpdatedAt}
			r.PendingGrant = grant
		} else {
			r.Bindings = []auth.Binding{b}
			r.PendingGrant = nil
		}
	}
	if in.NationalID != nil {
		r.NationalID = *in.NationalID
	}
	if len(r.Bindings) > 0 {
		r.NationalID = checkStaffID(&f, r.NationalID, r.Bindings[0].Role)
	}
	return grant, f.Err()
}

// grantRequested audits the request of g (if any) for user id, stored
// with the user.
func (s *Service) grantRequested(ctx context.Context, p auth.Principal, g *RoleGrant, id auth.UserID) error {
	if g == nil {
		return nil
	}
	g.UserID = id
	return s.audit.Record(ctx, p, "user.role_grant_request", Kind, id.String(), nil, map[string]any{"role": g.Role})
}

// ConfirmRoleGrant applies the administrator role another administrator
// granted to user id (三员分立): the one who asked for it, and the user it
// is for, cannot confirm it (403 four_eyes).
func (s *Service) ConfirmRoleGrant(ctx context.Context, p auth.Principal, id auth.UserID) (User, error) {
	u, err := s.change(ctx, p, id, "only administrators may confirm roles", func(ctx context.Context, r *Record) (audit.Event, error) {
		g := r.PendingGrant
		switch {
		case g == nil:
			return audit.Event{}, apperr.Conflictf("no administrator role waits for confirmation on user %d", id)
		case g.RequestedBy == p.UserID:
			return audit.Event{}, apperr.New(apperr.Forbidden, "four_eyes", "a second administrator must confirm the role you granted")
		case id == p.UserID:
			return audit.Event{}, apperr.New(apperr.Forbidden, "four_eyes", "you cannot confirm a role for yourself")
		}
		before := auditView{r.Username, r.Name, r.Bindings, r.NationalID}
		r.Bindings = []auth.Binding{{Role: g.Role}}
		r.PendingGrant = nil
		return audit.NewEvent(ctx, p, "user.role_grant_confirm", before,
			map[string]any{"username": r.Username, "roles": r.Bindings, "requested_by": g.RequestedBy})
	})
	return u, apperr.Contextf(err, "confirm the administrator role of user %d", id)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
