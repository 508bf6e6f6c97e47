package loan

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
)

// Get returns one loan the caller may see.
func (s *Service) Get(ctx context.Context, p auth.Principal, id ID) (Loan, error) {
	return s.load(ctx, p, id)
}

// List returns the loans in the caller's scope.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, offset, limit int) ([]Loan, int64, error) {
	scope := s.authz.Scope(p, ActRead, Kind)
	if scope.Empty() {
		return nil, 0, apperr.Forbiddenf("your role does not see loans")
	}
	return s.store.List(ctx, f, scope, offset, limit)
}

// Schedule is a loan's due dates as it runs, with their sums.
type Schedule struct {
	Method Method
	Lines  []DueLine
	// Principal sums the lines' principal instalments, Total their
	// interest, subsidy and borrower interest.
	Principal decimal.Decimal
	Total     Split
}

// Schedule returns the loan's due dates as it runs today: the contract's
// principal instalments and each period's interest, subsidy and borrower
// part as in the subsidy table (one computation, claimed quarters as
// claimed), with each line's state, and their sums.
func (s *Service) Schedule(ctx context.Context, p auth.Principal, id ID) (Schedule, error) {
	l, err := s.load(ctx, p, id)
	if err != nil {
		return Schedule{}, err
	}
	claims, err := s.claimsByPeriod(ctx, l.ID)
	if err != nil {
		return Schedule{}, apperr.Contextf(err, "schedule of loan %d", id)
	}
	lines := NewLedger(l.Terms(), l.Payments(), s.today()).Lines()
	for i := range lines {
		if c, ok := claims[lines[i].Period.Period]; ok {
			lines[i].Days, lines[i].Split = c.Days, Split{Interest: c.Interest, Subsidy: c.Subsidy, Borrower: c.Borrower}
		}
	}
	return NewSchedule(l.Method, lines), nil
}

// NewSchedule is the schedule of lines, summed.
func NewSchedule(m Method, lines []DueLine) Schedule {
	out := Schedule{Method: m, Lines: lines}
	for _, l := range lines {
		out.Principal = out.Principal.Add(l.Principal)
		out.Total = Split{Interest: out.Total.Interest.Add(l.Interest), Subsidy: out.Total.Subsidy.Add(l.Subsidy),
			Borrower: out.Total.Borrower.Add(l.Borrower)}
	}
	return out
}

func (s *Service) claimsByPeriod(ctx context.Context, loanID ID) (map[string]Claim, error) {
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
func (s *Service) Statement(ctx context.Context, p auth.Principal, id ID, asOf string) (Statement, error) {
	l, err := s.load(ctx, p, id)
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
