package loan

import (
	"context"
	"strconv"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/listing"
	"chuangdai/internal/msg"
)

// ClaimFilter selects the subsidy quarters of a work list by status:
// pending (a quarter that has ended and that nobody claimed yet), claimed
// (waiting for the check), checked (waiting for the payment), paid or
// refused. Period is one quarter; a pending list is always of one quarter,
// by default the last one that ended.
type ClaimFilter struct {
	Status       ClaimStatus
	Period       string
	DistrictCode string
	BankCode     string
	// Query is the start of the loan's number (any case) or of the
	// borrower's name.
	Query string
	// Sort is the order asked for: PendingSortKeys for pending quarters,
	// ClaimSortKeys for the others; the zero Sort is by loan number
	// (pending) or by quarter.
	Sort listing.Sort
}

// PendingSortKeys are the columns a list of pending quarters sorts by: the
// loan's; its amounts are computed for the page.
var PendingSortKeys = []string{"loan_number", "name", "district_code", "bank_code"}

// ClaimSortKeys are the columns a list of claims sorts by.
var ClaimSortKeys = []string{"loan_number", "name", "district_code", "bank_code", "period", "interest", "subsidy", "claimed_at", "checked_at", "paid_at"}

// ClaimLine is one quarter of one loan in a work list.
type ClaimLine struct {
	LoanID       ID
	LoanNumber   string
	Name         string
	DistrictCode string
	BankCode     string
	Period       Period
	Status       ClaimStatus
	Reason       string
	ClaimedAt    *time.Time
	CheckedAt    *time.Time
	PaidAt       *time.Time
}

// QuarterBounds are the first and last day of a period such as 2024Q2.
func QuarterBounds(period string) (time.Time, time.Time) {
	y, _ := strconv.Atoi(period[:4])
	q := int(period[5] - '0')
	start := Date(y, time.Month(3*q-2), 1)
	return start, start.AddDate(0, 3, -1)
}

// lastEndedQuarter is the quarter before the one day falls in.
func lastEndedQuarter(day time.Time) string {
	return Quarter(Date(day.Year(), day.Month(), 1).AddDate(0, -3, 0))
}

// ParseClaimFilter reads a subsidy work list's query: status (default
// pending), period, district_code and bank_code.
func ParseClaimFilter(get func(string) string, f *apperr.Fields) ClaimFilter {
	out := ClaimFilter{Status: ClaimStatus(get("status")), Period: get("period"), DistrictCode: get("district_code"), BankCode: get("bank_code")}
	if out.Status == "" {
		out.Status = ClaimPending
	}
	valid := false
	for _, s := range ClaimStatuses {
		valid = valid || s == out.Status
	}
	if !valid {
		f.Addf("status", "must be one of %s", msg.OneOf("claim_status", ClaimStatuses...))
	}
	if out.Period != "" && !ValidPeriod(out.Period) {
		f.Add("period", "must be a quarter such as 2024Q2")
	}
	out.Query = strings.TrimSpace(get("q"))
	if len([]rune(out.Query)) > 100 {
		f.Add("q", "must be at most 100 characters")
	}
	keys := ClaimSortKeys
	if out.Status == ClaimPending {
		keys = PendingSortKeys
	}
	out.Sort = listing.ParseSort(get("sort"), keys, f)
	return out
}

