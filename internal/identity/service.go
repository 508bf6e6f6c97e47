package identity

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/idnum"
	"chuangdai/internal/msg"
)

// Kind is the authz resource kind of a self-service real-name check.
const Kind = "identity"

// Store is what real-name checks need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// LockPerson serialises, until the transaction ends, every change about
	// the person with the number (the application rules take the same lock).
	LockPerson(ctx context.Context, nationalID string) error
	// Holder returns the binding of a number, or nil when none.
	Holder(ctx context.Context, nationalID string) (*Identity, error)
	// Bind binds a number to an account; a number already bound is an
	// apperr Conflict.
	Bind(ctx context.Context, id Identity) error
	// Phone returns the phone number the account registered.
	Phone(ctx context.Context, userID auth.UserID) (string, error)
	// FailedChecks counts the account's real-name checks that did not
	// confirm the person since since.
	FailedChecks(ctx context.Context, userID auth.UserID, since time.Time) (int, error)
}

// The limit of real-name checks that do not confirm the person: each one
// is a guess at someone's name, and each costs the bureau a fee.
const (
	MaxFailedChecks = 5
	FailedCheckSpan = 24 * time.Hour
)

// Service verifies accounts by a real-name check.
type Service struct {
	store    Store
	verifier Verifier
	authz    *authz.Enforcer
	audit    *audit.Recorder
	now      func() time.Time
}

// NewService wires real-name checks; v nil means none is configured.
func NewService(s Store, v Verifier, z *authz.Enforcer, a *audit.Recorder) *Service {
	return &Service{store: s, verifier: v, authz: z, audit: a, now: time.Now}
}

// RealNameCheck reports whether a real-name check is configured.
func (s *Service) RealNameCheck() bool { return s.verifier != nil }

// SelfInput is an applicant's request to be verified as a person.
type SelfInput struct {
	NationalID string
	Name       string
	Evidence   string
}

// VerifySelf verifies the caller's account as the holder of a resident ID
// number by the real-name check, and binds the number to it. created is
// false when the account was verified for the number already. The check
// runs outside any transaction; the binding is written in one.
func (s *Service) VerifySelf(ctx context.Context, p auth.Principal, in SelfInput) (id Identity, created bool, err error) {
	if !s.authz.Can(p, authz.Create, authz.Resource{Kind: Kind}) {
		return Identity{}, false, apperr.Forbiddenf("only entrepreneurs verify themselves: staff accounts are given their resident ID number by an administrator")
	}
	if s.verifier == nil {
		return Identity{}, false, apperr.New(apperr.Conflict, "identity.no_verifier",
			"no real-name check is configured: the HRSS officer verifies your identity at the eligibility review; bring your ID card")
	}
	var f apperr.Fields
	r, perr := idnum.ParseResident(in.NationalID)
	if perr != nil {
		f.Addf("national_id", "is not a valid resident ID number: %s", perr)
	}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		f.Add("name", "is required: the name as printed on the ID card")
	case utf8.RuneCountInString(name) > 100:
		f.Add("name", "must be at most 100 characters")
	}
	evidence := strings.TrimSpace(in.Evidence)
	if len(evidence) > 1000 {
		f.Add("evidence", "must be at most 1000 bytes")
	}
	if err := f.Err(); err != nil {
		return Identity{}, false, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	failed, err := s.store.FailedChecks(ctx, p.UserID, now.Add(-FailedCheckSpan))
	if err != nil {
		return Identity{}, false, err
	}
	if failed >= MaxFailedChecks {
		return Identity{}, false, &apperr.Error{Kind: apperr.RateLimited, Code: "rate_limited", RetryAfter: int(FailedCheckSpan.Seconds()),
			Message: msg.New("too many real-name checks did not confirm the person: try again tomorrow, or have the HRSS office verify you at the eligibility review")}
	}
	holder, err := s.store.Holder(ctx, r.Number)
	if err != nil {
		return Identity{}, false, err
	}
	switch {
	case holder != nil && holder.UserID == p.UserID:
		return *holder, false, nil
	case holder != nil:
		return Identity{}, false, ErrUnusable("national_id")
	}
	phone, err := s.store.Phone(ctx, p.UserID)
	if err != nil {
		return Identity{}, false, err
	}
	match, err := s.verifier.Verify(ctx, Check{NationalID: r.Number, Name: name, Phone: phone, Evidence: evidence})
	if err != nil {
		return Identity{}, false, &apperr.Error{Kind: apperr.Unavailable, Code: "identity.verifier_unavailable",
			Message: msg.New("the real-name check does not answer: try again later, or have the HRSS office verify you at the eligibility review"), Err: err}
	}
	entity := p.UserID.String()
	if !match {
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			return s.audit.Record(ctx, p, "identity.check_failed", "user", entity, nil, map[string]any{"national_id": r.Number, "name": name})
		})
		if err != nil {
			return Identity{}, false, err
		}
		return Identity{}, false, apperr.Field("national_id",
			"the real-name check did not confirm this number and name for you: check both as printed on the ID card, or have the HRSS office verify you at the eligibility review")
	}
	id, created = Identity{NationalID: r.Number, UserID: p.UserID, Method: RealName, VerifiedAt: now}, true
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockPerson(ctx, r.Number); err != nil {
			return err
		}
		// An officer may have verified someone meanwhile.
		holder, err := s.store.Holder(ctx, r.Number)
		switch {
		case err != nil:
			return err
		case holder != nil && holder.UserID == p.UserID:
			id, created = *holder, false
			return nil
		case holder != nil:
			return ErrUnusable("national_id")
		}
		if err := s.store.Bind(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "identity.verify", "user", entity, nil, map[string]any{"national_id": r.Number, "method": RealName})
	})
	if err != nil {
		return Identity{}, false, err
	}
	return id, created, nil
}
