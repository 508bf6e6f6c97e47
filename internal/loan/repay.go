package loan

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
)

// RepayInput is a repayment the bank received.
type RepayInput struct {
	Principal     string
	Interest      string
	PaidOn        string
	BankReference string
}

func parseNonNegative(f *apperr.Fields, field, v string) decimal.Decimal {
	d, err := money.Parse(strings.TrimSpace(v))
	switch {
	case err != nil:
		f.AddErr(field, err)
	case d.IsNegative():
		f.Add(field, "must not be negative")
	}
	return d
}

// Repay records a repayment: the loan is row-locked, the principal may not
// exceed what is outstanding, and a loan repaid to zero is settled.
func (s *Service) Repay(ctx context.Context, p auth.Principal, id ID, in RepayInput) (Repayment, Loan, error) {
	var rep Repayment
	out, err := s.actOn(ctx, p, id, ActRepay, "only a bank officer of the loan's bank may do this", func(ctx context.Context, l *Loan) (audit.Event, error) {
		if _, err := Next(l.Status, EvRepay); err != nil {
			return audit.Event{}, err
		}
		var f apperr.Fields
		principal := parseNonNegative(&f, "principal", in.Principal)
		interest := parseNonNegative(&f, "interest", in.Interest)
		if !f.Has("principal") && principal.GreaterThan(l.Outstanding) {
			f.Addf("principal", "is more than the outstanding principal %s", msg.Money(l.Outstanding))
		}
		if !f.Has("principal") && !f.Has("interest") && principal.IsZero() && interest.IsZero() {
			f.Add("principal", "principal and interest are both 0.00: record a payment of some amount")
		}
		on := s.bookDay(&f, "paid_on", in.PaidOn, "is in the future: record a repayment once it is received",
			[]floor{{l.DisbursedOn, msg.New("is before the disbursement (%s)", dateText(l.DisbursedOn))}})
		ref := checkReference(&f, in.BankReference)
		if err := f.Err(); err != nil {
			return audit.Event{}, err
		}
		if err := s.open(ctx, "paid_on", on); err != nil {
			return audit.Event{}, err
		}
		before := auditView(*l)
		rep = Repayment{LoanID: l.ID, Principal: principal, Interest: interest, PaidOn: on, BankReference: ref, RecordedBy: p.UserID, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		var err error
		if rep.ID, err = s.store.AddRepayment(ctx, rep, l.BankCode); err != nil {
			return audit.Event{}, err
		}
		l.Outstanding = l.Outstanding.Sub(principal)
		l.Repayments = append(l.Repayments, rep)
		// A repayment recorded late may show days the daily job never saw
		// overdue; the re-loan rule must know them.
		l.EverOverdue = l.EverOverdue || NewLedger(l.Terms(), l.Payments(), s.today()).EverOverdue()
		if l.Outstanding.IsZero() {
			if l.Status, err = Next(l.Status, EvSettle); err != nil {
				return audit.Event{}, err
			}
			l.SettledOn = &on
			l.DaysOverdue, l.OverdueSince = 0, nil
		}
		l.UpdatedAt = rep.CreatedAt
		after := auditView(*l)
		after["repayment"] = map[string]any{"id": rep.ID, "principal": money.Format(principal), "interest": money.Format(interest),
			"paid_on": on.Format(time.DateOnly), "bank_reference": ref}
		return audit.NewEvent(ctx, p, "loan.repay", before, after)
	})
	return rep, out, apperr.Contextf(err, "repay loan %d", id)
}

// lastPaid is the day of the loan's latest repayment that stands (zero
// without one).
func lastPaid(l Loan) time.Time {
	var last time.Time
	for _, r := range l.Repayments {
		if r.ReversedBy == nil && r.PaidOn.After(last) {
			last = r.PaidOn
		}
	}
	return last
}