// Claims lists the subsidy quarters f selects among the loans the caller
// sees, with each quarter's days and amounts: a pending quarter computed
// now from the repayments so far (as the claim would freeze them), the
// others as claimed. A pending quarter that has not ended is refused: it
// cannot be claimed yet.
func (s *Service) Claims(ctx context.Context, p auth.Principal, f ClaimFilter, offset, limit int) ([]ClaimLine, int64, error) {
	scope := s.authz.Scope(p, ActRead, Kind)
	if scope.Empty() || (!s.authz.HasAny(p, ActClaimSubsidy, Kind) && !s.authz.HasAny(p, ActReadSubsidies, Kind)) {
		return nil, 0, apperr.Forbiddenf("only bank officers, HRSS officers and finance auditors read the subsidy work lists")
	}
	today := s.today()
	if f.Status == ClaimPending {
		if f.Period == "" {
			f.Period = lastEndedQuarter(today)
		}
		if _, end := QuarterBounds(f.Period); !end.Before(today) {
			return nil, 0, apperr.Field("period", "the quarter %s has not ended: its subsidy is claimed from %s", f.Period, end.AddDate(0, 0, 1).Format(time.DateOnly))
		}
	}
	lines, total, err := s.store.ClaimLines(ctx, f, scope, offset, limit)
	if err != nil || f.Status != ClaimPending {
		return lines, total, err
	}
	for i := range lines {
		l, err := s.store.Get(ctx, scope, lines[i].LoanID)
		if err != nil {
			return nil, 0, err
		}
		for _, per := range NewLedger(l.Terms(), l.Payments(), today).Periods() {
			if per.Period == f.Period {
				lines[i].Period = per
			}
		}
	}
	return lines, total, nil
}

// BatchAction is one step taken on many quarters at once.
type BatchAction string

// The steps of a batch: the bank claims, an HRSS officer checks (approve or
// refuse with a reason), another pays.
const (
	BatchClaim BatchAction = "claim"
	BatchCheck BatchAction = "check"
	BatchPay   BatchAction = "pay"
)

// MaxBatch is the most quarters one batch takes.
const MaxBatch = 200

// BatchItem names one quarter of one loan.
type BatchItem struct {
	LoanID ID
	Period string
}

// BatchInput is a batch: the step, the quarters, and for a check the
// decision and reason that apply to all of them.
type BatchInput struct {
	Action BatchAction
	Items  []BatchItem
	Check  CheckInput
}

// BatchResult is the outcome of one quarter: the item after the step, or
// the error that refused it (the others go on).
type BatchResult struct {
	BatchItem
	Item SubsidyItem
	Err  error
}

// Batch takes one step on every quarter of in, each in its own transaction
// with every rule of the single step (scope, four eyes, state), and reports
// each quarter's outcome.
func (s *Service) Batch(ctx context.Context, p auth.Principal, in BatchInput) ([]BatchResult, error) {
	if !s.Needs(p, ActClaimSubsidy) && !s.Needs(p, ActCheckSubsidy) && !s.Needs(p, ActPaySubsidy) {
		return nil, apperr.Forbiddenf("only bank officers claim and HRSS officers check and pay subsidy quarters")
	}
	var f apperr.Fields
	switch in.Action {
	case BatchClaim, BatchCheck, BatchPay:
	default:
		f.Add("action", "must be claim, check or pay")
	}
	switch {
	case len(in.Items) == 0:
		f.Add("items", "is required: the quarters, as loan_id and period")
	case len(in.Items) > MaxBatch:
		f.Addf("items", "may list at most %d quarters: send the rest in another batch", MaxBatch)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	out := make([]BatchResult, len(in.Items))
	for i, it := range in.Items {
		out[i].BatchItem = it
		if !ValidPeriod(it.Period) {
			out[i].Err = apperr.NotFoundf("the loan has no subsidy period %q", it.Period)
			continue
		}
		switch in.Action {
		case BatchClaim:
			out[i].Item, out[i].Err = s.ClaimSubsidy(ctx, p, it.LoanID, it.Period)
		case BatchCheck:
			out[i].Item, out[i].Err = s.CheckSubsidy(ctx, p, it.LoanID, it.Period, in.Check)
		case BatchPay:
			out[i].Item, out[i].Err = s.PaySubsidy(ctx, p, it.LoanID, it.Period)
		}
		// A quarter refused by a rule is its own result; a failure of the
		// server stops the batch (the quarters before it are done).
		if k := apperr.KindOf(out[i].Err); out[i].Err != nil && (k == apperr.Internal || k == apperr.Unavailable) {
			return nil, out[i].Err
		}
	}
	return out, nil
}

// Needs reports whether p takes part in act on loans at all (for the
// work list counts).
func (s *Service) Needs(p auth.Principal, act authz.Action) bool { return s.authz.HasAny(p, act, Kind) }
