package report

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/money"
	"chuangdai/internal/policy"
)

// Indicator codes of the awards.
const (
	IndicatorRecovery = "recovery_rate"
	IndicatorLeverage = "fund_leverage"
)

// The guarantee body of the awards: the city's guarantee centre, which
// runs the one guarantee fund and guarantees every loan.
const (
	GuaranteeBodyCode = "guarantee_centre"
	GuaranteeBodyName = "创业贷款担保中心"
)

// FundDay is the guarantee fund on a day: its ledger balance, whether it
// was on the books, and the guaranteed principal outstanding: the loans'
// (disbursed − repaid − compensated, as the portfolio counts it on that
// day) and the commitments (approved by the guarantee centre, not yet
// disbursed that day), OutstandingFen their sum.
type FundDay struct {
	BalanceFen     int64
	Opened         bool
	LoansFen       int64
	CommittedFen   int64
	OutstandingFen int64
}

// Matured is what of the loans matured by a day came back, per bank: the
// matured principal and what of it is unpaid (open balance, or compensation
// not recovered), as in the portfolio's recovery rate.
type Matured struct {
	BankCode     string
	PrincipalFen int64
	UnpaidFen    int64
}

// Indicator is one condition of an award: the value reached (nil when it
// cannot be measured), the threshold and whether it is met.
type Indicator struct {
	Code      string
	Value     *decimal.Decimal
	Threshold decimal.Decimal
	Met       bool
}

// Awardee is a handling bank (or the city's total) with its new issuance of
// the year, its indicators and its award, in fen.
type Awardee struct {
	Code        string
	Name        string
	Loans       int64
	IssuanceFen int64
	Indicators  []Indicator
	Eligible    bool
	AwardFen    int64
}

// Awards is the award (奖补) report of a year: the handling banks with
// their total, and the guarantee bodies.
type Awards struct {
	Year            int
	AsOf            time.Time
	Rule            policy.AwardRule
	Banks           []Awardee
	Total           Awardee
	GuaranteeBodies []Awardee
	Fund            FundDay
}

// recoveryIndicator is the cumulative recovery rate of the matured loans, a
// fraction with four decimals (half-up); met compares the exact ratio. With
// nothing matured the rate is not defined and the indicator is not met.
func recoveryIndicator(m Matured, threshold decimal.Decimal) Indicator {
	in := Indicator{Code: IndicatorRecovery, Threshold: threshold}
	if m.PrincipalFen <= 0 {
		return in
	}
	repaid := decimal.NewFromInt(m.PrincipalFen - m.UnpaidFen)
	principal := decimal.NewFromInt(m.PrincipalFen)
	pct := money.Percent(repaid, principal)
	v := decimal.RequireFromString(*pct).Shift(-2)
	in.Value = &v
	in.Met = repaid.GreaterThanOrEqual(threshold.Mul(principal))
	return in
}

// leverageIndicator is the fund's leverage on the day, guaranteed
// principal outstanding ÷ ledger balance with four decimals (half-up); met
// compares the exact ratio. A fund not on the books, or with no positive
// balance, has no leverage and the indicator is not met.
func leverageIndicator(f FundDay, threshold decimal.Decimal) Indicator {
	in := Indicator{Code: IndicatorLeverage, Threshold: threshold}
	if !f.Opened || f.BalanceFen <= 0 {
		return in
	}
	out, bal := decimal.NewFromInt(f.OutstandingFen), decimal.NewFromInt(f.BalanceFen)
	v := out.Div(bal).Round(4)
	in.Value = &v
	in.Met = out.GreaterThanOrEqual(threshold.Mul(bal))
	return in
}

// award is rate × issuance rounded half-up to the fen when every indicator
// is met, else nothing.
func award(a *Awardee, rate decimal.Decimal) {
	a.Eligible = len(a.Indicators) > 0
	for _, in := range a.Indicators {
		a.Eligible = a.Eligible && in.Met
	}
	if a.Eligible {
		a.AwardFen = money.MustFen(money.RoundFen(money.FromFen(a.IssuanceFen).Mul(rate)))
	}
}

