package fund

import (
	"context"
	"errors"
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
	"chuangdai/internal/idnum"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Store is what the fund needs from persistence. Writes run inside the
// transaction carried by ctx (see InTx).
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// LockBooks serialises the transactions that read the balance to
	// decide (a withdrawal, a guarantee approval) until commit.
	LockBooks(ctx context.Context) error
	Post(ctx context.Context, p Posting) (int64, error)
	// PostingOf is the id of the latest posting with the source, nil if
	// none.
	PostingOf(ctx context.Context, source string) (*int64, error)
	// Balances are the balances of every account of the chart.
	Balances(ctx context.Context) ([]Balance, error)
	// BalancesOn are the balances at the end of day: of the postings
	// booked on or before it.
	BalancesOn(ctx context.Context, day time.Time) ([]Balance, error)
	Journal(ctx context.Context, f JournalFilter, offset, limit int) ([]Posting, int64, error)
	// Opened reports whether any movement was ever confirmed.
	Opened(ctx context.Context) (bool, error)
	// OpenedOn reports whether a confirmed movement was booked on or
	// before day.
	OpenedOn(ctx context.Context, day time.Time) (bool, error)
	// Guaranteed is what the fund guarantees: the principal outstanding of
	// active and overdue loans and the guarantees approved but not yet
	// disbursed, read together.
	Guaranteed(ctx context.Context) (Guaranteed, error)
	// GuaranteedOn is what the fund guaranteed at the end of day: the
	// loans' principal outstanding that day (disbursed − repaid −
	// compensated, as the portfolio counts it) and the guarantees approved
	// and not yet disbursed that day, read from the applications' history
	// (as the awards' fund leverage of 31 December).
	GuaranteedOn(ctx context.Context, day time.Time) (Guaranteed, error)
	// DueIn is the repayment figures of the loans that matured in year.
	DueIn(ctx context.Context, year int) (Due, error)
	CreateMovement(ctx context.Context, m Movement) (int64, error)
	// UpdateMovement is every change of a movement after its proposal: in
	// one transaction it reads the movement row-locked (absent is an apperr
	// NotFound), runs fn, writes the status and decision fn left unless
	// someone changed the status meanwhile (a Conflict), and appends fn's
	// audit event for the movement.
	UpdateMovement(ctx context.Context, id int64, fn func(ctx context.Context, m *Movement) (audit.Event, error)) (Movement, error)
	Movements(ctx context.Context, f MovementFilter, offset, limit int) ([]Movement, int64, error)
}

// Periods refuses postings dated in a closed accounting month
// (loan.Service).
type Periods interface {
	CheckOpen(ctx context.Context, what string, on time.Time) error
}

// Service keeps the fund's books.
type Service struct {
	store   Store
	periods Periods
	authz   *authz.Enforcer
	audit   *audit.Recorder
	policy  *policy.Policy
	now     func() time.Time
}

// NewService wires the fund.
func NewService(s Store, z *authz.Enforcer, rec *audit.Recorder, pol *policy.Policy) *Service {
	return &Service{store: s, authz: z, audit: rec, policy: pol, now: time.Now}
}

// SetPeriods gives the fund the accounting months its movements are
// booked in.
func (s *Service) SetPeriods(p Periods) { s.periods = p }

// bookable refuses a movement booked in a closed accounting month.
func (s *Service) bookable(ctx context.Context, m Movement) error {
	if s.periods == nil {
		return apperr.Wrap(errors.New("no accounting months are wired to the fund"), "fund movement")
	}
	return s.periods.CheckOpen(ctx, "booked_on", m.BookedOn)
}

// SetClock replaces the service's clock, so tests set what today is.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) today() time.Time { return beijing.Day(s.now()) }

func (s *Service) may(p auth.Principal, act authz.Action, message string) error {
	if !s.authz.Can(p, act, authz.Resource{Kind: Kind}) {
		return apperr.Forbiddenf(message)
	}
	return nil
}

const (
	readForbidden = "only guarantee officers, finance auditors and administrators read the fund's books"
	moveForbidden = "only guarantee officers propose, confirm and reject the fund's movements"
)

// Post books p in the caller's transaction: the fund's share of a loan's
// compensation, recovery or write-off, posted with the loan's change.
func (s *Service) Post(ctx context.Context, p Posting) error {
	if !p.Amount.IsPositive() {
		return nil
	}
	p.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	if p.Reverses != "" {
		var err error
		if p.ReversesID, err = s.store.PostingOf(ctx, p.Reverses); err != nil {
			return err
		}
	}
	_, err := s.store.Post(ctx, p)
	return err
}

// Position returns the fund's figures today.
func (s *Service) Position(ctx context.Context, p auth.Principal) (Position, error) {
	if err := s.may(p, ActRead, readForbidden); err != nil {
		return Position{}, err
	}
	return s.position(ctx)
}

