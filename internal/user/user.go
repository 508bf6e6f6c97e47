// Package user registers, signs in and manages the people who use chuangdai.
package user

import (
	"context"
	"log/slog"
	"math"
	"regexp"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/identity"
	"chuangdai/internal/idnum"
	"chuangdai/internal/listing"
	"chuangdai/internal/msg"
)

// User is a person with an account.
type User struct {
	ID        auth.UserID
	Username  string
	Name      string
	Phone     string
	Disabled  bool
	Bindings  []auth.Binding
	CreatedAt time.Time
	// Identities are the resident ID numbers the account is verified for.
	Identities []identity.Identity
	// PasswordChangedAt is when the password was last set.
	PasswordChangedAt time.Time
	// NationalID is a staff member's own resident ID number, set by an
	// administrator ("" for none): the four-eyes rule knows them by it.
	NationalID string
	// FailedSignIns and SignInDelayedUntil tell administrators (in List and
	// Get) of failed sign-ins since the last success and of a delay still
	// holding sign-ins back.
	FailedSignIns      int
	SignInDelayedUntil *time.Time
	// PendingGrant is an administrator role granted by one administrator
	// that waits for a second one to confirm it.
	PendingGrant *RoleGrant
}

// RoleGrant is an administrator role (admin, audit_admin) one administrator
// granted to a user; it takes effect when another administrator confirms.
type RoleGrant struct {
	UserID      auth.UserID
	Role        auth.Role
	RequestedBy auth.UserID
	RequestedAt time.Time
}

// Persons are the resident ID numbers the account is known as: its staff
// number and the numbers it is verified for.
func (u User) Persons() []string {
	var out []string
	if u.NationalID != "" {
		out = append(out, u.NationalID)
	}
	for _, id := range u.Identities {
		out = append(out, id.NationalID)
	}
	return out
}

// Record is a user as stored, with the password hash, the version the
// store's Update checks and the time of the last change.
type Record struct {
	User
	PasswordHash string
	Version      int
	UpdatedAt    time.Time
}

// Kind is the kind of resource of an account.
const Kind = "user"

// Resource is the account as authorization sees it: it is its own owner.
func (u User) Resource() authz.Resource { return authz.Resource{Kind: Kind, Owner: u.ID} }

// own is the scope of p's own account.
func own(p auth.Principal) authz.ListScope { return authz.ListScope{Owners: []auth.UserID{p.UserID}} }

// Session is a sign-in session behind a token.
type Session struct {
	ID         string
	UserID     auth.UserID
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
}

// Store is what the user service needs from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// CreateUser inserts the user, its bindings and its waiting grant and
	// returns the new id; a taken username is an apperr Conflict.
	CreateUser(ctx context.Context, r Record) (auth.UserID, error)
	// UserByUsername finds the account signing in, before there is a
	// principal to scope by.
	UserByUsername(ctx context.Context, username string) (Record, error)
	// Get returns user id if scope shows it, else an apperr NotFound: the
	// scope is in the query.
	Get(ctx context.Context, scope authz.ListScope, id auth.UserID) (Record, error)
	// Update is every change of an account after its creation: in one
	// transaction it reads user id within scope row-locked (NotFound
	// otherwise), runs fn, writes the name, disabled flag, staff resident
	// ID number, password and UpdatedAt fn left if the version is still
	// the one read (a Conflict otherwise), replaces the role bindings and
	// the waiting grant when fn changed them, and appends fn's audit
	// event for the user; it returns the user as stored.
	Update(ctx context.Context, scope authz.ListScope, id auth.UserID, fn func(ctx context.Context, r *Record) (audit.Event, error)) (User, error)
	ListUsers(ctx context.Context, f Filter, scope authz.ListScope, offset, limit int) ([]User, int64, error)
	CreateSession(ctx context.Context, s Session) error
	SessionByID(ctx context.Context, id string) (Session, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	RevokeSession(ctx context.Context, id string, at time.Time) error
	RevokeUserSessions(ctx context.Context, userID auth.UserID, at time.Time) error
	// PurgeSessions deletes sessions that expired before before, and the
	// sign-in throttles whose window and lock ended then; it returns how
	// many sessions went.
	PurgeSessions(ctx context.Context, before time.Time) (int64, error)
	ThrottleStore
	DistrictExists(ctx context.Context, code string) (bool, error)
	BankExists(ctx context.Context, code string) (bool, error)
	// PrincipalGeneration is a number that stays the same while no
	// session, account, role binding or identity changes: at once after a
	// change made through this store, within a poll after one made
	// anywhere else.
	PrincipalGeneration(ctx context.Context) (uint64, error)
}

