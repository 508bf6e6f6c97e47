package loan

import (
	"context"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/msg"
)

// ExtensionState is where an extension (展期) stands.
type ExtensionState string

// An extension is proposed by the bank, then confirmed or rejected by the
// guarantee centre.
const (
	ExtensionProposed  ExtensionState = "proposed"
	ExtensionConfirmed ExtensionState = "confirmed"
	ExtensionRejected  ExtensionState = "rejected"
)

// ExtensionStates lists every extension state.
var ExtensionStates = []ExtensionState{ExtensionProposed, ExtensionConfirmed, ExtensionRejected}

// Extension is a new maturity for a loan: proposed by a bank officer of its
// bank, confirmed (or rejected) by a guarantee officer of its district.
type Extension struct {
	ID           int64
	LoanID       ID
	OldMaturity  time.Time
	NewMaturity  time.Time
	Reason       string
	State        ExtensionState
	ProposedBy   auth.UserID
	ProposedAt   time.Time
	ConfirmedBy  *auth.UserID
	ConfirmedAt  *time.Time
	RejectedBy   *auth.UserID
	RejectedAt   *time.Time
	RejectReason string
}

// ExtensionInput is the bank's proposal of a new maturity.
type ExtensionInput struct {
	NewMaturity string
	Reason      string
}

// ExtensionStore is what extensions need of persistence (part of Store).
type ExtensionStore interface {
	// AddExtension inserts a proposal; a second open proposal of the loan
	// is an apperr Conflict.
	AddExtension(ctx context.Context, e Extension) (int64, error)
	// UpdateExtension writes e's state and decision fields if the stored
	// state is still from.
	UpdateExtension(ctx context.Context, e Extension, from ExtensionState) error
}

// pending is the loan's extension waiting for the guarantee centre, if any.
func (l Loan) pending() *Extension {
	for i := range l.Extensions {
		if l.Extensions[i].State == ExtensionProposed {
			return &l.Extensions[i]
		}
	}
	return nil
}

// contractMaturity is the maturity of the contract, before any extension.
func (l Loan) contractMaturity() time.Time {
	if l.OriginalMaturity != nil {
		return *l.OriginalMaturity
	}
	return l.Maturity
}

// beforeMaturity refuses an extension of a loan whose maturity has passed:
// an extension is asked for and granted before the principal falls due
// (贷款通则 第十二条), so no day the loan already ran changes.
func (s *Service) beforeMaturity(l Loan) error {
	if s.today().After(l.Maturity) {
		return apperr.Newf(apperr.Conflict, "loan.invalid_state", "the loan matured on %s: an extension is proposed and confirmed on or before the maturity day", dateText(l.Maturity))
	}
	return nil
}

// ProposeExtension is the bank's proposal of a new maturity for an active
// or overdue loan, on or before its maturity day, within the policy's
// bounds (the version in force today).
func (s *Service) ProposeExtension(ctx context.Context, p auth.Principal, id ID, in ExtensionInput) (Extension, Loan, error) {
	var ext Extension
	l, err := s.change(ctx, p, id, ActExtend, "only a bank officer of the loan's bank may propose an extension", "loan.propose_extension", func(ctx context.Context, l *Loan) error {
		if _, err := Next(l.Status, EvExtend); err != nil {
			return err
		}
		if err := s.beforeMaturity(*l); err != nil {
			return err
		}
		if e := l.pending(); e != nil {
			return apperr.Conflictf("an extension of this loan to %s is already proposed: the guarantee centre confirms or rejects it first", dateText(e.NewMaturity))
		}
		var f apperr.Fields
		v, noVersion := s.policy.At(s.today())
		if noVersion != nil {
			f.AddErr("new_maturity", noVersion)
			return f.Err()
		}
		rule := v.Extension
		confirmed := 0
		for _, e := range l.Extensions {
			if e.State == ExtensionConfirmed {
				confirmed++
			}
		}
		on, ok := parseDay(&f, "new_maturity", in.NewMaturity)
		limit := AddMonths(l.contractMaturity(), rule.MaxMonths)
		switch {
		case rule.MaxCount == 0:
			f.Add("new_maturity", "the policy in force allows no extension")
		case confirmed >= rule.MaxCount:
			f.Addf("new_maturity", "the loan was extended %d times already: the policy allows at most %d", confirmed, rule.MaxCount)
		case !ok:
		case !on.After(l.Maturity):
			f.Addf("new_maturity", "must be after the current maturity (%s)", dateText(l.Maturity))
		case on.After(limit):
			f.AddText("new_maturity", msg.New("is more than %d months after the contract's maturity (%s): at most %s", rule.MaxMonths, dateText(l.contractMaturity()), dateText(limit)))
		}
		reason := strings.TrimSpace(in.Reason)
		if reason == "" || len(reason) > 2000 {
			f.Add("reason", "is required (up to 2000 characters): say why the borrower needs more time")
		}
		if err := f.Err(); err != nil {
			return err
		}
		ext = Extension{LoanID: l.ID, OldMaturity: l.Maturity, NewMaturity: on, Reason: reason, State: ExtensionProposed,
			ProposedBy: p.UserID, ProposedAt: s.now().UTC().Truncate(time.Microsecond)}
		var err error
		if ext.ID, err = s.store.AddExtension(ctx, ext); err != nil {
			return err
		}
		l.Extensions = append(l.Extensions, ext)
		return nil
	})
	return ext, l, err
}