// PositionOn returns the fund's figures at the end of asOf (YYYY-MM-DD,
// today or before): the balances of the postings booked by then, the
// principal it guaranteed that day and the limit in force that day (the
// policy's rule of that day, with the repayment rate of the year before).
func (s *Service) PositionOn(ctx context.Context, p auth.Principal, asOf string) (Position, error) {
	if err := s.may(p, ActRead, readForbidden); err != nil {
		return Position{}, err
	}
	day, err := application.ParseDay(strings.TrimSpace(asOf))
	if err != nil {
		return Position{}, apperr.Field("as_of", "must be a date YYYY-MM-DD")
	}
	if day.After(s.today()) {
		return Position{}, apperr.Field("as_of", "is in the future")
	}
	bs, err := s.store.BalancesOn(ctx, day)
	if err != nil {
		return Position{}, err
	}
	opened, err := s.store.OpenedOn(ctx, day)
	if err != nil {
		return Position{}, err
	}
	g, err := s.store.GuaranteedOn(ctx, day)
	if err != nil {
		return Position{}, err
	}
	return s.figures(ctx, day, bs, opened, g)
}

func balanceOf(bs []Balance, a Account) decimal.Decimal {
	for _, b := range bs {
		if b.Account == a {
			return b.Balance
		}
	}
	return decimal.Zero
}

// position is the fund's figures now: the books as they stand, loans and
// commitments read in one statement.
func (s *Service) position(ctx context.Context) (Position, error) {
	bs, err := s.store.Balances(ctx)
	if err != nil {
		return Position{}, err
	}
	opened, err := s.store.Opened(ctx)
	if err != nil {
		return Position{}, err
	}
	g, err := s.store.Guaranteed(ctx)
	if err != nil {
		return Position{}, err
	}
	return s.figures(ctx, s.today(), bs, opened, g)
}

// figures completes the position of day from its balances, whether the
// fund was on the books and what it guaranteed: the limit in force that
// day from the policy and the year before's repayments, leverage, headroom
// and capacity.
func (s *Service) figures(ctx context.Context, day time.Time, bs []Balance, opened bool, g Guaranteed) (Position, error) {
	out := Position{Day: day, Accounts: bs, Opened: opened}
	out.Loans, out.Committed, out.Outstanding = g.Loans, g.Committed, g.Loans.Add(g.Committed)
	out.RateYear = day.Year() - 1
	due, err := s.store.DueIn(ctx, out.RateYear)
	if err != nil {
		return out, err
	}
	out.Balance = balanceOf(out.Accounts, BankDeposit)
	rule := s.policy.Fund(day)
	out.Limit, out.RepaymentRate, out.Basis = LimitFor(rule, due)
	if out.Balance.IsPositive() {
		l := out.Outstanding.Div(out.Balance).Round(2)
		out.Leverage = &l
	}
	room := out.Limit.Mul(out.Balance).Sub(out.Outstanding)
	out.OverLimit = out.Opened && room.IsNegative()
	out.Headroom = money.RoundFen(decimal.Max(room, decimal.Zero))
	out.Capacity = money.RoundFen(decimal.Max(out.Limit.Mul(out.Balance), decimal.Zero))
	return out, nil
}

// LimitFor is the leverage limit of rule given last year's repayment
// figures, the repayment rate (rounded to 4 decimals; nil when nothing
// fell due) and the basis in words.
func LimitFor(rule policy.FundRule, due Due) (decimal.Decimal, *decimal.Decimal, msg.Text) {
	if !due.Due.IsPositive() {
		return rule.LeverageLimit.Decimal, nil, msg.New("no loan matured last year: the base limit of %s", rule.Source)
	}
	r := due.OnTime.Div(due.Due)
	shown := r.Round(4)
	if !r.LessThan(rule.RaiseAtRepaymentRate.Decimal) {
		return rule.RaisedLimit.Decimal, &shown, msg.New("last year's repayment rate %s is at least %s: the raised limit of %s",
			msg.Percent(shown), msg.Percent(rule.RaiseAtRepaymentRate.Decimal), rule.Source)
	}
	return rule.LeverageLimit.Decimal, &shown, msg.New("last year's repayment rate %s is below %s: the base limit of %s",
		msg.Percent(shown), msg.Percent(rule.RaiseAtRepaymentRate.Decimal), rule.Source)
}