// Service implements sign-in and user management.
type Service struct {
	store  Store
	hasher *auth.Hasher
	tokens *auth.Tokens
	authz  *authz.Enforcer
	audit  *audit.Recorder
	limits Limits
	log    *slog.Logger
	now    func() time.Time
	// principals are the callers' principals read in the last
	// PrincipalTTL (see Authenticate).
	principals principals
}

// NewService wires the user service.
func NewService(s Store, h *auth.Hasher, t *auth.Tokens, z *authz.Enforcer, a *audit.Recorder, l Limits, log *slog.Logger) *Service {
	return &Service{store: s, hasher: h, tokens: t, authz: z, audit: a, limits: l, log: log, now: time.Now}
}

// SetClock replaces the service's clock (tests of expiry and lockout).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$`)

// RegisterInput is what an entrepreneur gives to open an account.
type RegisterInput struct {
	Username string
	Password string
	Name     string
	Phone    string
}

// CreateInput is what an administrator gives to make an account.
type CreateInput struct {
	Username     string
	Password     string
	Name         string
	Phone        string
	Role         string
	DistrictCode string
	BankCode     string
	// NationalID is a staff member's own resident ID number (optional).
	NationalID string
}

// auditView is the part of a user the audit trail keeps: never the hash.
type auditView struct {
	Username   string         `json:"username"`
	Name       string         `json:"name"`
	Roles      []auth.Binding `json:"roles"`
	NationalID string         `json:"national_id,omitempty"`
}

// Register opens an entrepreneur account. Anyone may call it.
// Registrations from one address are throttled: an account opened or a
// taken name tried counts, and past the limit the address waits (429).
func (s *Service) Register(ctx context.Context, in RegisterInput, ip string) (User, error) {
	now := s.now().UTC()
	if ip != "" {
		t, err := s.store.Throttle(ctx, registerKey(ip))
		if err != nil {
			return User{}, apperr.Contextf(err, "read the registration throttle of address %s", ip)
		}
		if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
			secs := int(math.Ceil(t.LockedUntil.Sub(now).Seconds()))
			e := apperr.Newf(apperr.RateLimited, "rate_limited",
				"too many accounts opened from this address: wait %d seconds and try again", secs)
			e.RetryAfter = secs
			return User{}, e
		}
	}
	u, err := s.create(ctx, auth.System("register"), CreateInput{
		Username: in.Username, Password: in.Password, Name: in.Name, Phone: in.Phone,
		Role: string(auth.Entrepreneur),
	}, true)
	if ip != "" && (err == nil || apperr.KindOf(err) == apperr.Conflict) {
		if werr := s.store.InTx(ctx, func(ctx context.Context) error {
			return s.window(ctx, now, registerKey(ip), s.limits.Registrations, s.limits.RegistrationWindow)
		}); werr != nil {
			return User{}, apperr.Contextf(werr, "count a registration from address %s", ip)
		}
	}
	return u, apperr.Contextf(err, "register an account")
}

// Create makes an account with any role; only administrators may.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (User, error) {
	if !s.authz.Can(p, authz.Create, authz.Resource{Kind: Kind}) {
		return User{}, apperr.Forbiddenf("only administrators may create users")
	}
	return s.create(ctx, p, in, false)
}

// CreateFromCLI makes an account from the command line, where whoever runs
// the binary against the database is trusted (it is how the first admin is made).
func (s *Service) CreateFromCLI(ctx context.Context, in CreateInput) (User, error) {
	return s.create(ctx, auth.System("cli"), in, false)
}

