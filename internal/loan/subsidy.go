package loan

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/money"
)

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
func (s *Service) Subsidy(ctx context.Context, p auth.Principal, id ID) (SubsidyTable, error) {
	l, err := s.load(ctx, p, id)
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
		item.Claimable = item.Status == ClaimPending && per.End.Before(s.today()) && l.Status != Cancelled
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
func (s *Service) ClaimSubsidy(ctx context.Context, p auth.Principal, id ID, period string) (SubsidyItem, error) {
	var out SubsidyItem
	_, err := s.actOn(ctx, p, id, ActClaimSubsidy, "only a bank officer of the loan's bank may do this", func(ctx context.Context, l *Loan) (audit.Event, error) {
		if l.Status == Cancelled {
			return audit.Event{}, apperr.Newf(apperr.Conflict, "loan.invalid_state", "the loan %s is cancelled (its disbursement was reversed): it has no subsidy to claim", l.Number)
		}
		var per *Period
		for _, x := range NewLedger(l.Terms(), l.Payments(), s.today()).Periods() {
			if x.Period == period {
				per = &x
				break
			}
		}
		if per == nil {
			return audit.Event{}, apperr.NotFoundf("the loan has no subsidy period %q", period)
		}
		existing, err := s.store.Claim(ctx, l.ID, period)
		switch {
		case err == nil:
			if _, err := NextClaim(existing.Status, ActClaimSubsidy, false); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, ErrUnchanged
		case apperr.KindOf(err) != apperr.NotFound:
			return audit.Event{}, err
		}
		if per.End.After(s.today()) {
			return audit.Event{}, apperr.Newf(apperr.Conflict, "subsidy.invalid_state", "the quarter %s runs until %s: claim it after it ends", period, per.End.Format(time.DateOnly))
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		by := p.UserID
		c := Claim{
			LoanID: l.ID, Period: period, Start: per.Start, End: per.End, Days: per.Days, Interest: per.Interest, Subsidy: per.Subsidy,
			Borrower: per.Borrower, Status: ClaimClaimed, DistrictCode: l.DistrictCode, BankCode: l.BankCode, ClaimedBy: &by, ClaimedAt: &now,
		}
		if c.ID, err = s.store.CreateClaim(ctx, c); err != nil {
			return audit.Event{}, err
		}
		if err := s.audit.Record(ctx, p, "subsidy.claim", "subsidy", claimEntity(l.ID, period), map[string]any{"status": ClaimPending}, claimView(c)); err != nil {
			return audit.Event{}, err
		}
		out = SubsidyItem{Period: Period{Period: c.Period, Start: c.Start, End: c.End, Days: c.Days, OverdueDays: per.OverdueDays, Split: per.Split}, Status: c.Status}
		// The claim is written beside the loan, which its lock kept still.
		return audit.Event{}, ErrUnchanged
	})
	return out, apperr.Contextf(err, "claim the subsidy of loan %d for %s", id, period)
}

func claimEntity(loanID ID, period string) string {
	return loanID.String() + "/" + period
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
func (s *Service) CheckSubsidy(ctx context.Context, p auth.Principal, id ID, period string, in CheckInput) (SubsidyItem, error) {
	return s.claimStep(ctx, p, id, period, ActCheckSubsidy, "only an HRSS officer of the loan's district may do this", func(ctx context.Context, c *Claim, at time.Time) (string, error) {
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
func (s *Service) PaySubsidy(ctx context.Context, p auth.Principal, id ID, period string) (SubsidyItem, error) {
	return s.claimStep(ctx, p, id, period, ActPaySubsidy, "only an HRSS officer of the loan's district may do this", func(ctx context.Context, c *Claim, at time.Time) (string, error) {
		to, err := NextClaim(c.Status, ActPaySubsidy, false)
		if err != nil {
			return "", err
		}
		if c.CheckedBy != nil && *c.CheckedBy == p.UserID {
			return "", fourEyes("you checked this subsidy: another HRSS officer must record its payment")
		}
		if err := s.open(ctx, "paid_at", beijing.Day(at)); err != nil {
			return "", err
		}
		by := p.UserID
		c.Status, c.PaidBy, c.PaidAt = to, &by, &at
		return "subsidy.pay", nil
	})
}

func (s *Service) claimStep(ctx context.Context, p auth.Principal, id ID, period string, act authz.Action, forbidden string, step func(ctx context.Context, c *Claim, at time.Time) (string, error)) (SubsidyItem, error) {
	var out SubsidyItem
	_, err := s.actOn(ctx, p, id, act, forbidden, func(ctx context.Context, l *Loan) (audit.Event, error) {
		c, err := s.store.Claim(ctx, l.ID, period)
		if apperr.KindOf(err) == apperr.NotFound {
			if !ValidPeriod(period) {
				return audit.Event{}, apperr.NotFoundf("the loan has no subsidy period %q", period)
			}
			if _, err := NextClaim(ClaimPending, act, false); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, ErrUnchanged
		}
		if err != nil {
			return audit.Event{}, err
		}
		before := claimView(c)
		from := c.Status
		action, err := step(ctx, &c, s.now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return audit.Event{}, err
		}
		if err := s.store.UpdateClaim(ctx, c, from); err != nil {
			return audit.Event{}, err
		}
		if err := s.audit.Record(ctx, p, action, "subsidy", claimEntity(l.ID, period), before, claimView(c)); err != nil {
			return audit.Event{}, err
		}
		if err := s.tellClaim(ctx, *l, c, action); err != nil {
			return audit.Event{}, err
		}
		out = SubsidyItem{Period: Period{Period: c.Period, Start: c.Start, End: c.End, Days: c.Days,
			Split: Split{Interest: c.Interest, Subsidy: c.Subsidy, Borrower: c.Borrower}}, Status: c.Status, Reason: c.Reason}
		// The claim is written beside the loan, which its lock kept still.
		return audit.Event{}, ErrUnchanged
	})
	return out, apperr.Contextf(err, "%s of loan %d for %s", act, id, period)
}

// SubsidyTotals sums a quarter's claimed subsidy per district and status,
// with each level of government's part, for the finance bureau.
func (s *Service) SubsidyTotals(ctx context.Context, p auth.Principal, period string) (SubsidyTotals, error) {
	scope := s.authz.Scope(p, ActReadSubsidies, Kind)
	if scope.Empty() {
		return SubsidyTotals{}, apperr.Forbiddenf("only finance auditors and HRSS officers read subsidy totals")
	}
	if !ValidPeriod(period) {
		return SubsidyTotals{}, apperr.Field("period", "must be a quarter such as 2024Q2")
	}
	ts, err := s.store.SubsidyTotals(ctx, period, scope)
	if err != nil {
		return SubsidyTotals{}, err
	}
	return BuildSubsidyTotals(period, ts), nil
}