// CheckGuarantee refuses a guarantee of amount that would take the fund's
// leverage over its limit: outstanding + amount > limit × balance, where
// outstanding counts the guarantees approved and not yet disbursed. A fund
// not yet on the books (no confirmed movement) is not checked. It runs in
// the caller's transaction and holds the books' lock until it ends, so of
// two approvals at once the second reads the first's commitment (on
// SQLite every write transaction is serialised anyway).
func (s *Service) CheckGuarantee(ctx context.Context, amount decimal.Decimal) error {
	if err := s.store.LockBooks(ctx); err != nil {
		return err
	}
	pos, err := s.position(ctx)
	if err != nil || !pos.Opened {
		return err
	}
	capacity := pos.Limit.Mul(pos.Balance)
	after := pos.Outstanding.Add(amount)
	if !after.GreaterThan(capacity) {
		return nil
	}
	e := apperr.Newf(apperr.Conflict, "guarantee.leverage_exceeded",
		"this guarantee would take the fund over its leverage limit: guaranteed principal outstanding %s (loans %s, approved guarantees not yet disbursed %s) plus this application's %s is %s, above %s× the fund's balance of %s (%s)",
		msg.Money(pos.Outstanding), msg.Money(pos.Loans), msg.Money(pos.Committed), msg.Money(amount), msg.Money(after), pos.Limit.String(), msg.Money(pos.Balance), msg.Money(capacity))
	e.Extra = map[string]string{"balance": money.Format(pos.Balance), "guaranteed_outstanding": money.Format(pos.Outstanding),
		"loans_outstanding": money.Format(pos.Loans), "committed": money.Format(pos.Committed),
		"leverage_limit": money.Format(pos.Limit), "amount": money.Format(amount), "capacity": money.Format(money.RoundFen(capacity))}
	return e
}

// MovementInput is a proposed movement as the client sends it.
type MovementInput struct {
	Kind      string
	Amount    string
	BookedOn  string
	Reference string
	Note      string
}

const maxText = 2000

// Propose records a movement for another guarantee officer to confirm;
// nothing is posted yet.
func (s *Service) Propose(ctx context.Context, p auth.Principal, in MovementInput) (Movement, error) {
	if err := s.may(p, ActMove, moveForbidden); err != nil {
		return Movement{}, err
	}
	var f apperr.Fields
	m := Movement{Kind: MovementKind(strings.TrimSpace(in.Kind)), Reference: strings.TrimSpace(in.Reference), Note: strings.TrimSpace(in.Note),
		Status: Proposed, ProposedBy: p.UserID, ProposedAt: s.now().UTC().Truncate(time.Microsecond)}
	known := false
	for _, k := range MovementKinds {
		known = known || k == m.Kind
	}
	if !known {
		f.Addf("kind", "must be one of %s", msg.OneOf("fund_movement", MovementKinds...))
	}
	amount, err := money.ParsePositive(strings.TrimSpace(in.Amount))
	if err != nil {
		f.AddErr("amount", err)
	}
	m.Amount = amount
	if d, err := application.ParseDay(strings.TrimSpace(in.BookedOn)); err != nil {
		f.Add("booked_on", "must be a date YYYY-MM-DD")
	} else if d.After(s.today()) {
		f.Add("booked_on", "is in the future")
	} else {
		m.BookedOn = d
	}
	if !idnum.ValidReference(m.Reference) {
		f.Add("reference", "is required: the bank's reference of the movement on the fund's account, 1–64 letters, digits and _ . / : -")
	}
	if len(m.Note) > maxText {
		f.Add("note", "is longer than 2000 characters")
	}
	if err := f.Err(); err != nil {
		return Movement{}, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.bookable(ctx, m); err != nil {
			return err
		}
		if m.Kind == Withdrawal {
			if err := s.coverWithdrawal(ctx, m.Amount); err != nil {
				return err
			}
		}
		if m.ID, err = s.store.CreateMovement(ctx, m); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "fund.propose", "fund_movement", strconv.FormatInt(m.ID, 10), nil, auditView(m))
	})
	return m, apperr.Contextf(err, "propose a fund movement (%s)", m.Kind)
}

// coverWithdrawal refuses a withdrawal above the fund's balance.
func (s *Service) coverWithdrawal(ctx context.Context, amount decimal.Decimal) error {
	if err := s.store.LockBooks(ctx); err != nil {
		return err
	}
	bs, err := s.store.Balances(ctx)
	if err != nil {
		return err
	}
	if bal := balanceOf(bs, BankDeposit); amount.GreaterThan(bal) {
		return apperr.Field("amount", "is more than the fund's balance (%s): a withdrawal may not take it below zero", msg.Money(bal))
	}
	return nil
}