func (s *Service) create(ctx context.Context, actor auth.Principal, in CreateInput, selfRegister bool) (User, error) {
	in.Username = strings.TrimSpace(in.Username)
	in.Name = strings.TrimSpace(in.Name)
	in.Phone = strings.TrimSpace(in.Phone)
	var f apperr.Fields
	if !usernamePattern.MatchString(in.Username) {
		f.Add("username", "must be 3–64 letters, digits or . _ @ -, starting with a letter or digit")
	}
	if err := auth.CheckPassword(in.Password, in.Username); err != nil {
		f.AddErr("password", err)
	}
	if len([]rune(in.Name)) > 100 {
		f.Add("name", "must be at most 100 characters")
	}
	if selfRegister && in.Name == "" {
		f.Add("name", "is required")
	}
	if in.Phone != "" && !idnum.ValidPhone(in.Phone) {
		f.Add("phone", "must be a phone number such as 13800138000")
	}
	role := auth.Role(in.Role)
	b := auth.Binding{Role: role}
	switch {
	case in.Role == "":
		f.Addf("role", "is required: one of %s", msg.OneOf("role", auth.Roles...))
	case !role.Valid():
		f.Addf("role", "is unknown: use one of %s", msg.OneOf("role", auth.Roles...))
	default:
		if err := s.checkBinding(ctx, role, in, &f, &b); err != nil {
			return User{}, err
		}
	}
	nationalID := checkStaffID(&f, in.NationalID, role)
	if err := f.Err(); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return User{}, apperr.Wrap(err, "hash password")
	}
	now := s.now().UTC()
	u := User{Username: in.Username, Name: in.Name, Phone: in.Phone, Bindings: []auth.Binding{b}, CreatedAt: now, PasswordChangedAt: now, NationalID: nationalID}
	if role.Administrative() && actor.UserID != 0 {
		// 三员分立: an administrator's role needs a second administrator. The
		// command line, which makes the first one, is trusted as it is.
		u.Bindings = nil
		u.PendingGrant = &RoleGrant{Role: role, RequestedBy: actor.UserID, RequestedAt: now}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		id, err := s.store.CreateUser(ctx, Record{User: u, PasswordHash: hash})
		if err != nil {
			return err
		}
		u.ID = id
		if err := s.audit.Record(ctx, actor, "user.create", Kind, id.String(), nil, auditView{u.Username, u.Name, u.Bindings, u.NationalID}); err != nil {
			return err
		}
		return s.grantRequested(ctx, actor, u.PendingGrant, id)
	})
	if err != nil {
		return User{}, apperr.Contextf(err, "create account %s", u.Username)
	}
	return u, nil
}

// checkStaffID validates a staff member's own resident ID number ("" for
// none) for an account of role, and returns it normalised.
func checkStaffID(f *apperr.Fields, nationalID string, role auth.Role) string {
	if strings.TrimSpace(nationalID) == "" {
		return ""
	}
	if role == auth.Entrepreneur {
		f.Add("national_id", "is a staff member's own number: an entrepreneur is verified as a person at the eligibility review instead")
		return ""
	}
	r, err := idnum.ParseResident(nationalID)
	if err != nil {
		f.Addf("national_id", "is not a valid resident ID number: %s", err)
		return ""
	}
	return r.Number
}

func (s *Service) checkBinding(ctx context.Context, role auth.Role, in CreateInput, f *apperr.Fields, b *auth.Binding) error {
	switch {
	case role.NeedsDistrict() && in.DistrictCode == "":
		f.Addf("district_code", "is required for the role %s", msg.Label("role", role))
	case role.NeedsDistrict():
		ok, err := s.store.DistrictExists(ctx, in.DistrictCode)
		if err != nil {
			return err
		}
		if !ok {
			f.Add("district_code", "no such district: create it first or pick one from GET /api/v1/districts")
		}
		b.District = in.DistrictCode
	case in.DistrictCode != "":
		f.Add("district_code", "only hrss_officer and guarantee_officer are bound to a district")
	}
	switch {
	case role.NeedsBank() && in.BankCode == "":
		f.Add("bank_code", "is required for bank_officer")
	case role.NeedsBank():
		ok, err := s.store.BankExists(ctx, in.BankCode)
		if err != nil {
			return err
		}
		if !ok {
			f.Add("bank_code", "no such bank: create it first or pick one from GET /api/v1/banks")
		}
		b.Bank = in.BankCode
	case in.BankCode != "":
		f.Add("bank_code", "only bank_officer is bound to a bank")
	}
	return nil
}

