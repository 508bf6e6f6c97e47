// Package policy holds the dated policy parameters of configs/policy.yaml:
// caps, terms, ratios, the subsidy share, the LPR table and the working-day
// calendar. Every business limit is read from here, never written in code.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"chuangdai/configs"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
)

// Date is a calendar day in YAML (2024-03-15).
type Date struct{ time.Time }

// UnmarshalYAML reads YYYY-MM-DD.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a date YYYY-MM-DD", n.Line, n.Value)
	}
	d.Time = t
	return nil
}

// Amount is a money value in YAML ("300000.00").
type Amount struct{ decimal.Decimal }

// UnmarshalYAML reads a money string.
func (a *Amount) UnmarshalYAML(n *yaml.Node) error {
	d, err := money.Parse(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q %v", n.Line, n.Value, err)
	}
	a.Decimal = d
	return nil
}

// Ratio is a decimal fraction in YAML ("0.10").
type Ratio struct{ decimal.Decimal }

// UnmarshalYAML reads a decimal fraction.
func (r *Ratio) UnmarshalYAML(n *yaml.Node) error {
	d, err := money.ParseRate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q %v", n.Line, n.Value, err)
	}
	r.Decimal = d
	return nil
}

// Version is the set of parameters in force from EffectiveFrom.
type Version struct {
	EffectiveFrom Date   `yaml:"effective_from"`
	Source        string `yaml:"source"`
	WorkingAge    struct {
		Min int `yaml:"min"`
		Max int `yaml:"max"`
	} `yaml:"working_age"`
	Individual struct {
		Cap           Amount `yaml:"cap"`
		MaxTermMonths int    `yaml:"max_term_months"`
	} `yaml:"individual"`
	Partnership struct {
		Factor        Ratio  `yaml:"factor"`
		Cap           Amount `yaml:"cap"`
		MaxTermMonths int    `yaml:"max_term_months"`
	} `yaml:"partnership"`
	Enterprise struct {
		Cap             Amount `yaml:"cap"`
		MaxTermMonths   int    `yaml:"max_term_months"`
		HireRatio       Ratio  `yaml:"hire_ratio"`
		LargeStaffAbove int    `yaml:"large_staff_above"`
		HireRatioLarge  Ratio  `yaml:"hire_ratio_large"`
	} `yaml:"enterprise"`
	MaxLoansPerPerson   int      `yaml:"max_loans_per_person"`
	AllowedOtherLoans   []string `yaml:"allowed_other_loans"`
	ConsumerCreditLimit Amount   `yaml:"consumer_credit_limit"`
	CounterGuarantee    struct {
		WaivedIndividualUpTo Amount   `yaml:"waived_individual_up_to"`
		WaivedBaseLevels     []string `yaml:"waived_base_levels"`
	} `yaml:"counter_guarantee"`
	RateCapOverLPRbp int `yaml:"rate_cap_over_lpr_bp"`
	Subsidy          struct {
		// Share is how policy files written before subsidy_regimes set the
		// treasury's share of the contract rate; see prepareSubsidy.
		Share         Ratio  `yaml:"share"`
		CapIndividual Amount `yaml:"cap_individual"`
		CapEnterprise Amount `yaml:"cap_enterprise"`
	} `yaml:"subsidy"`
	Compensation struct {
		FundShare Ratio `yaml:"fund_share"`
	} `yaml:"compensation"`
	ServiceDays map[string]int `yaml:"service_days"`
	// Extension bounds the extensions (展期) of a loan: at most MaxCount,
	// the new maturity at most MaxMonths after the contract's. Zero: the
	// version allows none.
	Extension struct {
		MaxCount  int `yaml:"max_count"`
		MaxMonths int `yaml:"max_months"`
	} `yaml:"extension"`
	// RiskTriggers are the thresholds at which a bank or district is
	// flagged (nil: no such trigger), and whether a flagged bank's
	// applications may still be guaranteed.
	RiskTriggers struct {
		OverdueRate      *Ratio `yaml:"overdue_rate"`
		CompensationRate *Ratio `yaml:"compensation_rate"`
		BlockGuarantees  bool   `yaml:"block_guarantees"`
	} `yaml:"risk_triggers"`
}

