package policy

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// FundRule is the guarantee fund's leverage rule in force from
// EffectiveFrom: guaranteed principal outstanding may be at most
// LeverageLimit × the fund's balance, or RaisedLimit × when last year's
// repayment rate was at least RaiseAtRepaymentRate (财金〔2020〕21号).
type FundRule struct {
	EffectiveFrom        Date   `yaml:"effective_from"`
	Source               string `yaml:"source"`
	LeverageLimit        Ratio  `yaml:"leverage_limit"`
	RaisedLimit          Ratio  `yaml:"raised_limit"`
	RaiseAtRepaymentRate Ratio  `yaml:"raise_at_repayment_rate"`
}

// defaultFundRules is the national rule, for a policy file written before
// guarantee_fund existed.
func defaultFundRules() []FundRule {
	d := func(s string) Ratio { return Ratio{decimal.RequireFromString(s)} }
	return []FundRule{{EffectiveFrom: Date{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, Source: "财金〔2020〕21号",
		LeverageLimit: d("5"), RaisedLimit: d("10"), RaiseAtRepaymentRate: d("0.90")}}
}

// Fund returns the leverage rule in force on day (the first one for a day
// before it: the fund's books have one rule at any time).
func (p *Policy) Fund(day time.Time) FundRule {
	r := p.FundRules[0]
	for _, x := range p.FundRules {
		if !x.EffectiveFrom.After(day) {
			r = x
		}
	}
	return r
}

// prepareFund checks the fund rules and sorts them.
func (p *Policy) prepareFund() error {
	if len(p.FundRules) == 0 {
		p.FundRules = defaultFundRules()
		return nil
	}
	var errs []error
	for i, r := range p.FundRules {
		switch {
		case r.EffectiveFrom.IsZero():
			errs = append(errs, fmt.Errorf("guarantee_fund[%d]: effective_from is required", i))
		case !r.LeverageLimit.IsPositive() || r.RaisedLimit.LessThan(r.LeverageLimit.Decimal):
			errs = append(errs, fmt.Errorf("guarantee_fund[%d]: leverage_limit must be above 0 and raised_limit at least leverage_limit", i))
		case !r.RaiseAtRepaymentRate.IsPositive() || r.RaiseAtRepaymentRate.GreaterThan(decimal.NewFromInt(1)):
			errs = append(errs, fmt.Errorf("guarantee_fund[%d]: raise_at_repayment_rate must be in (0, 1]", i))
		}
	}
	sort.Slice(p.FundRules, func(i, j int) bool { return p.FundRules[i].EffectiveFrom.Before(p.FundRules[j].EffectiveFrom.Time) })
	return errors.Join(errs...)
}