// LoginResult is a fresh token with its user. PasswordExpired says that
// the token serves only to change the password (see Limits.PasswordMaxAge).
type LoginResult struct {
	Token           string
	ExpiresAt       time.Time
	User            User
	PasswordExpired bool
}

var errInvalidCredentials = apperr.New(apperr.Unauthenticated, "auth.invalid_credentials",
	"the user name or password is wrong")

// Login checks a password and opens a session. A wrong password, an unknown
// user and a disabled account answer identically. Repeated failures lock the
// account, and the address they come from, for a while (429).
func (s *Service) Login(ctx context.Context, username, password, ip string) (LoginResult, error) {
	now := s.now().UTC()
	if err := s.checkThrottle(ctx, now, signInKeys(username, ip)...); err != nil {
		return LoginResult{}, err
	}
	rec, err := s.store.UserByUsername(ctx, strings.TrimSpace(username))
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return LoginResult{}, apperr.Contextf(err, "sign in: read the account")
	}
	if !s.hasher.Verify(rec.PasswordHash, password) || rec.Disabled {
		if err := s.recordFailure(ctx, now, username, ip); err != nil {
			return LoginResult{}, apperr.Contextf(err, "sign in: record a failed sign-in from address %s", ip)
		}
		return LoginResult{}, errInvalidCredentials
	}
	sess := Session{ID: auth.NewSessionID(), UserID: rec.ID, CreatedAt: now, ExpiresAt: now.Add(s.limits.TTL), LastSeenAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.clearFailures(ctx, username, ip); err != nil {
			return err
		}
		return s.store.CreateSession(ctx, sess)
	})
	if err != nil {
		return LoginResult{}, apperr.Contextf(err, "sign in user %d: open a session", rec.ID)
	}
	return LoginResult{Token: s.tokens.Sign(sess.ID), ExpiresAt: sess.ExpiresAt, User: rec.User, PasswordExpired: s.expired(rec.PasswordChangedAt, now)}, nil
}

var errUnauthenticated = apperr.New(apperr.Unauthenticated, "auth.unauthenticated",
	"sign in again: the token is missing, expired or revoked")

// Authenticate turns a bearer token into the principal, reading the user's
// current roles from the database, or from the principal read for the same
// session less than PrincipalTTL ago while the store's generation has not
// moved (no session, account, role binding or identity changed since,
// here or, within a poll, anywhere). The session's lifetime and idle clock
// are checked on every request either way.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	id, err := s.tokens.Parse(token)
	if err != nil {
		return auth.Principal{}, errUnauthenticated
	}
	gen, err := s.store.PrincipalGeneration(ctx)
	if err != nil {
		return auth.Principal{}, apperr.Contextf(err, "authenticate: read the principals' generation")
	}
	k, ok := s.principals.get(id, gen)
	if !ok {
		if k, err = s.readPrincipal(ctx, id, gen); err != nil {
			return auth.Principal{}, err
		}
	}
	now := s.now().UTC()
	if !now.Before(k.session.ExpiresAt) || now.Sub(k.session.LastSeenAt) > s.limits.Idle {
		return auth.Principal{}, errUnauthenticated
	}
	if now.Sub(k.session.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, id, now); err != nil {
			return auth.Principal{}, apperr.Contextf(err, "authenticate user %d: record the session's last use", k.principal.UserID)
		}
		s.principals.seen(id, now)
	}
	p := k.principal
	p.PasswordExpired = s.expired(k.changedAt, now)
	return p, nil
}