// ConfirmExtension is the guarantee centre's confirmation: the loan matures
// on the new day, its principal due at maturity moves there, and the days
// after the contract's maturity get no subsidy.
func (s *Service) ConfirmExtension(ctx context.Context, p auth.Principal, id ID, extID int64) (Loan, error) {
	return s.decideExtension(ctx, p, id, extID, "loan.extend", func(l *Loan, e *Extension, by auth.UserID, at time.Time) error {
		if err := s.beforeMaturity(*l); err != nil {
			return err
		}
		if !e.OldMaturity.Equal(l.Maturity) {
			return apperr.Conflictf("the loan's maturity is %s, not the %s this extension was proposed for: propose it again", dateText(l.Maturity), dateText(e.OldMaturity))
		}
		original := l.contractMaturity()
		l.OriginalMaturity, l.Maturity = &original, e.NewMaturity
		e.State, e.ConfirmedBy, e.ConfirmedAt = ExtensionConfirmed, &by, &at
		return nil
	})
}

// RejectExtension is the guarantee centre's refusal, with a reason.
func (s *Service) RejectExtension(ctx context.Context, p auth.Principal, id ID, extID int64, reason string) (Loan, error) {
	return s.decideExtension(ctx, p, id, extID, "loan.reject_extension", func(_ *Loan, e *Extension, by auth.UserID, at time.Time) error {
		reason = strings.TrimSpace(reason)
		if reason == "" || len(reason) > 2000 {
			return apperr.Field("reason", "is required (up to 2000 characters): say why the extension is refused")
		}
		e.State, e.RejectedBy, e.RejectedAt, e.RejectReason = ExtensionRejected, &by, &at, reason
		return nil
	})
}

func (s *Service) decideExtension(ctx context.Context, p auth.Principal, id ID, extID int64, action string, decide func(l *Loan, e *Extension, by auth.UserID, at time.Time) error) (Loan, error) {
	return s.change(ctx, p, id, ActConfirmExtension, "only a guarantee officer of the loan's district may decide an extension", action, func(ctx context.Context, l *Loan) error {
		var e *Extension
		for i := range l.Extensions {
			if l.Extensions[i].ID == extID {
				e = &l.Extensions[i]
			}
		}
		if e == nil {
			return apperr.NotFoundf("the loan has no extension with id %d", extID)
		}
		if e.State != ExtensionProposed {
			return apperr.Newf(apperr.Conflict, "extension.invalid_state", "the extension is %s: only a proposed extension is confirmed or rejected", msg.Label("extension_state", e.State))
		}
		if _, err := Next(l.Status, EvExtend); err != nil {
			return err
		}
		if e.ProposedBy == p.UserID {
			return fourEyes("you proposed this extension: another officer decides it")
		}
		if err := decide(l, e, p.UserID, s.now().UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		return s.store.UpdateExtension(ctx, *e, ExtensionProposed)
	})
}
