// Package auth knows who is calling: the principal with its role bindings,
// password hashing and sign-in tokens. It decides nothing about permissions;
// that is authz's work.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"chuangdai/internal/msg"
)

// Role is one of the six roles of DOMAIN.md.
type Role string

// The roles.
const (
	Entrepreneur     Role = "entrepreneur"
	HRSSOfficer      Role = "hrss_officer"
	GuaranteeOfficer Role = "guarantee_officer"
	BankOfficer      Role = "bank_officer"
	FinanceAuditor   Role = "finance_auditor"
	Admin            Role = "admin"
	// AuditAdmin reads the audit trail and its verification, nothing else
	// (三员分立: the administrator's actions are audited by someone else).
	AuditAdmin Role = "audit_admin"
)

// Roles lists every role.
var Roles = []Role{Entrepreneur, HRSSOfficer, GuaranteeOfficer, BankOfficer, FinanceAuditor, Admin, AuditAdmin}

// Administrative reports whether r is an administrator's role, which one
// administrator grants and a second one confirms.
func (r Role) Administrative() bool { return r == Admin || r == AuditAdmin }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// NeedsDistrict reports whether the role is bound to one district.
func (r Role) NeedsDistrict() bool { return r == HRSSOfficer || r == GuaranteeOfficer }

// NeedsBank reports whether the role is bound to one bank.
func (r Role) NeedsBank() bool { return r == BankOfficer }

// Binding is one role of a user with the district or bank it is bound to.
type Binding struct {
	Role     Role
	District string
	Bank     string
}

// UserID is a user's id: the users row, the signed-in caller, the owner of
// a record, who proposed, decided or did something. The zero UserID is
// nobody (a job, a tool, a record without an owner).
type UserID int64

// String is the id in decimal, as policy decisions and the audit trail's
// entity ids spell it.
func (id UserID) String() string { return strconv.FormatInt(int64(id), 10) }

// Principal is the signed-in caller, loaded from the database on every request.
type Principal struct {
	UserID    UserID
	Username  string
	Name      string
	SessionID string
	Bindings  []Binding
	// PasswordExpired marks a caller whose password is past its maximum
	// age: it may only change it (or sign out).
	PasswordExpired bool
	// Persons are the resident ID numbers the account is known as: a staff
	// member's own, set by an administrator, and those it is verified for.
	// They never grant anything; the four-eyes rule reads them.
	Persons []string
}

// IsPerson reports whether the account is known as the holder of the
// resident ID number.
func (p Principal) IsPerson(nationalID string) bool {
	for _, n := range p.Persons {
		if nationalID != "" && strings.EqualFold(n, nationalID) {
			return true
		}
	}
	return false
}

// Has reports whether the principal holds role.
func (p Principal) Has(role Role) bool {
	_, ok := p.Binding(role)
	return ok
}

// Binding returns the principal's binding for role.
func (p Principal) Binding(role Role) (Binding, bool) {
	for _, b := range p.Bindings {
		if b.Role == role {
			return b, true
		}
	}
	return Binding{}, false
}

// RoleNames lists the principal's roles.
func (p Principal) RoleNames() []string {
	out := make([]string, 0, len(p.Bindings))
	for _, b := range p.Bindings {
		out = append(out, string(b.Role))
	}
	return out
}

// System is the principal of jobs and command-line tools acting on their own.
func System(name string) Principal { return Principal{Username: "system:" + name, Name: name} }

// Hasher hashes passwords with bcrypt.
type Hasher struct {
	Cost  int
	dummy []byte
}

// NewHasher returns a hasher of the given bcrypt cost.
func NewHasher(cost int) *Hasher {
	dummy, err := bcrypt.GenerateFromPassword([]byte("no such user: spend the same time"), cost)
	if err != nil {
		panic(err)
	}
	return &Hasher{Cost: cost, dummy: dummy}
}

// Hash returns the bcrypt hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), h.Cost)
	return string(b), err
}

