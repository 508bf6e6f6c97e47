package loan

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
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
	now    func() time.Time
	// notifier tells borrowers and officers of loan events (SetNotifier).
	notifier application.Notifier
}

// NewService wires the loan service.
func NewService(s Store, apps Applications, z *authz.Enforcer, rec *audit.Recorder, pol *policy.Policy) *Service {
	return &Service{store: s, apps: apps, authz: z, audit: rec, policy: pol, now: time.Now}
}

// SetClock replaces the service's clock, so tests set what today is.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// today is the bureau's calendar day (Beijing time).
func (s *Service) today() time.Time { return application.Day(s.now()) }

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

var referencePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./:-]{0,63}$`)

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
	if !referencePattern.MatchString(v) {
		f.Add("bank_reference", "is required: the bank's transaction reference, 1–64 letters, digits and _ . / : -")
	}
	return v
}

func (s *Service) notFound(id int64) error { return apperr.NotFoundf("no loan with id %d", id) }

// load returns the loan if p may see it (404 otherwise).
func (s *Service) load(ctx context.Context, p auth.Principal, id int64, forUpdate bool) (Loan, error) {
	l, err := s.store.Get(ctx, id, forUpdate)
	if apperr.KindOf(err) == apperr.NotFound {
		return l, s.notFound(id)
	}
	if err != nil {
		return l, err
	}
	if !s.authz.Can(p, ActRead, l.Resource()) {
		return l, s.notFound(id)
	}
	return l, nil
}

// loadFor loads a loan for act: 404 when p may not see it, 403 with the
// message forbidden when p may see it but not do act, 403 four_eyes when p
// is its borrower or a partner. Every money action on a loan goes through here.
func (s *Service) loadFor(ctx context.Context, p auth.Principal, id int64, act authz.Action, forbidden string) (Loan, error) {
	l, err := s.load(ctx, p, id, true)
	if err != nil {
		return l, err
	}
	if !s.authz.Can(p, act, l.Resource()) {
		return l, apperr.Forbiddenf(forbidden)
	}
	party, err := s.involves(ctx, p, l)
	if err != nil {
		return l, err
	}
	if party {
		return l, fourEyes("you are the borrower or a partner of this loan (by account or resident ID number): another officer must do this")
	}
	return l, nil
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
	a, err := s.apps.Get(ctx, *l.ApplicationID, false)
	if err != nil {
		return false, err
	}
	return a.Involves(p), nil
}

func fourEyes(message string) error { return apperr.New(apperr.Forbidden, "four_eyes", message) }

// DisburseInput is the bank's disbursement record.
type DisburseInput struct {
	Amount          string
	DisbursedOn     string
	BankReference   string
	RepaymentMethod string
}

// Disburse pays out an approved application in full and creates its loan,
// once: the application is row-locked, must be approved and becomes
// disbursed in the same transaction, and loans.application_id is unique.
func (s *Service) Disburse(ctx context.Context, p auth.Principal, applicationID int64, in DisburseInput) (Loan, error) {
	var out Loan
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		a, err := s.apps.Get(ctx, applicationID, true)
		if apperr.KindOf(err) == apperr.NotFound || (err == nil && !s.authz.Can(p, authz.Read, a.Resource())) {
			return apperr.NotFoundf("no application with id %d", applicationID)
		}
		if err != nil {
			return err
		}
		res := authz.Resource{Kind: Kind, District: a.DistrictCode, Bank: a.BankCode}
		if !s.authz.Can(p, ActDisburse, res) {
			return apperr.Forbiddenf("only a bank officer of %s records the disbursement of this application", a.BankCode)
		}
		if _, err := application.Next(a.Status, application.ActDisburse); err != nil {
			return err
		}
		if a.Involves(p) {
			return fourEyes("you are the borrower or a partner of this loan (by account or resident ID number): another bank officer must record its disbursement")
		}
		if a.ApprovedBy != nil && *a.ApprovedBy == p.UserID {
			return fourEyes("you approved this application at the bank stage: another bank officer must record its disbursement")
		}
		l, err := s.newLoan(a, p, in)
		if err != nil {
			return err
		}
		seq, err := s.store.NextSequence(ctx, l.DistrictCode, l.DisbursedOn.Year())
		if err != nil {
			return err
		}
		l.Number = Number(l.DistrictCode, l.DisbursedOn.Year(), seq)
		if l.ID, err = s.store.Create(ctx, l); err != nil {
			return err
		}
		if err := s.apps.MarkDisbursed(ctx, a.ID, a.Version, l.CreatedAt, p); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, "application.disburse", application.Kind, strconv.FormatInt(a.ID, 10),
			map[string]any{"status": a.Status}, map[string]any{"status": application.Disbursed, "loan_id": l.ID}); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, "loan.disburse", Kind, strconv.FormatInt(l.ID, 10), nil, auditView(l)); err != nil {
			return err
		}
		if err := s.tell(ctx, l, "disbursed", "loan.disbursed", map[string]string{"amount": money.Format(l.Principal), "date": l.DisbursedOn.Format(time.DateOnly)}, time.Time{}); err != nil {
			return err
		}
		out, err = s.store.Get(ctx, l.ID, false)
		return err
	})
	return out, err
}

// newLoan validates the disbursement against the approved application.
func (s *Service) newLoan(a application.Application, p auth.Principal, in DisburseInput) (Loan, error) {
	var f apperr.Fields
	if a.ApprovedAmount == nil || a.AnnualRate == nil || a.ApprovedTermMonths == nil {
		return Loan{}, apperr.Newf(apperr.Conflict, "application.invalid_state", "the application has no approved contract terms")
	}
	amount, err := money.ParsePositive(strings.TrimSpace(in.Amount))
	switch {
	case err != nil:
		f.AddErr("amount", err)
	case !amount.Equal(*a.ApprovedAmount):
		f.Addf("amount", "must equal the approved amount %s: a loan is disbursed once, in full", msg.Money(*a.ApprovedAmount))
	}
	var approved time.Time
	if a.ApprovedAt != nil {
		approved = application.Day(*a.ApprovedAt)
	}
	on := s.bookDay(&f, "disbursed_on", in.DisbursedOn, "is in the future: record a disbursement once the money is paid out",
		[]floor{{approved, msg.New("is before the bank approved the application (%s)", dateText(approved))}})
	ref := checkReference(&f, in.BankReference)
	method := Method(strings.TrimSpace(in.RepaymentMethod))
	if method == "" {
		method = InterestQuarterly
	}
	if !method.Valid() {
		f.Addf("repayment_method", "must be one of %s", msg.OneOf("repayment_method", InterestQuarterly, EqualPrincipal))
	}
	if err := f.Err(); err != nil {
		return Loan{}, err
	}
	v := s.policy.At(on)
	subsidyCap := application.SubsidyCap(v, a.BorrowerType, len(a.Partners))
	regime, subsidyRate, borrowerRate, err := ContractRates(s.policy, on, *a.AnnualRate)
	if err != nil {
		f.AddErr("disbursed_on", err)
		return Loan{}, f.Err()
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	appID, borrower, by := a.ID, a.ApplicantID, p.UserID
	return Loan{
		ApplicationID: &appID, Status: Active, Version: 1, BorrowerID: &borrower,
		Name: a.Name, NationalID: a.NationalID, Female: a.Female, Flags: a.Flags, KeyGroup: a.KeyGroup, BorrowerType: string(a.BorrowerType),
		Industry: a.Industry, Jobs: a.JobsPlanned, DistrictCode: a.DistrictCode, BankCode: a.BankCode,
		Principal: amount, Outstanding: amount, AnnualRate: *a.AnnualRate, SubsidyRate: subsidyRate, BorrowerRate: borrowerRate,
		SubsidyCap: subsidyCap, Regime: regime, TermMonths: *a.ApprovedTermMonths, Method: method, DisbursedOn: on,
		Maturity: Maturity(on, *a.ApprovedTermMonths), BankReference: ref, DisbursedBy: &by,
		Recovered: decimal.Zero, RecoveredFund: decimal.Zero, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// Get returns one loan the caller may see.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (Loan, error) {
	return s.load(ctx, p, id, false)
}

// List returns the loans in the caller's scope.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, offset, limit int) ([]Loan, int64, error) {
	scope := s.authz.Scope(p, ActRead, Kind)
	if scope.Empty() {
		return nil, 0, apperr.Forbiddenf("your role does not see loans")
	}
	return s.store.List(ctx, f, scope, offset, limit)
}

// Schedule returns the loan's due dates as it runs today: the contract's
// principal instalments and each period's interest, subsidy and borrower
// part as in the subsidy table (one computation, claimed quarters as
// claimed), with each line's state.
func (s *Service) Schedule(ctx context.Context, p auth.Principal, id int64) (Method, []DueLine, error) {
	l, err := s.load(ctx, p, id, false)
	if err != nil {
		return "", nil, err
	}
	claims, err := s.claimsByPeriod(ctx, l.ID)
	if err != nil {
		return "", nil, err
	}
	lines := NewLedger(l.Terms(), l.Payments(), s.today()).Lines()
	for i := range lines {
		if c, ok := claims[lines[i].Period.Period]; ok {
			lines[i].Days, lines[i].Split = c.Days, Split{Interest: c.Interest, Subsidy: c.Subsidy, Borrower: c.Borrower}
		}
	}
	return l.Method, lines, nil
}

func (s *Service) claimsByPeriod(ctx context.Context, loanID int64) (map[string]Claim, error) {
	claims, err := s.store.Claims(ctx, loanID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Claim, len(claims))
	for _, c := range claims {
		out[c.Period] = c
	}
	return out, nil
}

// statementHorizon is how far ahead a statement may look (a payoff quote
// for a day to come).
const statementHorizon = 366

// Statement is what the borrower owes on asOf (YYYY-MM-DD, default today)
// after the repayments really made.
func (s *Service) Statement(ctx context.Context, p auth.Principal, id int64, asOf string) (Statement, error) {
	l, err := s.load(ctx, p, id, false)
	if err != nil {
		return Statement{}, err
	}
	day := s.today()
	if strings.TrimSpace(asOf) != "" {
		var f apperr.Fields
		d, ok := parseDay(&f, "as_of", asOf)
		switch {
		case !ok:
		case d.Before(l.DisbursedOn):
			f.Addf("as_of", "is before the disbursement (%s)", l.DisbursedOn.Format(time.DateOnly))
		case d.After(s.today().AddDate(0, 0, statementHorizon)):
			f.Addf("as_of", "is more than %d days ahead", statementHorizon)
		}
		if err := f.Err(); err != nil {
			return Statement{}, err
		}
		day = d
	}
	var paid []Payment
	for _, pay := range l.Payments() {
		if !pay.PaidOn.After(day) {
			paid = append(paid, pay)
		}
	}
	return NewLedger(l.Terms(), paid, day).Statement(), nil
}

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
func (s *Service) Repay(ctx context.Context, p auth.Principal, id int64, in RepayInput) (Repayment, Loan, error) {
	var rep Repayment
	var out Loan
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		l, err := s.loadFor(ctx, p, id, ActRepay, "only a bank officer of the loan's bank may do this")
		if err != nil {
			return err
		}
		if _, err := Next(l.Status, EvRepay); err != nil {
			return err
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
			return err
		}
		before := auditView(l)
		rep = Repayment{LoanID: l.ID, Principal: principal, Interest: interest, PaidOn: on, BankReference: ref, RecordedBy: p.UserID, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		if rep.ID, err = s.store.AddRepayment(ctx, rep, l.BankCode); err != nil {
			return err
		}
		l.Outstanding = l.Outstanding.Sub(principal)
		l.Repayments = append(l.Repayments, rep)
		// A repayment recorded late may show days the daily job never saw
		// overdue; the re-loan rule must know them.
		l.EverOverdue = l.EverOverdue || NewLedger(l.Terms(), l.Payments(), s.today()).EverOverdue()
		if l.Outstanding.IsZero() {
			if l.Status, err = Next(l.Status, EvSettle); err != nil {
				return err
			}
			l.SettledOn = &on
			l.DaysOverdue, l.OverdueSince = 0, nil
		}
		l.UpdatedAt = rep.CreatedAt
		if err := s.store.Update(ctx, l, l.Version); err != nil {
			return err
		}
		after := auditView(l)
		after["repayment"] = map[string]any{"id": rep.ID, "principal": money.Format(principal), "interest": money.Format(interest),
			"paid_on": on.Format(time.DateOnly), "bank_reference": ref}
		if err := s.audit.Record(ctx, p, "loan.repay", Kind, strconv.FormatInt(l.ID, 10), before, after); err != nil {
			return err
		}
		out, err = s.store.Get(ctx, l.ID, false)
		return err
	})
	return rep, out, err
}

func auditView(l Loan) map[string]any {
	v := map[string]any{
		"number": l.Number, "status": l.Status, "principal": money.Format(l.Principal),
		"outstanding_principal": money.Format(l.Outstanding), "days_overdue": l.DaysOverdue,
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

// SubsidyItem is one quarter of a loan's interest subsidy.
type SubsidyItem struct {
	Period
	Status ClaimStatus
	Reason string
	// Claimable is set for a pending quarter that has ended: the bank may
	// claim it (申报贴息) now.
	Claimable bool
}

// SubsidyTable is a loan's subsidy per quarter.
type SubsidyTable struct {
	Loan  Loan
	Items []SubsidyItem
	Total decimal.Decimal
	// FirstRegime is the day of the policy's first subsidy regime.
	FirstRegime time.Time
}

// Subsidy returns the loan's subsidy per quarter: claimed quarters as
// claimed, the others computed now from the repayments so far.
func (s *Service) Subsidy(ctx context.Context, p auth.Principal, id int64) (SubsidyTable, error) {
	l, err := s.load(ctx, p, id, false)
	if err != nil {
		return SubsidyTable{}, err
	}
	byPeriod, err := s.claimsByPeriod(ctx, l.ID)
	if err != nil {
		return SubsidyTable{}, err
	}
	var items []SubsidyItem
	total := decimal.Zero
	for _, per := range NewLedger(l.Terms(), l.Payments(), s.today()).Periods() {
		item := SubsidyItem{Period: per, Status: ClaimPending}
		if c, ok := byPeriod[per.Period]; ok {
			item.Days, item.Split, item.Status, item.Reason = c.Days, Split{Interest: c.Interest, Subsidy: c.Subsidy, Borrower: c.Borrower}, c.Status, c.Reason
		}
		item.Claimable = item.Status == ClaimPending && per.End.Before(s.today())
		if item.Status != ClaimRefused {
			total = total.Add(item.Subsidy)
		}
		items = append(items, item)
	}
	return SubsidyTable{Loan: l, Items: items, Total: total, FirstRegime: s.policy.FirstSubsidy()}, nil
}

var periodPattern = regexp.MustCompile(`^[0-9]{4}Q[1-4]$`)

// ValidPeriod reports whether v names a quarter such as 2024Q2.
func ValidPeriod(v string) bool { return periodPattern.MatchString(v) }

// ClaimSubsidy is the bank's claim (申报) of a quarter that has ended: its
// amounts are frozen as computed now.
func (s *Service) ClaimSubsidy(ctx context.Context, p auth.Principal, id int64, period string) (SubsidyItem, error) {
	var out SubsidyItem
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		l, err := s.loadFor(ctx, p, id, ActClaimSubsidy, "only a bank officer of the loan's bank may do this")
		if err != nil {
			return err
		}
		var per *Period
		for _, x := range NewLedger(l.Terms(), l.Payments(), s.today()).Periods() {
			if x.Period == period {
				per = &x
				break
			}
		}
		if per == nil {
			return apperr.NotFoundf("the loan has no subsidy period %q", period)
		}
		existing, err := s.store.Claim(ctx, l.ID, period, true)
		switch {
		case err == nil:
			_, err = NextClaim(existing.Status, ActClaimSubsidy, false)
			return err
		case apperr.KindOf(err) != apperr.NotFound:
			return err
		}
		if per.End.After(s.today()) {
			return apperr.Newf(apperr.Conflict, "subsidy.invalid_state", "the quarter %s runs until %s: claim it after it ends", period, per.End.Format(time.DateOnly))
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		by := p.UserID
		c := Claim{
			LoanID: l.ID, Period: period, Start: per.Start, End: per.End, Days: per.Days, Interest: per.Interest, Subsidy: per.Subsidy,
			Borrower: per.Borrower, Status: ClaimClaimed, DistrictCode: l.DistrictCode, BankCode: l.BankCode, ClaimedBy: &by, ClaimedAt: &now,
		}
		if c.ID, err = s.store.CreateClaim(ctx, c); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, "subsidy.claim", "subsidy", claimEntity(l.ID, period), map[string]any{"status": ClaimPending}, claimView(c)); err != nil {
			return err
		}
		out = SubsidyItem{Period: Period{Period: c.Period, Start: c.Start, End: c.End, Days: c.Days, OverdueDays: per.OverdueDays, Split: per.Split}, Status: c.Status}
		return nil
	})
	return out, err
}

func claimEntity(loanID int64, period string) string {
	return strconv.FormatInt(loanID, 10) + "/" + period
}

func claimView(c Claim) map[string]any {
	return map[string]any{"status": c.Status, "period": c.Period, "days": c.Days, "interest": money.Format(c.Interest),
		"subsidy": money.Format(c.Subsidy), "borrower_interest": money.Format(c.Borrower), "reason": c.Reason}
}

// CheckInput is the HRSS officer's check of a claimed quarter.
type CheckInput struct {
	Decision string // approve | refuse
	Reason   string
}

// CheckSubsidy is the HRSS check (审核) of a claimed quarter: approve, or
// refuse with a reason (不予贴息).
func (s *Service) CheckSubsidy(ctx context.Context, p auth.Principal, id int64, period string, in CheckInput) (SubsidyItem, error) {
	return s.claimStep(ctx, p, id, period, ActCheckSubsidy, "only an HRSS officer of the loan's district may do this", func(c *Claim, at time.Time) (string, error) {
		// The input is judged only once the caller may act on the loan, so
		// nobody learns anything about a loan they cannot see.
		var f apperr.Fields
		refuse := false
		switch in.Decision {
		case "approve":
		case "refuse":
			refuse = true
			if strings.TrimSpace(in.Reason) == "" {
				f.Add("reason", "is required when refusing a subsidy: say why")
			}
		default:
			f.Add("decision", "must be approve or refuse")
		}
		if err := f.Err(); err != nil {
			return "", err
		}
		to, err := NextClaim(c.Status, ActCheckSubsidy, refuse)
		if err != nil {
			return "", err
		}
		by := p.UserID
		c.Status = to
		if refuse {
			c.RefusedBy, c.RefusedAt, c.Reason = &by, &at, strings.TrimSpace(in.Reason)
			return "subsidy.refuse", nil
		}
		c.CheckedBy, c.CheckedAt = &by, &at
		return "subsidy.check", nil
	})
}

// PaySubsidy records the payment (拨付) of a checked quarter, by an HRSS
// officer other than the one who checked it.
func (s *Service) PaySubsidy(ctx context.Context, p auth.Principal, id int64, period string) (SubsidyItem, error) {
	return s.claimStep(ctx, p, id, period, ActPaySubsidy, "only an HRSS officer of the loan's district may do this", func(c *Claim, at time.Time) (string, error) {
		to, err := NextClaim(c.Status, ActPaySubsidy, false)
		if err != nil {
			return "", err
		}
		if c.CheckedBy != nil && *c.CheckedBy == p.UserID {
			return "", fourEyes("you checked this subsidy: another HRSS officer must record its payment")
		}
		by := p.UserID
		c.Status, c.PaidBy, c.PaidAt = to, &by, &at
		return "subsidy.pay", nil
	})
}

func (s *Service) claimStep(ctx context.Context, p auth.Principal, id int64, period string, act authz.Action, forbidden string, step func(c *Claim, at time.Time) (string, error)) (SubsidyItem, error) {
	var out SubsidyItem
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		l, err := s.loadFor(ctx, p, id, act, forbidden)
		if err != nil {
			return err
		}
		c, err := s.store.Claim(ctx, l.ID, period, true)
		if apperr.KindOf(err) == apperr.NotFound {
			if !ValidPeriod(period) {
				return apperr.NotFoundf("the loan has no subsidy period %q", period)
			}
			_, err = NextClaim(ClaimPending, act, false)
			return err
		}
		if err != nil {
			return err
		}
		before := claimView(c)
		from := c.Status
		action, err := step(&c, s.now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		if err := s.store.UpdateClaim(ctx, c, from); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, action, "subsidy", claimEntity(l.ID, period), before, claimView(c)); err != nil {
			return err
		}
		if err := s.tellClaim(ctx, l, c, action); err != nil {
			return err
		}
		out = SubsidyItem{Period: Period{Period: c.Period, Start: c.Start, End: c.End, Days: c.Days,
			Split: Split{Interest: c.Interest, Subsidy: c.Subsidy, Borrower: c.Borrower}}, Status: c.Status, Reason: c.Reason}
		return nil
	})
	return out, err
}

// SubsidyTotals sums a quarter's claimed subsidy per district and status,
// for the finance bureau.
func (s *Service) SubsidyTotals(ctx context.Context, p auth.Principal, period string) ([]SubsidyTotal, error) {
	scope := s.authz.Scope(p, ActReadSubsidies, Kind)
	if scope.Empty() {
		return nil, apperr.Forbiddenf("only finance auditors and HRSS officers read subsidy totals")
	}
	if !ValidPeriod(period) {
		return nil, apperr.Field("period", "must be a quarter such as 2024Q2")
	}
	return s.store.SubsidyTotals(ctx, period, scope)
}

// CompensateInput is the guarantee fund's compensation (代偿) of a loan.
type CompensateInput struct {
	CompensatedOn string
}

// Compensate records that the guarantee fund paid the bank for an overdue
// loan: the outstanding principal split into the fund's share (the bank's
// agreed share, else the policy's) and the bank's rest.
func (s *Service) Compensate(ctx context.Context, p auth.Principal, id int64, in CompensateInput) (Loan, error) {
	return s.change(ctx, p, id, ActCompensate, "only a guarantee officer of the loan's district may do this", "loan.compensate", func(ctx context.Context, l *Loan) error {
		to, err := Next(l.Status, EvCompensate)
		if err != nil {
			return err
		}
		var f apperr.Fields
		paid := lastPaid(*l)
		floors := []floor{{l.DisbursedOn, msg.New("is before the disbursement (%s)", dateText(l.DisbursedOn))},
			{paid, msg.New("is before the last repayment (%s)", dateText(paid))}}
		if l.OverdueSince != nil {
			floors = append(floors, floor{*l.OverdueSince, msg.New("is before the loan fell overdue (%s)", dateText(*l.OverdueSince))})
		}
		on := s.bookDay(&f, "compensated_on", in.CompensatedOn, "is in the future", floors)
		if err := f.Err(); err != nil {
			return err
		}
		share := s.policy.At(on).Compensation.FundShare.Decimal
		agreed, err := s.store.FundShare(ctx, l.BankCode)
		if err != nil {
			return err
		}
		if agreed != nil {
			share = *agreed
		}
		c := NewCompensation(on, l.Outstanding, share, p.UserID)
		l.Status, l.Compensation = to, &c
		return s.tell(ctx, *l, "compensated", "loan.compensated", map[string]string{"amount": money.Format(c.Fund), "date": on.Format(time.DateOnly)}, time.Time{}, bankOfficers(*l))
	})
}

func dateText(t time.Time) string { return t.Format(time.DateOnly) }

// lastPaid is the day of the loan's latest repayment (zero without one).
func lastPaid(l Loan) time.Time {
	var last time.Time
	for _, r := range l.Repayments {
		if r.PaidOn.After(last) {
			last = r.PaidOn
		}
	}
	return last
}

// RecoveryInput is money recovered (追偿) after compensation.
type RecoveryInput struct {
	Amount      string
	RecoveredOn string
	Note        string
}

// Recover records a recovery against a compensated loan, never more than
// what was compensated and not yet recovered.
func (s *Service) Recover(ctx context.Context, p auth.Principal, id int64, in RecoveryInput) (Recovery, Loan, error) {
	var rec Recovery
	l, err := s.change(ctx, p, id, ActRecover, "only a guarantee officer of the loan's district may do this", "loan.recover", func(ctx context.Context, l *Loan) error {
		if _, err := Next(l.Status, EvRecover); err != nil {
			return err
		}
		var f apperr.Fields
		amount, err := money.ParsePositive(strings.TrimSpace(in.Amount))
		left := l.Compensation.Amount.Sub(l.Recovered)
		if err != nil {
			f.AddErr("amount", err)
		} else if amount.GreaterThan(left) {
			f.Addf("amount", "is more than what is left to recover (%s)", msg.Money(left))
		}
		on := s.bookDay(&f, "recovered_on", in.RecoveredOn, "is in the future",
			[]floor{{l.Compensation.On, msg.New("is before the compensation (%s)", dateText(l.Compensation.On))}})
		if len(in.Note) > 2000 {
			f.Add("note", "is longer than 2000 characters")
		}
		if err := f.Err(); err != nil {
			return err
		}
		fund, bank := l.Compensation.ShareRecovery(l.Recovered, amount)
		rec = Recovery{LoanID: l.ID, Amount: amount, Fund: fund, Bank: bank, RecoveredOn: on, Note: strings.TrimSpace(in.Note),
			RecordedBy: p.UserID, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		if rec.ID, err = s.store.AddRecovery(ctx, rec); err != nil {
			return err
		}
		l.Recovered, l.RecoveredFund = l.Recovered.Add(amount), l.RecoveredFund.Add(fund)
		return nil
	})
	return rec, l, err
}

// ProposeWriteOff is the first step of writing off what could not be
// recovered; a different user confirms it.
func (s *Service) ProposeWriteOff(ctx context.Context, p auth.Principal, id int64, reason string) (Loan, error) {
	return s.change(ctx, p, id, ActWriteOff, "only a guarantee officer of the loan's district may do this", "loan.propose_write_off", func(ctx context.Context, l *Loan) error {
		if _, err := Next(l.Status, EvProposeWriteOff); err != nil {
			return err
		}
		if l.WriteOff != nil {
			return apperr.Conflictf("a write-off of this loan is already proposed: another user confirms it")
		}
		reason = strings.TrimSpace(reason)
		if reason == "" || len(reason) > 2000 {
			return apperr.Field("reason", "is required (up to 2000 characters): say why the rest cannot be recovered")
		}
		l.WriteOff = &WriteOff{ProposedBy: p.UserID, ProposedAt: s.now().UTC().Truncate(time.Microsecond), Reason: reason}
		return nil
	})
}

// ConfirmWriteOff writes the loan off; the proposer may not confirm.
func (s *Service) ConfirmWriteOff(ctx context.Context, p auth.Principal, id int64) (Loan, error) {
	return s.change(ctx, p, id, ActWriteOff, "only a guarantee officer of the loan's district may do this", "loan.write_off", func(ctx context.Context, l *Loan) error {
		to, err := Next(l.Status, EvWriteOff)
		if err != nil {
			return err
		}
		if l.WriteOff == nil {
			return apperr.Newf(apperr.Conflict, "loan.invalid_state", "no write-off of this loan is proposed: propose it first")
		}
		if l.WriteOff.ProposedBy == p.UserID {
			return fourEyes("you proposed this write-off: another user must confirm it")
		}
		by, on := p.UserID, s.today()
		l.Status = to
		fund, bank := l.Unrecovered()
		l.WriteOff.ConfirmedBy, l.WriteOff.On = &by, &on
		l.WriteOff.Amount, l.WriteOff.Fund, l.WriteOff.Bank = fund.Add(bank), fund, bank
		return nil
	})
}

// change runs one audited change of a row-locked loan.
func (s *Service) change(ctx context.Context, p auth.Principal, id int64, act authz.Action, forbidden, action string, fn func(ctx context.Context, l *Loan) error) (Loan, error) {
	var out Loan
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		l, err := s.loadFor(ctx, p, id, act, forbidden)
		if err != nil {
			return err
		}
		before := auditView(l)
		if err := fn(ctx, &l); err != nil {
			return err
		}
		l.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
		if err := s.store.Update(ctx, l, l.Version); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, action, Kind, strconv.FormatInt(l.ID, 10), before, auditView(l)); err != nil {
			return err
		}
		out, err = s.store.Get(ctx, l.ID, false)
		return err
	})
	return out, err
}

// Exposure is the guarantee fund's position per district, or per
// compensated loan when byLoan.
func (s *Service) Exposure(ctx context.Context, p auth.Principal, byLoan bool) ([]Exposure, error) {
	scope := s.authz.Scope(p, ActReadExposure, Kind)
	if scope.Empty() {
		return nil, apperr.Forbiddenf("only guarantee officers and finance auditors read the fund's exposure")
	}
	return s.store.Exposure(ctx, scope, byLoan)
}

// DailyResult is what one run of the daily job did.
type DailyResult struct {
	Date           time.Time
	AlreadyRunning bool
	Checked        int
	BecameOverdue  int
	Cured          int
	Overdue        int
	KeysPurged     int64
}

// RunDaily is the daily job for day: every active and overdue loan is
// replayed from its repayments as of day and marked overdue (with its days
// overdue) or active again. The result depends only on the data and the day,
// so running it twice for a day changes nothing the second time; a loan
// already checked for a later day is left alone. On PostgreSQL only one
// instance runs it at a time. It also purges idempotency keys past retention.
func (s *Service) RunDaily(ctx context.Context, day time.Time) (DailyResult, error) {
	res := DailyResult{Date: Day(day)}
	release, ok, err := s.store.TryJobLock(ctx, "daily")
	if err != nil {
		return res, err
	}
	if !ok {
		res.AlreadyRunning = true
		return res, nil
	}
	defer release()
	ids, err := s.store.OpenLoanIDs(ctx)
	if err != nil {
		return res, err
	}
	sys := auth.System("daily-job")
	for _, id := range ids {
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			l, err := s.store.Get(ctx, id, true)
			if err != nil {
				return err
			}
			if !l.Status.Open() || l.DisbursedOn.After(res.Date) || (l.CheckedOn != nil && l.CheckedOn.After(res.Date)) {
				return nil
			}
			res.Checked++
			before := auditView(l)
			led := NewLedger(l.Terms(), l.Payments(), res.Date)
			over, since, days := led.Overdue()
			next := l
			next.EverOverdue = l.EverOverdue || led.EverOverdue()
			next.CheckedOn = &res.Date
			next.DaysOverdue, next.OverdueSince, next.Status = 0, nil, Active
			if over {
				next.DaysOverdue, next.OverdueSince, next.Status = days, &since, Overdue
				res.Overdue++
			}
			if err := s.tellDaily(ctx, next, res.Date, l.Status == Active && next.Status == Overdue); err != nil {
				return err
			}
			if next.Status == l.Status && next.DaysOverdue == l.DaysOverdue && sameDay(next.OverdueSince, l.OverdueSince) &&
				next.EverOverdue == l.EverOverdue && sameDay(next.CheckedOn, l.CheckedOn) {
				return nil
			}
			action := ""
			switch {
			case l.Status == Active && next.Status == Overdue:
				action = "loan.overdue"
				res.BecameOverdue++
			case l.Status == Overdue && next.Status == Active:
				action = "loan.cure"
				res.Cured++
			}
			next.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
			if err := s.store.Update(ctx, next, l.Version); err != nil {
				return err
			}
			if action == "" {
				return nil
			}
			return s.audit.Record(ctx, sys, action, Kind, strconv.FormatInt(l.ID, 10), before, auditView(next))
		})
		if err != nil {
			return res, err
		}
	}
	res.KeysPurged, err = s.store.PurgeKeys(ctx, s.now().UTC().Add(-KeyRetention))
	return res, err
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
