package loan

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	fundbook "chuangdai/internal/fund"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
)

// ReversalKind is what a reversal cancels.
type ReversalKind string

// The kinds of money posting a reversal cancels.
const (
	RevRepayment      ReversalKind = "repayment"
	RevDisbursement   ReversalKind = "disbursement"
	RevSubsidyPayment ReversalKind = "subsidy_payment"
	RevCompensation   ReversalKind = "compensation"
	RevRecovery       ReversalKind = "recovery"
)

// ReversalKinds lists every kind of reversal.
var ReversalKinds = []ReversalKind{RevRepayment, RevDisbursement, RevSubsidyPayment, RevCompensation, RevRecovery}

// reversible lists the kinds that can be reversed now.
var reversible = []ReversalKind{RevRepayment, RevDisbursement, RevRecovery, RevSubsidyPayment, RevCompensation}

// ReversalStatus is where a reversal stands.
type ReversalStatus string

// A reversal is proposed, then confirmed (it posts) or rejected.
const (
	RevProposed  ReversalStatus = "proposed"
	RevConfirmed ReversalStatus = "confirmed"
	RevRejected  ReversalStatus = "rejected"
)

// ReversalStatuses lists every status.
var ReversalStatuses = []ReversalStatus{RevProposed, RevConfirmed, RevRejected}

// ReversalKindName is the authz resource kind of reversals (read scope).
const ReversalKindName = "reversal"

// Reversal is a correction (冲正) of one money posting: proposed with a
// reason by one officer, confirmed by another of the same role, when it
// posts on PostedOn (in the open month) and the original is marked
// reversed. Amount is what the original moved (a repayment's principal, a
// recovery's amount, a quarter's subsidy, a compensation's amount),
// Interest a repayment's interest, Fund the fund's part of a compensation.
type Reversal struct {
	ID           int64
	Kind         ReversalKind
	LoanID       ID
	LoanNumber   string
	TargetID     int64
	DistrictCode string
	BankCode     string
	Amount       decimal.Decimal
	Interest     decimal.Decimal
	Fund         decimal.Decimal
	OriginalOn   time.Time
	Period       string
	Reason       string
	Status       ReversalStatus
	ProposedBy   auth.UserID
	ProposedAt   time.Time
	DecidedBy    *auth.UserID
	DecidedAt    *time.Time
	PostedOn     *time.Time
	Comment      string
}

// ReversalInput proposes a reversal: the kind, the original's id (a
// repayment's or a recovery's id; the loan's for a subsidy payment, with
// the quarter in Period, and for a compensation) and the reason.
type ReversalInput struct {
	Kind   string
	ID     int64
	Period string
	Reason string
}

// ReversalFilter selects reversals for a list. ToConfirm keeps those
// waiting for the caller: proposed by someone else, of the kinds the
// caller's roles confirm (the service fills Kinds and NotProposedBy).
type ReversalFilter struct {
	Status        ReversalStatus
	Kind          ReversalKind
	LoanID        ID
	ToConfirm     bool
	Kinds         []ReversalKind
	NotProposedBy auth.UserID
}

// ReversalStore is what reversals need of persistence, inside the
// transaction in ctx.
type ReversalStore interface {
	// RepaymentLoan and RecoveryLoan name the loan of a posting (apperr
	// NotFound when there is none).
	RepaymentLoan(ctx context.Context, id int64) (ID, error)
	RecoveryLoan(ctx context.Context, id int64) (ID, error)
	// CreateReversal inserts r; a live reversal of the same original is an
	// apperr Conflict.
	CreateReversal(ctx context.Context, r Reversal) (int64, error)
	// Reversal returns one reversal, row-locked on PostgreSQL until the
	// transaction ends.
	Reversal(ctx context.Context, id int64) (Reversal, error)
	// DecideReversal writes r's status and decision if it is still proposed.
	DecideReversal(ctx context.Context, r Reversal) error
	// MarkReversed marks the original of r reversed by it at at, if it is
	// not reversed yet.
	MarkReversed(ctx context.Context, r Reversal, at time.Time) error
	Reversals(ctx context.Context, f ReversalFilter, scope authz.ListScope, offset, limit int) ([]Reversal, int64, error)
}