// Verify reports whether password matches hash. An empty hash (unknown user)
// is checked against a dummy so that both answers take the same time.
func (h *Hasher) Verify(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(h.dummy, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 10

//go:embed common-passwords.txt
var commonPasswords string

// CheckPassword reports what is wrong with a new password, or nil: at least
// MinPasswordLength characters (and at most the 72 bytes bcrypt reads),
// three of the four classes lower case, upper case, digits and other
// characters, not one of the common passwords (compared without case, also
// once the digits and symbols around its letters are taken away:
// "Iloveyou2024!" is "iloveyou"), and not containing the user name.
func CheckPassword(password, username string) error {
	switch {
	case len([]rune(password)) < MinPasswordLength:
		return msg.Err("must be at least 10 characters long")
	case len(password) > 72:
		return msg.Err("must be at most 72 bytes long")
	case passwordClasses(password) < 3:
		return msg.Err("must mix at least three of: lower-case letters, upper-case letters, digits, other characters such as - _ ! @")
	case username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		return msg.Err("must not contain the user name")
	case commonPassword(password):
		return msg.Err("is one of the most common passwords, which are tried first: choose another")
	}
	return nil
}

func passwordClasses(password string) int {
	var lower, upper, digit, other int
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

func commonPassword(password string) bool {
	p := strings.ToLower(password)
	core := strings.TrimFunc(p, func(r rune) bool { return !unicode.IsLetter(r) })
	return listed(p) || (len(core) >= 4 && listed(core))
}

// listed looks p up in the embedded list, a line at a time.
func listed(p string) bool {
	return strings.Contains(commonPasswords, "\n"+p+"\n")
}

// Tokens signs and checks sign-in tokens. A token names a session row; the
// signature lets a forged token be refused without a database read, and the
// session row lets a token be revoked and expire.
type Tokens struct {
	key []byte
	// macs are keyed HMACs with room for a session id and a signature,
	// taken for one token at a time: hmac.New per token hashed the key
	// twice and allocated the state, the sum and its encoding every time.
	macs sync.Pool
}

// tokenMAC is an HMAC of the token key and the buffers a signature is
// computed in.
type tokenMAC struct {
	h   hash.Hash
	in  []byte
	sum [sha256.Size]byte
	sig [sigLen]byte
}

// sigLen is the length of a signature: a SHA-256 in unpadded base64url
// (six bits a character).
const sigLen = (sha256.Size*8 + 5) / 6

// NewTokens returns a token signer with key.
func NewTokens(key []byte) *Tokens {
	t := &Tokens{key: slices.Clone(key)}
	t.macs.New = func() any { return &tokenMAC{h: hmac.New(sha256.New, t.key)} }
	return t
}

// ErrBadToken is returned for a token that was not issued by us.
var ErrBadToken = errors.New("token is malformed or its signature is wrong")

// NewSessionID returns a fresh random session id.
func NewSessionID() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Sign returns the token for session id.
func (t *Tokens) Sign(sessionID string) string {
	m := t.macs.Get().(*tokenMAC)
	defer t.macs.Put(m)
	return sessionID + "." + string(m.of(sessionID))
}

// Parse checks a token's signature and returns its session id. The
// signature is compared in constant time with the one computed.
func (t *Tokens) Parse(token string) (string, error) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(sig) != sigLen {
		return "", ErrBadToken
	}
	m := t.macs.Get().(*tokenMAC)
	defer t.macs.Put(m)
	want := m.of(id)
	m.in = append(m.in[:0], sig...)
	if !hmac.Equal(m.in, want) {
		return "", ErrBadToken
	}
	return id, nil
}

// of returns the signature of session id, in m's buffer.
func (m *tokenMAC) of(id string) []byte {
	m.h.Reset()
	m.in = append(m.in[:0], id...)
	m.h.Write(m.in)
	base64.RawURLEncoding.Encode(m.sig[:], m.h.Sum(m.sum[:0]))
	return m.sig[:]
}
