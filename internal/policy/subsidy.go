package policy

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// The methods of splitting a loan's contract rate between the treasury and
// the borrower (DOMAIN.md "The loan").
const (
	// MethodShare: the treasury pays Share of the contract rate.
	MethodShare = "share"
	// MethodLPRMinus: the borrower pays the contract rate up to LPR −
	// SpreadBP of the contract day (all of it when the contract rate is
	// lower), the treasury the rest.
	MethodLPRMinus = "lpr_minus"
)

// Funding is how the subsidy is paid for by level of government, as
// fractions adding up to 1.
type Funding struct {
	Central    Ratio `yaml:"central"`
	Provincial Ratio `yaml:"provincial"`
	City       Ratio `yaml:"city"`
	County     Ratio `yaml:"county"`
}

// SubsidyRegime is the subsidy method in force for loans contracted from
// EffectiveFrom until the next regime.
type SubsidyRegime struct {
	EffectiveFrom Date   `yaml:"effective_from"`
	Source        string `yaml:"source"`
	Method        string `yaml:"method"`
	Share         Ratio  `yaml:"share"`
	SpreadBP      int    `yaml:"spread_bp"`
	// Funding is nil only for a regime taken from an old policy file that
	// did not say.
	Funding *Funding `yaml:"funding"`
}

// Spread is SpreadBP as a decimal fraction (150 bp = 0.0150).
func (r SubsidyRegime) Spread() decimal.Decimal { return decimal.New(int64(r.SpreadBP), -4) }

// Subsidy returns the subsidy regime in force for a loan contracted on day,
// and false for a day before the first regime: such a loan has no subsidy.
func (p *Policy) Subsidy(day time.Time) (SubsidyRegime, bool) {
	var out SubsidyRegime
	found := false
	for _, r := range p.SubsidyRegimes {
		if !r.EffectiveFrom.After(day) {
			out, found = r, true
		}
	}
	return out, found
}

// FirstSubsidy is the day of the first subsidy regime.
func (p *Policy) FirstSubsidy() time.Time { return p.SubsidyRegimes[0].EffectiveFrom.Time }

// prepareSubsidy checks the subsidy regimes and sorts them. A policy file
// written before regimes existed gives each version's subsidy.share as a
// share regime from that version's date; a file with regimes may not also
// carry shares in its versions (one number, one place).
func (p *Policy) prepareSubsidy() error {
	var legacy []SubsidyRegime
	for _, v := range p.Versions {
		if !v.Subsidy.Share.IsZero() {
			legacy = append(legacy, SubsidyRegime{EffectiveFrom: v.EffectiveFrom, Source: v.Source, Method: MethodShare, Share: v.Subsidy.Share})
		}
	}
	switch {
	case len(p.SubsidyRegimes) == 0 && len(legacy) == 0:
		return errors.New("subsidy_regimes: at least one regime is needed")
	case len(p.SubsidyRegimes) == 0:
		p.SubsidyRegimes = legacy
	case len(legacy) > 0:
		return errors.New("versions[].subsidy.share: the subsidy method is set in subsidy_regimes; remove share from the versions")
	default:
		for _, r := range p.SubsidyRegimes {
			if r.Funding == nil {
				return fmt.Errorf("subsidy_regimes (%s): funding (central, provincial, city, county) is required", r.EffectiveFrom.Format(time.DateOnly))
			}
		}
	}
	sort.Slice(p.SubsidyRegimes, func(i, j int) bool {
		return p.SubsidyRegimes[i].EffectiveFrom.Before(p.SubsidyRegimes[j].EffectiveFrom.Time)
	})
	one := decimal.NewFromInt(1)
	var errs []error
	for i, r := range p.SubsidyRegimes {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("subsidy_regimes[%d] (%s): "+format, append([]any{i, r.EffectiveFrom.Format(time.DateOnly)}, args...)...))
		}
		if r.EffectiveFrom.IsZero() {
			bad("effective_from is required")
		}
		if i > 0 && r.EffectiveFrom.Equal(p.SubsidyRegimes[i-1].EffectiveFrom.Time) {
			bad("two regimes from the same day")
		}
		switch r.Method {
		case MethodShare:
			if !r.Share.IsPositive() || r.Share.GreaterThan(one) || r.SpreadBP != 0 {
				bad("method share needs share in (0, 1] and no spread_bp")
			}
		case MethodLPRMinus:
			if r.SpreadBP < 0 || !r.Share.IsZero() {
				bad("method lpr_minus needs spread_bp ≥ 0 and no share")
			}
		default:
			bad("method must be %s or %s", MethodShare, MethodLPRMinus)
		}
		if r.Funding == nil {
			continue
		}
		f := r.Funding
		parts := []decimal.Decimal{f.Central.Decimal, f.Provincial.Decimal, f.City.Decimal, f.County.Decimal}
		sum := decimal.Zero
		for _, x := range parts {
			if x.IsNegative() {
				bad("funding shares must not be negative")
			}
			sum = sum.Add(x)
		}
		if !sum.Equal(one) {
			bad("funding shares (central, provincial, city, county) add up to %s, not 1", sum)
		}
	}
	return errors.Join(errs...)
}