// SetReversals gives the service its reversal store.
func (s *Service) SetReversals(r ReversalStore) { s.reversals = r }

// onReversalLoan runs fn on the loan of a reversal of kind, row-locked
// (see actOn), for p, who must have the role of the original posting on it.
// A loan p may not see answers notFound.
func (s *Service) onReversalLoan(ctx context.Context, p auth.Principal, kind ReversalKind, loanID ID, notFound error, fn func(ctx context.Context, l *Loan) (audit.Event, error)) (Loan, error) {
	ran := false
	run := func(ctx context.Context, l *Loan) (audit.Event, error) {
		ran = true
		return fn(ctx, l)
	}
	// Each refusal's message is a literal at its call, so the catalogue
	// finds it.
	var l Loan
	var err error
	switch kind {
	case RevSubsidyPayment:
		l, err = s.actOn(ctx, p, loanID, ActPaySubsidy, "only an HRSS officer of the loan's district reverses a subsidy payment", run)
	case RevRecovery, RevCompensation:
		l, err = s.actOn(ctx, p, loanID, ActRecover, "only a guarantee officer of the loan's district reverses a compensation or a recovery", run)
	default:
		l, err = s.actOn(ctx, p, loanID, ActRepay, "only a bank officer of the loan's bank reverses a repayment or a disbursement", run)
	}
	if !ran && apperr.KindOf(err) == apperr.NotFound {
		return l, notFound
	}
	return l, err
}

// ProposeReversal records a proposed reversal of one posting; nothing moves
// until another officer confirms it.
func (s *Service) ProposeReversal(ctx context.Context, p auth.Principal, in ReversalInput) (Reversal, error) {
	if !s.Needs(p, ActRepay) && !s.Needs(p, ActRecover) && !s.Needs(p, ActPaySubsidy) {
		return Reversal{}, apperr.Forbiddenf("only bank, HRSS and guarantee officers propose reversals")
	}
	var f apperr.Fields
	kind := ReversalKind(strings.TrimSpace(in.Kind))
	if !slices.Contains(reversible, kind) {
		f.Addf("kind", "must be one of %s", msg.OneOf("reversal_kind", reversible...))
	}
	if in.ID < 1 {
		f.Add("id", "is required: the id of the posting to reverse")
	}
	if kind == RevSubsidyPayment && !ValidPeriod(in.Period) {
		f.Add("period", "is required for a subsidy payment: the quarter, such as 2024Q2")
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || len(reason) > 2000 {
		f.Add("reason", "is required (up to 2000 characters): say what was wrong with the posting")
	}
	if err := f.Err(); err != nil {
		return Reversal{}, err
	}
	var out Reversal
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		return s.original(ctx, p, kind, in.ID, in.Period, func(ctx context.Context, r Reversal, l Loan) error {
			r.Reason, r.Status, r.ProposedBy, r.ProposedAt = reason, RevProposed, p.UserID, s.now().UTC().Truncate(time.Microsecond)
			r.DistrictCode, r.BankCode, r.LoanNumber = l.DistrictCode, l.BankCode, l.Number
			var err error
			if r.ID, err = s.reversals.CreateReversal(ctx, r); err != nil {
				return err
			}
			out = r
			return s.audit.Record(ctx, p, "reversal.propose", ReversalKindName, strconv.FormatInt(r.ID, 10), nil, reversalView(r))
		})
	})
	return out, err
}