// readPrincipal reads session id and its account from the database and
// keeps them under generation gen; a revoked session, a disabled or
// deleted account are errUnauthenticated and never kept.
func (s *Service) readPrincipal(ctx context.Context, id string, gen uint64) (kept, error) {
	sess, err := s.store.SessionByID(ctx, id)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return kept{}, errUnauthenticated
		}
		return kept{}, apperr.Contextf(err, "authenticate: read the session")
	}
	if sess.RevokedAt != nil {
		return kept{}, errUnauthenticated
	}
	// Authentication reads the session's account before there is a
	// principal to scope by.
	rec, err := s.store.Get(ctx, authz.ListScope{All: true}, sess.UserID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return kept{}, errUnauthenticated
		}
		return kept{}, apperr.Contextf(err, "authenticate: read user %d of the session", sess.UserID)
	}
	if rec.Disabled {
		return kept{}, errUnauthenticated
	}
	k := kept{gen: gen, read: time.Now(), session: sess, changedAt: rec.PasswordChangedAt,
		principal: auth.Principal{UserID: rec.ID, Username: rec.Username, Name: rec.Name, SessionID: sess.ID, Bindings: rec.Bindings, Persons: rec.Persons()}}
	s.principals.put(id, k)
	return k, nil
}

// expired reports whether a password set at changedAt is older than the configured
// maximum age (never, when none is configured).
func (s *Service) expired(changedAt, now time.Time) bool {
	return s.limits.PasswordMaxAge > 0 && !now.Before(changedAt.Add(s.limits.PasswordMaxAge))
}

// Logout revokes the caller's session.
func (s *Service) Logout(ctx context.Context, p auth.Principal) error {
	if p.SessionID == "" {
		return errUnauthenticated
	}
	return apperr.Contextf(s.store.RevokeSession(ctx, p.SessionID, s.now().UTC()), "sign out user %d", p.UserID)
}

// Me returns the caller's account.
func (s *Service) Me(ctx context.Context, p auth.Principal) (User, error) {
	rec, err := s.store.Get(ctx, own(p), p.UserID)
	if err != nil {
		return User{}, apperr.Contextf(err, "read own account, user %d", p.UserID)
	}
	return rec.User, nil
}

// SortKeys are the columns the user list sorts by.
var SortKeys = []string{"username", "name", "created_at"}

// Filter narrows the user list: Query is text found in the user name or
// the name (any case); Sort is the order (default: by id).
type Filter struct {
	Query string
	Sort  listing.Sort
}

// List returns accounts for administrators.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, offset, limit int) ([]User, int64, error) {
	if !s.authz.HasAny(p, authz.Read, Kind) {
		return nil, 0, apperr.Forbiddenf("only administrators may list users")
	}
	us, total, err := s.store.ListUsers(ctx, f, s.authz.Scope(p, authz.Read, Kind), offset, limit)
	if err != nil {
		return nil, 0, apperr.Contextf(err, "list accounts")
	}
	if err := s.withLocks(ctx, us); err != nil {
		return nil, 0, apperr.Contextf(err, "list accounts")
	}
	return us, total, nil
}

// withLocks adds to each user the failed sign-ins and any delay in force.
func (s *Service) withLocks(ctx context.Context, us []User) error {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = normalName(u.Username)
	}
	locks, err := s.store.Locks(ctx, names)
	if err != nil {
		return err
	}
	now := s.now()
	for i := range us {
		l := locks[names[i]]
		us[i].FailedSignIns = l.Failures
		if l.LockedUntil != nil && now.Before(*l.LockedUntil) {
			us[i].SignInDelayedUntil = l.LockedUntil
		}
	}
	return nil
}

// Get returns one account for administrators.
func (s *Service) Get(ctx context.Context, p auth.Principal, id auth.UserID) (User, error) {
	if !s.authz.HasAny(p, authz.Read, Kind) {
		return User{}, apperr.Forbiddenf("only administrators may read users")
	}
	rec, err := s.store.Get(ctx, s.authz.Scope(p, authz.Read, Kind), id)
	if err != nil {
		return User{}, apperr.Contextf(err, "read user %d", id)
	}
	us := []User{rec.User}
	if err := s.withLocks(ctx, us); err != nil {
		return User{}, apperr.Contextf(err, "read the sign-in locks of user %d", id)
	}
	return us[0], nil
}