// LPRPoint is one published one-year LPR.
type LPRPoint struct {
	From Date  `yaml:"from"`
	Rate Ratio `yaml:"rate"`
}

// Policy is the whole parameter file.
type Policy struct {
	Versions []Version `yaml:"versions"`
	// SubsidyRegimes are the subsidy methods by contract day.
	SubsidyRegimes []SubsidyRegime `yaml:"subsidy_regimes"`
	LPR1Y          []LPRPoint      `yaml:"lpr_1y"`
	Calendar       struct {
		Holidays []Date `yaml:"holidays"`
		Workdays []Date `yaml:"workdays"`
	} `yaml:"calendar"`
	// Documents are the dated document checklists.
	Documents []Documents `yaml:"documents"`
	// FundRules are the guarantee fund's dated leverage rules.
	FundRules []FundRule `yaml:"guarantee_fund"`
	// Industries is the list applicants choose their industry from; a file
	// without one takes the built-in list.
	Industries []Industry `yaml:"industries"`
	// Awards are the dated award (奖补) rules.
	Awards   []AwardRule `yaml:"awards"`
	holidays map[civilDay]bool
	workdays map[civilDay]bool
}

// civilDay is a calendar day as the calendar maps key it: comparing three
// integers is much cheaper than formatting the day, and a deadline walk asks
// for every day it passes.
type civilDay struct{ year, month, day int }

func civilOf(t time.Time) civilDay {
	y, m, d := t.Date()
	return civilDay{y, int(m), d}
}

// Load reads the policy file at path, or the built-in copy when path is "".
func Load(path string) (*Policy, error) {
	b := configs.Policy
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("policy file: %w", err)
		}
	}
	return Parse(b)
}

// Parse reads policy YAML and checks it.
func Parse(b []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	if err := errors.Join(p.check(), p.prepareSubsidy(), p.prepareAwards(), p.prepareFund()); err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	sort.Slice(p.Versions, func(i, j int) bool { return p.Versions[i].EffectiveFrom.Before(p.Versions[j].EffectiveFrom.Time) })
	sort.Slice(p.LPR1Y, func(i, j int) bool { return p.LPR1Y[i].From.Before(p.LPR1Y[j].From.Time) })
	p.sortDocuments()
	if len(p.Industries) == 0 {
		var err error
		if p.Industries, err = defaultIndustries(); err != nil {
			return nil, fmt.Errorf("built-in industries: %w", err)
		}
	}
	p.holidays, p.workdays = map[civilDay]bool{}, map[civilDay]bool{}
	for _, d := range p.Calendar.Holidays {
		p.holidays[civilOf(d.Time)] = true
	}
	for _, d := range p.Calendar.Workdays {
		p.workdays[civilOf(d.Time)] = true
	}
	return &p, nil
}