// original finds the posting a reversal of kind cancels, on a loan p may
// act on, checks that it can be reversed now and runs then on it and its
// loan, row-locked, which it leaves as it is.
func (s *Service) original(ctx context.Context, p auth.Principal, kind ReversalKind, id int64, period string, then func(ctx context.Context, r Reversal, l Loan) error) error {
	r := Reversal{Kind: kind, TargetID: id, Amount: decimal.Zero, Interest: decimal.Zero, Fund: decimal.Zero}
	var loanID ID
	var err error
	switch kind {
	case RevRepayment:
		loanID, err = s.reversals.RepaymentLoan(ctx, id)
	case RevRecovery:
		loanID, err = s.reversals.RecoveryLoan(ctx, id)
	case RevSubsidyPayment, RevCompensation, RevDisbursement:
		loanID = ID(id)
	}
	notFound := apperr.NotFoundf("no %s with id %d", msg.Label("reversal_kind", kind), id)
	if apperr.KindOf(err) == apperr.NotFound {
		return notFound
	}
	if err != nil {
		return err
	}
	_, err = s.onReversalLoan(ctx, p, kind, loanID, notFound, func(ctx context.Context, l *Loan) (audit.Event, error) {
		if err := s.reversible(ctx, &r, *l, kind, id, period); err != nil {
			return audit.Event{}, err
		}
		if err := then(ctx, r, *l); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{}, ErrUnchanged
	})
	return err
}

// reversible checks that the posting id of kind on l can be reversed now
// and fills in r from it.
func (s *Service) reversible(ctx context.Context, r *Reversal, l Loan, kind ReversalKind, id int64, period string) error {
	r.LoanID = l.ID
	switch kind {
	case RevRepayment:
		if !l.Status.Open() && l.Status != Settled {
			return apperr.Newf(apperr.Conflict, "loan.invalid_state", "the loan is %s: a repayment is reversed while the bank still holds the loan (active, overdue or settled)", msg.Label("loan_status", l.Status))
		}
		for _, rep := range l.Repayments {
			if rep.ID == id {
				if rep.ReversedBy != nil {
					return alreadyReversed(kind, id)
				}
				r.Amount, r.Interest, r.OriginalOn = rep.Principal, rep.Interest, rep.PaidOn
			}
		}
	case RevRecovery:
		if l.Status != Compensated {
			return apperr.Newf(apperr.Conflict, "loan.invalid_state", "the loan is %s: a recovery is reversed while the loan is compensated and not written off", msg.Label("loan_status", l.Status))
		}
		for _, rec := range l.Recoveries {
			if rec.ID == id {
				if rec.ReversedBy != nil {
					return alreadyReversed(kind, id)
				}
				r.Amount, r.OriginalOn = rec.Amount, rec.RecoveredOn
			}
		}
	case RevSubsidyPayment:
		c, err := s.store.Claim(ctx, l.ID, period)
		if apperr.KindOf(err) == apperr.NotFound {
			return apperr.Newf(apperr.Conflict, "subsidy.invalid_state", "the subsidy of %s is not paid: only a paid quarter's payment is reversed", period)
		}
		if err != nil {
			return err
		}
		if c.Status != ClaimPaid || c.PaidAt == nil {
			return apperr.Newf(apperr.Conflict, "subsidy.invalid_state", "the subsidy of %s is not paid: only a paid quarter's payment is reversed", period)
		}
		r.TargetID, r.Period, r.Amount, r.OriginalOn = c.ID, period, c.Subsidy, beijing.Day(*c.PaidAt)
	case RevCompensation:
		if err := compensationReversible(l); err != nil {
			return err
		}
		r.Amount, r.Fund, r.OriginalOn = l.Compensation.Amount, l.Compensation.Fund, l.Compensation.On
	case RevDisbursement:
		if err := s.disbursementReversible(ctx, l); err != nil {
			return err
		}
		r.Amount, r.OriginalOn = l.Principal, l.DisbursedOn
	}
	return nil
}

