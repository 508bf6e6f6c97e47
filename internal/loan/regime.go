package loan

import (
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/policy"
)

// NoSubsidy is the subsidy method of a loan contracted before the first
// subsidy regime of the policy: the borrower pays the whole contract rate.
const NoSubsidy = "none"

// Funding is the share of a loan's subsidy each level of government pays.
type Funding struct {
	Central, Provincial, City, County decimal.Decimal
}

// Regime is the subsidy regime a loan was contracted under, kept with the
// loan: later policy versions never change it.
type Regime struct {
	// Method is policy.MethodShare, policy.MethodLPRMinus or NoSubsidy.
	Method string
	// From is the effective day of the regime (nil without subsidy).
	From *time.Time
	// Funding is nil without subsidy, or when the policy did not say.
	Funding *Funding
}

// ContractRates returns the subsidy regime of a loan contracted on day at
// the annual rate, with the treasury's and the borrower's parts of the
// rate; the two add up to the annual rate.
//
//   - share: the treasury pays share × annual, rounded half-up to a
//     millionth (so it can be stored exactly).
//   - lpr_minus: the borrower pays min(annual, LPR − spread) with the LPR of
//     the contract day, the treasury the rest: 2022-03-01 at 4.35% with LPR
//     3.70% and 150 bp → borrower 2.20%, treasury 2.15%.
//   - before the first regime: no subsidy, the borrower pays it all.
func ContractRates(p *policy.Policy, day time.Time, annual decimal.Decimal) (reg Regime, subsidy, borrower decimal.Decimal, err error) {
	r, ok := p.Subsidy(day)
	if !ok {
		return Regime{Method: NoSubsidy}, decimal.Zero, annual, nil
	}
	from := r.EffectiveFrom.Time
	reg = Regime{Method: r.Method, From: &from}
	if f := r.Funding; f != nil {
		reg.Funding = &Funding{Central: f.Central.Decimal, Provincial: f.Provincial.Decimal, City: f.City.Decimal, County: f.County.Decimal}
	}
	if r.Method == policy.MethodShare {
		subsidy, borrower = SubsidyRate(annual, r.Share.Decimal)
		return reg, subsidy, borrower, nil
	}
	lpr, err := p.LPR(day)
	if err != nil {
		return reg, decimal.Zero, annual, err
	}
	borrower = decimal.Min(annual, decimal.Max(lpr.Sub(r.Spread()), decimal.Zero))
	return reg, annual.Sub(borrower), borrower, nil
}
