package loan

import (
	"context"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/fund"
	"chuangdai/internal/idnum"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Service implements loans and their money.
type Service struct {
	store  Store
	apps   Applications
	authz  *authz.Enforcer
	audit  *audit.Recorder
	policy *policy.Policy
	// books is the guarantee fund's journal: the fund's share of every
	// compensation, recovery and write-off is posted with the loan's change.
	books Books
	now   func() time.Time
	// notifier tells borrowers and officers of loan events (SetNotifier).
	notifier application.Notifier
	// reversals keeps the corrections (SetReversals).
	reversals ReversalStore
}

// Books is the guarantee fund's journal as loans post to it, inside the
// transaction carried by ctx.
type Books interface {
	Post(ctx context.Context, p fund.Posting) error
}

// NewService wires the loan service.
func NewService(s Store, apps Applications, z *authz.Enforcer, rec *audit.Recorder, pol *policy.Policy, books Books) *Service {
	return &Service{store: s, apps: apps, authz: z, audit: rec, policy: pol, books: books, now: time.Now}
}

// SetClock replaces the service's clock, so tests set what today is.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// today is the bureau's calendar day (Beijing time).
func (s *Service) today() time.Time { return beijing.Day(s.now()) }

// floor is the earliest day a money action on a loan may carry, with the
// reason: a bank books nothing before the loan's own earlier dates.
type floor struct {
	day    time.Time
	reason msg.Text
}

// bookDay parses field as the day of a money action: a date YYYY-MM-DD, not
// after today (Beijing time) and not before the latest of the floors. Any
// bad value is a field error, never a failure further on.
func (s *Service) bookDay(f *apperr.Fields, field, v, future string, floors []floor) time.Time {
	on, ok := parseDay(f, field, v)
	if !ok {
		return on
	}
	if on.After(s.today()) {
		f.Add(field, future)
		return on
	}
	var last *floor
	for i := range floors {
		if !floors[i].day.IsZero() && (last == nil || floors[i].day.After(last.day)) {
			last = &floors[i]
		}
	}
	if last != nil && on.Before(last.day) {
		f.AddText(field, last.reason)
	}
	return on
}

func parseDay(f *apperr.Fields, field, v string) (time.Time, bool) {
	d, err := application.ParseDay(strings.TrimSpace(v))
	if err != nil {
		f.Add(field, "must be a date YYYY-MM-DD")
		return time.Time{}, false
	}
	return d, true
}

func checkReference(f *apperr.Fields, v string) string {
	v = strings.TrimSpace(v)
	if !idnum.ValidReference(v) {
		f.Add("bank_reference", "is required: the bank's transaction reference, 1–64 letters, digits and _ . / : -")
	}
	return v
}

func (s *Service) notFound(id ID) error { return apperr.NotFoundf("no loan with id %d", id) }

// readScope is what p may read of loans: the WHERE clause of every read
// and change of one, so that one p may not see is not found.
func (s *Service) readScope(p auth.Principal) authz.ListScope {
	return s.authz.Scope(p, ActRead, Kind)
}

// load returns the loan if p may see it (404 otherwise).
func (s *Service) load(ctx context.Context, p auth.Principal, id ID) (Loan, error) {
	l, err := s.store.Get(ctx, s.readScope(p), id)
	if apperr.KindOf(err) == apperr.NotFound {
		return l, s.notFound(id)
	}
	if err != nil {
		return l, apperr.Contextf(err, "read loan %d", id)
	}
	return l, nil
}

// actOn runs fn, the rules and the change of p's action act, on the loan
// row-locked in the store's Update (see Store), after the checks every
// money action on a loan goes through: 404 when p may not see it (before
// fn runs), 403 with the message forbidden when p may see it but not do
// act, 403 four_eyes when p is its borrower or a partner. It answers the
// loan as it is afterwards.
func (s *Service) actOn(ctx context.Context, p auth.Principal, id ID, act authz.Action, forbidden string, fn func(ctx context.Context, l *Loan) (audit.Event, error)) (Loan, error) {
	ran := false
	l, err := s.store.Update(ctx, s.readScope(p), id, func(ctx context.Context, l *Loan) (audit.Event, error) {
		ran = true
		if !s.authz.Can(p, act, l.Resource()) {
			return audit.Event{}, apperr.Forbiddenf(forbidden)
		}
		party, err := s.involves(ctx, p, *l)
		if err != nil {
			return audit.Event{}, err
		}
		if party {
			return audit.Event{}, fourEyes("you are the borrower or a partner of this loan (by account or resident ID number): another officer must do this")
		}
		return fn(ctx, l)
	})
	if !ran && apperr.KindOf(err) == apperr.NotFound {
		return l, s.notFound(id)
	}
	return l, err
}

// involves reports whether p is a party to the loan: its borrower's account,
// or the person of the borrower or of a partner of its application.
func (s *Service) involves(ctx context.Context, p auth.Principal, l Loan) (bool, error) {
	if l.BorrowerID != nil && *l.BorrowerID == p.UserID || p.IsPerson(l.NationalID) {
		return true, nil
	}
	if l.ApplicationID == nil || len(p.Persons) == 0 {
		return false, nil
	}
	// The caller sees the loan; its application is read whatever the
	// caller's scope of applications, only to know its parties.
	a, err := s.apps.Get(ctx, authz.ListScope{All: true}, *l.ApplicationID)
	if err != nil {
		return false, err
	}
	return a.Involves(p), nil
}

func fourEyes(message string) error { return apperr.New(apperr.Forbidden, "four_eyes", message) }

func auditView(l Loan) map[string]any {
	v := map[string]any{
		"number": l.Number, "status": l.Status, "principal": money.Format(l.Principal),
		"outstanding_principal": money.Format(l.Outstanding), "days_overdue": l.DaysOverdue, "maturity_date": dateText(l.Maturity),
	}
	if l.OriginalMaturity != nil {
		v["original_maturity_date"] = dateText(*l.OriginalMaturity)
	}
	if e := l.pending(); e != nil {
		v["extension_proposed"] = map[string]any{"id": e.ID, "new_maturity": dateText(e.NewMaturity), "reason": e.Reason}
	}
	if l.Compensation != nil {
		v["compensation"] = money.Format(l.Compensation.Amount)
		v["fund_share"] = money.Format(l.Compensation.Fund)
		v["bank_share"] = money.Format(l.Compensation.Bank)
	}
	if !l.Recovered.IsZero() {
		v["recovered"] = money.Format(l.Recovered)
		v["fund_recovered"] = money.Format(l.RecoveredFund)
	}
	if l.WriteOff != nil {
		v["write_off_reason"] = l.WriteOff.Reason
		if l.WriteOff.On != nil {
			v["written_off"] = money.Format(l.WriteOff.Amount)
			v["fund_written_off"] = money.Format(l.WriteOff.Fund)
			v["bank_written_off"] = money.Format(l.WriteOff.Bank)
		}
	}
	return v
}

func dateText(t time.Time) string { return t.Format(time.DateOnly) }

// change runs one audited change of a row-locked loan: fn changes it, and
// action names the audit event, the loan's view before and after.
func (s *Service) change(ctx context.Context, p auth.Principal, id ID, act authz.Action, forbidden, action string, fn func(ctx context.Context, l *Loan) error) (Loan, error) {
	l, err := s.actOn(ctx, p, id, act, forbidden, func(ctx context.Context, l *Loan) (audit.Event, error) {
		before := auditView(*l)
		if err := fn(ctx, l); err != nil {
			return audit.Event{}, err
		}
		l.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
		return audit.NewEvent(ctx, p, action, before, auditView(*l))
	})
	return l, apperr.Contextf(err, "%s of loan %d", action, id)
}