// disbursementReversible refuses the reversal of a loan's disbursement
// while anything stands on it, naming what to reverse first: a repayment
// not reversed, a subsidy claim not refused, an extension, a compensation
// or a write-off. Only a loan the bank still holds, with nothing repaid,
// is cancelled; an imported loan's disbursement is the legacy system's.
func (s *Service) disbursementReversible(ctx context.Context, l Loan) error {
	switch {
	case l.Status == Cancelled:
		return alreadyReversed(RevDisbursement, int64(l.ID))
	case l.ApplicationID == nil:
		return apperr.Newf(apperr.Conflict, "loan.invalid_state", "the loan %s was imported from the legacy system: its disbursement is corrected there", l.Number)
	case l.Status == Compensated:
		return apperr.Newf(apperr.Conflict, "reversal.depends", "the loan %s is compensated: reverse the compensation (and its recoveries) first", l.Number)
	case l.Status == WrittenOff:
		return apperr.Newf(apperr.Conflict, "reversal.depends", "the loan %s is written off: the disbursement of a written-off loan is not reversed", l.Number)
	case l.WriteOff != nil:
		return apperr.Newf(apperr.Conflict, "reversal.depends", "a write-off of the loan %s is proposed: reject it first", l.Number)
	}
	for _, rep := range l.Repayments {
		if rep.ReversedBy == nil {
			return apperr.Newf(apperr.Conflict, "reversal.depends", "the repayment %d of %s on %s stands on this disbursement: reverse it first", rep.ID, msg.Money(rep.Principal.Add(rep.Interest)), dateText(rep.PaidOn))
		}
	}
	if !l.Status.Open() || !l.Outstanding.Equal(l.Principal) {
		return apperr.Newf(apperr.Conflict, "reversal.depends", "the loan %s is %s: reverse its repayments first", l.Number, msg.Label("loan_status", l.Status))
	}
	for _, e := range l.Extensions {
		if e.State != ExtensionRejected {
			return apperr.Newf(apperr.Conflict, "reversal.depends", "the loan %s has an extension to %s (%s): an extended loan's disbursement is not reversed; reject a proposed extension first", l.Number, dateText(e.NewMaturity), msg.Label("extension_state", e.State))
		}
	}
	claims, err := s.store.Claims(ctx, l.ID)
	if err != nil {
		return err
	}
	for _, c := range claims {
		if c.Status != ClaimRefused {
			return apperr.Newf(apperr.Conflict, "reversal.depends", "the subsidy of %s is %s: refuse that claim (reverse its payment first if it is paid) before the disbursement", c.Period, msg.Label("claim_status", c.Status))
		}
	}
	return nil
}

// compensationReversible refuses the reversal of a loan's compensation
// while anything stands on it: a recovery not reversed (reverse it first,
// so the reversal gives back exactly the compensation), a proposed or
// confirmed write-off.
func compensationReversible(l Loan) error {
	if l.Status != Compensated || l.Compensation == nil {
		return apperr.Newf(apperr.Conflict, "loan.invalid_state", "the loan is %s: only the compensation of a compensated loan that is not written off is reversed", msg.Label("loan_status", l.Status))
	}
	if l.WriteOff != nil {
		return apperr.Newf(apperr.Conflict, "loan.invalid_state", "a write-off of this loan is proposed: the compensation of a loan being written off is not reversed")
	}
	for _, rec := range l.Recoveries {
		if rec.ReversedBy == nil {
			return apperr.Newf(apperr.Conflict, "reversal.depends", "recoveries stand on this compensation (the recovery %d of %s): reverse them first", rec.ID, msg.Money(rec.Amount))
		}
	}
	return nil
}

func alreadyReversed(kind ReversalKind, id int64) error {
	return apperr.Newf(apperr.Conflict, "reversal.already_reversed", "the %s %d is already reversed", msg.Label("reversal_kind", kind), id)
}

