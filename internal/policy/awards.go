package policy

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// AwardRule is the award (奖补) rule in force from EffectiveFrom: a handling
// bank or guarantee body that meets every indicator is awarded Rate × its
// new issuance of the year.
type AwardRule struct {
	EffectiveFrom Date   `yaml:"effective_from"`
	Source        string `yaml:"source"`
	Rate          Ratio  `yaml:"rate"`
	// MinRecoveryRate is the least cumulative recovery rate of matured
	// loans (as in the portfolio report), a fraction.
	MinRecoveryRate Ratio `yaml:"min_recovery_rate"`
	// MinLeverage is the least leverage of the guarantee fund (guaranteed
	// principal outstanding ÷ fund balance), a multiple.
	MinLeverage Ratio `yaml:"min_leverage"`
}

// Award returns the award rule of a year: the one in force on its last day,
// and false when none is (a year before the first rule has none).
func (p *Policy) Award(year int) (AwardRule, bool) {
	day := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	var out AwardRule
	found := false
	for _, r := range p.Awards {
		if !r.EffectiveFrom.After(day) {
			out, found = r, true
		}
	}
	return out, found
}

func (p *Policy) prepareAwards() error {
	sort.Slice(p.Awards, func(i, j int) bool { return p.Awards[i].EffectiveFrom.Before(p.Awards[j].EffectiveFrom.Time) })
	one := decimal.NewFromInt(1)
	var errs []error
	for i, r := range p.Awards {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("awards[%d] (%s): "+format, append([]any{i, r.EffectiveFrom.Format(time.DateOnly)}, args...)...))
		}
		if r.EffectiveFrom.IsZero() {
			bad("effective_from is required")
		}
		if i > 0 && r.EffectiveFrom.Equal(p.Awards[i-1].EffectiveFrom.Time) {
			bad("two award rules from the same day")
		}
		if !r.Rate.IsPositive() || r.Rate.GreaterThan(one) {
			bad("rate must be in (0, 1]")
		}
		if r.MinRecoveryRate.IsNegative() || r.MinRecoveryRate.GreaterThan(one) {
			bad("min_recovery_rate must be in [0, 1]")
		}
		if r.MinLeverage.IsNegative() {
			bad("min_leverage must not be negative")
		}
	}
	return errors.Join(errs...)
}