// BuildAwards makes one row per bank (every bank named, in code order) from
// the year's issuance per bank and the matured loans per bank, the total,
// and the guarantee centre's row: the year's whole issuance (it guarantees
// every loan) against the fund's leverage on asOf.
func BuildAwards(year int, asOf time.Time, rule policy.AwardRule, names map[string]string, issued []Bucket, matured []Matured, fund FundDay) Awards {
	out := Awards{Year: year, AsOf: asOf, Rule: rule, Banks: []Awardee{}, Fund: fund}
	iss, mat := byKey(issued), map[string]Matured{}
	for _, m := range matured {
		mat[m.BankCode] = m
	}
	codes := make([]string, 0, len(names))
	for c := range names {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		a := Awardee{Code: c, Name: names[c], Loans: iss[c].Loans, IssuanceFen: iss[c].AmountFen,
			Indicators: []Indicator{recoveryIndicator(mat[c], rule.MinRecoveryRate.Decimal)}}
		award(&a, rule.Rate.Decimal)
		out.Banks = append(out.Banks, a)
		out.Total.Loans += a.Loans
		out.Total.IssuanceFen += a.IssuanceFen
		out.Total.AwardFen += a.AwardFen
	}
	out.Total.Name = TotalLabel
	body := Awardee{Code: GuaranteeBodyCode, Name: GuaranteeBodyName, Loans: out.Total.Loans, IssuanceFen: out.Total.IssuanceFen,
		Indicators: []Indicator{leverageIndicator(fund, rule.MinLeverage.Decimal)}}
	award(&body, rule.Rate.Decimal)
	out.GuaranteeBodies = []Awardee{body}
	return out
}

// AwardQuery is the award report's parameters as sent.
type AwardQuery struct {
	Year string
}

// Awards is the award (奖补) report of a year (default this year): per
// handling bank and for the guarantee centre the new issuance from 1
// January through 31 December (or today), the award rate of the policy rule
// in force on 31 December, the indicators as of that day and the award.
func (s *Service) Awards(ctx context.Context, p auth.Principal, q AwardQuery) (Awards, error) {
	if err := s.requireReader(p); err != nil {
		return Awards{}, err
	}
	today := s.today()
	year := today.Year()
	if v := strings.TrimSpace(q.Year); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			return Awards{}, apperr.Field("year", "must be a year such as 2024")
		}
		year = y
	}
	if year > today.Year() {
		return Awards{}, apperr.Field("year", "is in the future: awards are for a year that has begun")
	}
	rule, ok := s.policy.Award(year)
	if !ok {
		return Awards{}, apperr.Field("year", "no award rule of the policy is in force on %d-12-31: add one to awards in the policy file", year)
	}
	asOf := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	if asOf.After(today) {
		asOf = today
	}
	issued, err := s.store.Disbursed(ctx, ByBank, time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), asOf)
	if err != nil {
		return Awards{}, apperr.Contextf(err, "sum the loans each bank disbursed in %d for the awards", year)
	}
	matured, err := s.store.Matured(ctx, asOf)
	if err != nil {
		return Awards{}, apperr.Contextf(err, "sum the loans matured by %s for the awards", asOf.Format(time.DateOnly))
	}
	names, err := s.store.Names(ctx, ByBank)
	if err != nil {
		return Awards{}, apperr.Contextf(err, "read the bank names for the awards")
	}
	fund, err := s.store.FundDay(ctx, asOf)
	if err != nil {
		return Awards{}, apperr.Contextf(err, "read the guarantee fund on %s for the awards", asOf.Format(time.DateOnly))
	}
	return BuildAwards(year, asOf, rule, names, issued, matured, fund), nil
}