// ConfirmReversal posts a proposed reversal, by an officer of the right role
// other than its proposer (403 four_eyes). It posts today, in the open
// month: the original is marked reversed and the loan's balance, status and
// subsidy follow from the postings that stand. A reversal posts once: a
// second or concurrent confirmation finds it confirmed (409).
func (s *Service) ConfirmReversal(ctx context.Context, p auth.Principal, id int64) (Reversal, Loan, error) {
	var out Reversal
	var outLoan Loan
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		outLoan, err = s.decidable(ctx, p, id, func(ctx context.Context, r Reversal, l *Loan) (audit.Event, error) {
			if r.ProposedBy == p.UserID {
				return audit.Event{}, fourEyes("you proposed this reversal: another officer must confirm it")
			}
			today := s.today()
			if err := s.open(ctx, "posted_on", today); err != nil {
				return audit.Event{}, err
			}
			before := auditView(*l)
			now := s.now().UTC().Truncate(time.Microsecond)
			by := p.UserID
			r.Status, r.DecidedBy, r.DecidedAt, r.PostedOn = RevConfirmed, &by, &now, &today
			if err := s.reversals.DecideReversal(ctx, r); err != nil {
				return audit.Event{}, err
			}
			if err := s.reversals.MarkReversed(ctx, r, now); err != nil {
				return audit.Event{}, err
			}
			action := "loan.reverse_" + string(r.Kind)
			switch r.Kind {
			case RevRepayment:
				// The repayments as marked now; the loan stays locked.
				marked, err := s.store.Get(ctx, authz.ListScope{All: true}, l.ID)
				if err != nil {
					return audit.Event{}, err
				}
				*l = marked
				s.restate(l, today)
			case RevRecovery:
				// The fund's recovered total stays its share of what stands
				// recovered, rounded once (see Compensation.ShareRecovery).
				l.Recovered = l.Recovered.Sub(r.Amount)
				was := l.RecoveredFund
				l.RecoveredFund = l.Compensation.fundShareOf(l.Recovered)
				// The fund's journal gives back what its recovered share shrank by.
				if err := s.books.Post(ctx, fundbook.RecoveryReversal(int64(l.ID), r.TargetID, r.ID, today, was.Sub(l.RecoveredFund), p.UserID)); err != nil {
					return audit.Event{}, err
				}
			case RevCompensation:
				if err := compensationReversible(*l); err != nil {
					return audit.Event{}, err
				}
				// The loan goes back to the bank: its balance and status from the
				// repayments that stand, as of today (overdue, as when it was
				// compensated, unless the ledger finds otherwise).
				l.Compensation, l.Recovered, l.RecoveredFund = nil, decimal.Zero, decimal.Zero
				s.restate(l, today)
				if err := s.books.Post(ctx, fundbook.CompensationReversal(int64(l.ID), r.ID, today, r.Fund, p.UserID)); err != nil {
					return audit.Event{}, err
				}
			case RevDisbursement:
				if err := s.cancel(ctx, p, l, r, now); err != nil {
					return audit.Event{}, err
				}
			case RevSubsidyPayment:
				c, err := s.store.Claim(ctx, l.ID, r.Period)
				if err != nil {
					return audit.Event{}, err
				}
				c.Status, c.PaidBy, c.PaidAt = ClaimChecked, nil, nil
				if err := s.store.UpdateClaim(ctx, c, ClaimPaid); err != nil {
					return audit.Event{}, err
				}
			}
			l.UpdatedAt = now
			if err := s.audit.Record(ctx, p, "reversal.confirm", ReversalKindName, strconv.FormatInt(r.ID, 10),
				map[string]any{"status": RevProposed}, reversalView(r)); err != nil {
				return audit.Event{}, err
			}
			after := auditView(*l)
			after["reversal"] = reversalView(r)
			out = r
			return audit.NewEvent(ctx, p, action, before, after)
		})
		return err
	})
	return out, outLoan, err
}