func (p *Policy) check() error {
	var errs []error
	if len(p.Versions) == 0 {
		errs = append(errs, errors.New("versions: at least one version is needed"))
	}
	for i, v := range p.Versions {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("versions[%d] (%s): "+format, append([]any{i, v.EffectiveFrom.Format(time.DateOnly)}, args...)...))
		}
		if v.EffectiveFrom.IsZero() {
			bad("effective_from is required")
		}
		if v.WorkingAge.Min <= 0 || v.WorkingAge.Max <= v.WorkingAge.Min {
			bad("working_age needs 0 < min < max")
		}
		if !v.Individual.Cap.IsPositive() || !v.Partnership.Cap.IsPositive() || !v.Enterprise.Cap.IsPositive() {
			bad("every cap must be above 0")
		}
		if v.Individual.MaxTermMonths <= 0 || v.Partnership.MaxTermMonths <= 0 || v.Enterprise.MaxTermMonths <= 0 {
			bad("every max_term_months must be above 0")
		}
		if v.MaxLoansPerPerson <= 0 {
			bad("max_loans_per_person must be above 0")
		}
		if v.Subsidy.Share.IsNegative() || v.Subsidy.Share.GreaterThan(decimal.NewFromInt(1)) {
			bad("subsidy.share must be in (0, 1]")
		}
		if v.Compensation.FundShare.GreaterThan(decimal.NewFromInt(1)) {
			bad("compensation.fund_share must be at most 1")
		}
		if v.Extension.MaxCount < 0 || v.Extension.MaxMonths < 0 || (v.Extension.MaxCount > 0) != (v.Extension.MaxMonths > 0) {
			bad("extension needs max_count and max_months both above 0 (or both 0: no extension)")
		}
		for name, r := range map[string]*Ratio{"overdue_rate": v.RiskTriggers.OverdueRate, "compensation_rate": v.RiskTriggers.CompensationRate} {
			if r != nil && (!r.IsPositive() || r.GreaterThan(decimal.NewFromInt(1))) {
				bad("risk_triggers.%s must be in (0, 1]", name)
			}
		}
		for _, stage := range []string{"eligibility_review", "guarantee_review", "bank_review"} {
			if v.ServiceDays[stage] <= 0 {
				bad("service_days.%s must be above 0", stage)
			}
		}
	}
	if len(p.LPR1Y) == 0 {
		errs = append(errs, errors.New("lpr_1y: at least one rate is needed"))
	}
	errs = append(errs, p.checkDocuments(), p.checkIndustries())
	return errors.Join(errs...)
}

// At returns the version in force on day: the latest one effective on or
// before it. A version never applies before its own date, so a day before
// the first version has none: At answers an error saying so (a field
// message), never the first version's numbers.
func (p *Policy) At(day time.Time) (Version, error) {
	for i := len(p.Versions) - 1; i >= 0; i-- {
		if !p.Versions[i].EffectiveFrom.After(day) {
			return p.Versions[i], nil
		}
	}
	return Version{}, msg.Err("there is no policy version in force on %s, so the caps cannot be checked: add the version of that time to the policy file first", day.Format(time.DateOnly))
}

// ErrNoLPR is returned for a day before the first published rate.
var ErrNoLPR = msg.Err("no one-year LPR is configured for that date: add it to lpr_1y in the policy file")

// LPR returns the one-year LPR in force on day.
func (p *Policy) LPR(day time.Time) (decimal.Decimal, error) {
	var rate *decimal.Decimal
	for i := range p.LPR1Y {
		if !p.LPR1Y[i].From.After(day) {
			rate = &p.LPR1Y[i].Rate.Decimal
		}
	}
	if rate == nil {
		return decimal.Zero, ErrNoLPR
	}
	return *rate, nil
}

// RateCap returns the highest contract rate allowed on day: LPR + the spread.
func (p *Policy) RateCap(day time.Time) (decimal.Decimal, error) {
	v, err := p.At(day)
	if err != nil {
		return decimal.Zero, err
	}
	lpr, err := p.LPR(day)
	if err != nil {
		return lpr, err
	}
	return lpr.Add(decimal.New(int64(v.RateCapOverLPRbp), -4)), nil
}

// IsWorkingDay reports whether day is a working day in the calendar.
func (p *Policy) IsWorkingDay(day time.Time) bool {
	key := civilOf(day)
	if p.workdays[key] {
		return true
	}
	if p.holidays[key] {
		return false
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the day n working days after start (start itself
// does not count), in start's location, at the end of that day.
func (p *Policy) AddWorkingDays(start time.Time, n int) time.Time {
	d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if p.IsWorkingDay(d) {
			n--
		}
	}
	return d.Add(24*time.Hour - time.Nanosecond)
}

// AllowsOtherLoan reports whether a declared other loan kind is allowed.
func (v Version) AllowsOtherLoan(kind string) bool { return slices.Contains(v.AllowedOtherLoans, kind) }