// Confirm posts a proposed movement; its proposer may not confirm it.
func (s *Service) Confirm(ctx context.Context, p auth.Principal, id int64) (Movement, error) {
	return s.decide(ctx, p, id, "fund.confirm", func(ctx context.Context, m *Movement) error {
		if err := s.bookable(ctx, *m); err != nil {
			return err
		}
		if m.Kind == Withdrawal {
			if err := s.coverWithdrawal(ctx, m.Amount); err != nil {
				return err
			}
		}
		dr, cr := m.Kind.legs()
		by := p.UserID
		pid, err := s.store.Post(ctx, Posting{BookedOn: m.BookedOn, Debit: dr, Credit: cr, Amount: m.Amount, Kind: PostingKind(m.Kind),
			Source: "movement:" + strconv.FormatInt(m.ID, 10), CreatedBy: &by, CreatedAt: s.now().UTC().Truncate(time.Microsecond)})
		m.Status, m.PostingID = Confirmed, &pid
		return err
	})
}

// Reject closes a proposed movement with a reason; nothing is posted.
func (s *Service) Reject(ctx context.Context, p auth.Principal, id int64, reason string) (Movement, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxText {
		if err := s.may(p, ActMove, moveForbidden); err != nil {
			return Movement{}, err
		}
		return Movement{}, apperr.Field("reason", "is required (up to 2000 characters): say why the movement is rejected")
	}
	return s.decide(ctx, p, id, "fund.reject", func(ctx context.Context, m *Movement) error {
		m.Status, m.Reason = Rejected, reason
		return nil
	})
}

func (s *Service) decide(ctx context.Context, p auth.Principal, id int64, action string, fn func(ctx context.Context, m *Movement) error) (Movement, error) {
	if err := s.may(p, ActMove, moveForbidden); err != nil {
		return Movement{}, err
	}
	m, err := s.store.UpdateMovement(ctx, id, func(ctx context.Context, m *Movement) (audit.Event, error) {
		before := auditView(*m)
		if m.Status != Proposed {
			return audit.Event{}, apperr.Newf(apperr.Conflict, "fund.invalid_state", "the movement is already %s", msg.Label("fund_movement_status", m.Status))
		}
		if m.ProposedBy == p.UserID {
			return audit.Event{}, apperr.New(apperr.Forbidden, "four_eyes", "you proposed this movement: another guarantee officer must confirm or reject it")
		}
		by, at := p.UserID, s.now().UTC().Truncate(time.Microsecond)
		m.DecidedBy, m.DecidedAt = &by, &at
		if err := fn(ctx, m); err != nil {
			return audit.Event{}, err
		}
		return audit.NewEvent(ctx, p, action, before, auditView(*m))
	})
	return m, apperr.Contextf(err, "%s of fund movement %d", action, id)
}

func auditView(m Movement) map[string]any {
	return map[string]any{"kind": m.Kind, "amount": money.Format(m.Amount), "booked_on": m.BookedOn.Format(time.DateOnly),
		"reference": m.Reference, "status": m.Status, "reason": m.Reason}
}

// Movements lists movements, newest first.
func (s *Service) Movements(ctx context.Context, p auth.Principal, f MovementFilter, offset, limit int) ([]Movement, int64, error) {
	if err := s.may(p, ActRead, readForbidden); err != nil {
		return nil, 0, err
	}
	return s.store.Movements(ctx, f, offset, limit)
}

// Journal lists postings in booking order.
func (s *Service) Journal(ctx context.Context, p auth.Principal, f JournalFilter, offset, limit int) ([]Posting, int64, error) {
	if err := s.may(p, ActRead, readForbidden); err != nil {
		return nil, 0, err
	}
	return s.store.Journal(ctx, f, offset, limit)
}

// ParseJournalFilter reads from, to (YYYY-MM-DD, inclusive) and account.
func ParseJournalFilter(get func(string) string, f *apperr.Fields) JournalFilter {
	var out JournalFilter
	for _, d := range []struct {
		field string
		to    *time.Time
	}{{"from", &out.From}, {"to", &out.To}} {
		if v := strings.TrimSpace(get(d.field)); v != "" {
			day, err := application.ParseDay(v)
			if err != nil {
				f.Add(d.field, "must be a date YYYY-MM-DD")
				continue
			}
			*d.to = day
		}
	}
	if v := strings.TrimSpace(get("account")); v != "" {
		if out.Account = Account(v); !out.Account.Valid() {
			f.Addf("account", "must be one of %s", msg.OneOf("fund_account", Accounts...))
		}
	}
	return out
}

// ParseMovementFilter reads status (comma-separated).
func ParseMovementFilter(get func(string) string, f *apperr.Fields) MovementFilter {
	var out MovementFilter
	for _, v := range strings.Split(get("status"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		st := MovementStatus(v)
		known := false
		for _, x := range MovementStatuses {
			known = known || x == st
		}
		if !known {
			f.Addf("status", "must be one of %s", msg.OneOf("fund_movement_status", MovementStatuses...))
			return out
		}
		out.Statuses = append(out.Statuses, st)
	}
	return out
}