// cancel confirms the reversal r of l's disbursement: the loan, checked
// again, is cancelled (it owes nothing and counts nowhere; the reversal
// trigger of migration 00032 books it off the summaries on posted_on), its
// application is approved again with a history entry and an audit event, so
// the bank disburses it anew, and the borrower is told.
func (s *Service) cancel(ctx context.Context, p auth.Principal, l *Loan, r Reversal, now time.Time) error {
	if err := s.disbursementReversible(ctx, *l); err != nil {
		return err
	}
	l.Status, l.Outstanding, l.DaysOverdue, l.OverdueSince = Cancelled, decimal.Zero, 0, nil
	_, err := s.apps.Update(ctx, authz.ListScope{All: true}, *l.ApplicationID, func(ctx context.Context, a *application.Application) (audit.Event, error) {
		if _, err := a.Move(p, application.ActReverseDisbursement, now, r.Reason, nil); err != nil {
			return audit.Event{}, err
		}
		a.DisbursedAt = nil
		return audit.NewEvent(ctx, p, "application.reverse_disbursement", map[string]any{"status": application.Disbursed, "loan_id": l.ID},
			map[string]any{"status": application.Approved, "reversal_id": r.ID})
	})
	if err != nil {
		return err
	}
	return s.tell(ctx, *l, "disbursement_reversed:"+strconv.FormatInt(r.ID, 10), "loan.disbursement_reversed",
		map[string]string{"amount": money.Format(l.Principal), "date": dateText(l.DisbursedOn)}, time.Time{})
}

// restate sets the loan's balance and status from the repayments that
// stand, as of today: settled when nothing is outstanding, otherwise
// overdue or active as the ledger finds it.
func (s *Service) restate(l *Loan, today time.Time) {
	out := l.Principal
	var last time.Time
	for _, rep := range l.Repayments {
		if rep.ReversedBy == nil {
			out = out.Sub(rep.Principal)
			if rep.PaidOn.After(last) {
				last = rep.PaidOn
			}
		}
	}
	l.Outstanding = out
	led := NewLedger(l.Terms(), l.Payments(), today)
	l.EverOverdue = l.EverOverdue || led.EverOverdue()
	if out.IsZero() {
		l.Status, l.SettledOn, l.DaysOverdue, l.OverdueSince = Settled, &last, 0, nil
		return
	}
	l.SettledOn = nil
	l.Status, l.DaysOverdue, l.OverdueSince = Active, 0, nil
	if over, since, days := led.Overdue(); over {
		l.Status, l.DaysOverdue, l.OverdueSince = Overdue, days, &since
	}
}

// RejectReversal turns a proposed reversal down; nothing moves. Its
// proposer may withdraw it this way too.
func (s *Service) RejectReversal(ctx context.Context, p auth.Principal, id int64, comment string) (Reversal, error) {
	comment = strings.TrimSpace(comment)
	if len(comment) > 2000 {
		return Reversal{}, apperr.Field("comment", "is longer than 2000 characters")
	}
	var out Reversal
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		_, err := s.decidable(ctx, p, id, func(ctx context.Context, r Reversal, _ *Loan) (audit.Event, error) {
			now := s.now().UTC().Truncate(time.Microsecond)
			by := p.UserID
			r.Status, r.DecidedBy, r.DecidedAt, r.Comment = RevRejected, &by, &now, comment
			if err := s.reversals.DecideReversal(ctx, r); err != nil {
				return audit.Event{}, err
			}
			out = r
			if err := s.audit.Record(ctx, p, "reversal.reject", ReversalKindName, strconv.FormatInt(r.ID, 10), map[string]any{"status": RevProposed}, reversalView(r)); err != nil {
				return audit.Event{}, err
			}
			// The reversal is decided beside the loan, which stays as it was.
			return audit.Event{}, ErrUnchanged
		})
		return err
	})
	return out, err
}

// decidable runs fn on a proposed reversal and its loan, row-locked, for p
// to decide: 404 when p does not see the loan, 403 without the role, 409
// once decided. It answers the loan as it is afterwards.
func (s *Service) decidable(ctx context.Context, p auth.Principal, id int64, fn func(ctx context.Context, r Reversal, l *Loan) (audit.Event, error)) (Loan, error) {
	r, err := s.reversals.Reversal(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		return Loan{}, apperr.NotFoundf("no reversal with id %d", id)
	}
	if err != nil {
		return Loan{}, err
	}
	return s.onReversalLoan(ctx, p, r.Kind, r.LoanID, apperr.NotFoundf("no reversal with id %d", id), func(ctx context.Context, l *Loan) (audit.Event, error) {
		if r.Status != RevProposed {
			return audit.Event{}, apperr.Newf(apperr.Conflict, "reversal.invalid_state", "the reversal is %s: only a proposed reversal is confirmed or rejected", msg.Label("reversal_status", r.Status))
		}
		return fn(ctx, r, l)
	})
}

// Reversals lists the reversals of the loans the caller corrects or
// audits, newest first.
func (s *Service) Reversals(ctx context.Context, p auth.Principal, f ReversalFilter, offset, limit int) ([]Reversal, int64, error) {
	scope := s.authz.Scope(p, authz.Read, ReversalKindName)
	if scope.Empty() {
		return nil, 0, apperr.Forbiddenf("only bank, HRSS and guarantee officers and finance auditors read reversals")
	}
	if f.ToConfirm {
		f.Status, f.NotProposedBy, f.Kinds = RevProposed, p.UserID, []ReversalKind{}
		for _, k := range ReversalKinds {
			if s.confirms(p, k) {
				f.Kinds = append(f.Kinds, k)
			}
		}
	}
	return s.reversals.Reversals(ctx, f, scope, offset, limit)
}

// confirms reports whether p's roles confirm reversals of kind anywhere.
func (s *Service) confirms(p auth.Principal, kind ReversalKind) bool {
	switch kind {
	case RevSubsidyPayment:
		return s.Needs(p, ActPaySubsidy)
	case RevRecovery, RevCompensation:
		return s.Needs(p, ActRecover)
	}
	return s.Needs(p, ActRepay)
}

// ParseReversalFilter reads a reversal list's query: status, kind, loan_id
// and to_confirm (true: only those waiting for the caller's confirmation).
func ParseReversalFilter(get func(string) string, f *apperr.Fields) ReversalFilter {
	out := ReversalFilter{Status: ReversalStatus(get("status")), Kind: ReversalKind(get("kind"))}
	switch get("to_confirm") {
	case "", "false":
	case "true":
		out.ToConfirm = true
	default:
		f.Add("to_confirm", "must be true or false")
	}
	if out.Status != "" && !slices.Contains(ReversalStatuses, out.Status) {
		f.Addf("status", "must be one of %s", msg.OneOf("reversal_status", ReversalStatuses...))
	}
	if out.Kind != "" && !slices.Contains(ReversalKinds, out.Kind) {
		f.Addf("kind", "must be one of %s", msg.OneOf("reversal_kind", ReversalKinds...))
	}
	if v := get("loan_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			f.Add("loan_id", "must be a loan id")
		}
		out.LoanID = ID(n)
	}
	return out
}

func reversalView(r Reversal) map[string]any {
	v := map[string]any{"kind": r.Kind, "loan_id": r.LoanID, "target_id": r.TargetID, "amount": money.Format(r.Amount),
		"original_on": dateText(r.OriginalOn), "reason": r.Reason, "status": r.Status}
	if r.Kind == RevCompensation {
		v["fund_amount"] = money.Format(r.Fund)
	}
	if r.Period != "" {
		v["period"] = r.Period
	}
	if r.PostedOn != nil {
		v["posted_on"] = dateText(*r.PostedOn)
	}
	if r.Comment != "" {
		v["comment"] = r.Comment
	}
	return v
}
