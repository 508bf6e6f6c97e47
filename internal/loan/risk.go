package loan

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/msg"
)

// RiskFigures are one bank's or one district's figures for the guarantee
// fund's risk triggers.
type RiskFigures struct {
	// Code is the bank's or the district's code.
	Code string
	// Loans and Outstanding count the active and overdue loans; Overdue is
	// the outstanding principal of the overdue ones.
	Loans       int
	Outstanding decimal.Decimal
	Overdue     decimal.Decimal
	// Disbursed is the principal of every loan ever disbursed (or
	// imported); Compensated the principal the fund compensated.
	Disbursed   decimal.Decimal
	Compensated decimal.Decimal
}

// Triggers are the risk thresholds of the policy version in force on a day.
type Triggers struct {
	From             time.Time
	OverdueRate      *decimal.Decimal
	CompensationRate *decimal.Decimal
	BlockGuarantees  bool
}

// Risk is a row of the risk report: the figures, their rates (nil without a
// base) and which threshold they reach.
type Risk struct {
	RiskFigures
	OverdueRate          *decimal.Decimal
	CompensationRate     *decimal.Decimal
	OverdueBreached      bool
	CompensationBreached bool
}

// Breached reports whether a threshold is reached.
func (r Risk) Breached() bool { return r.OverdueBreached || r.CompensationBreached }

// RiskReport is the risk triggers' view: every bank (figures of the whole
// city, since a bank is blocked everywhere) and the districts of the
// caller's scope.
type RiskReport struct {
	Triggers  Triggers
	Banks     []Risk
	Districts []Risk
}

// rateDigits is the precision of a rate shown (a millionth, as rates are
// stored); the thresholds are compared exactly.
const rateDigits = 6

// Assess computes the rates of f and compares them with t: the overdue
// rate is Overdue ÷ Outstanding, the compensation rate Compensated ÷
// Disbursed; a rate at or above its threshold is breached.
func (t Triggers) Assess(f RiskFigures) Risk {
	r := Risk{RiskFigures: f}
	if f.Outstanding.IsPositive() {
		x := f.Overdue.DivRound(f.Outstanding, rateDigits)
		r.OverdueRate = &x
		r.OverdueBreached = t.OverdueRate != nil && f.Overdue.GreaterThanOrEqual(t.OverdueRate.Mul(f.Outstanding))
	}
	if f.Disbursed.IsPositive() {
		x := f.Compensated.DivRound(f.Disbursed, rateDigits)
		r.CompensationRate = &x
		r.CompensationBreached = t.CompensationRate != nil && f.Compensated.GreaterThanOrEqual(t.CompensationRate.Mul(f.Disbursed))
	}
	return r
}

// triggers are the risk triggers of the version in force on day; a day
// without one answers 409 policy.no_version saying so.
func (s *Service) triggers(day time.Time) (Triggers, error) {
	v, err := s.policy.At(day)
	if err != nil {
		text, _ := msg.TextOf(err)
		return Triggers{}, apperr.WithText(apperr.Conflict, "policy.no_version", text)
	}
	t := Triggers{From: v.EffectiveFrom.Time, BlockGuarantees: v.RiskTriggers.BlockGuarantees}
	if r := v.RiskTriggers.OverdueRate; r != nil {
		t.OverdueRate = &r.Decimal
	}
	if r := v.RiskTriggers.CompensationRate; r != nil {
		t.CompensationRate = &r.Decimal
	}
	return t, nil
}

// Risk is the risk report for guarantee officers, finance auditors and
// administrators.
func (s *Service) Risk(ctx context.Context, p auth.Principal) (RiskReport, error) {
	scope := s.authz.Scope(p, ActReadRisk, Kind)
	if scope.Empty() {
		return RiskReport{}, apperr.Forbiddenf("only guarantee officers, finance auditors and administrators read the risk triggers")
	}
	t, err := s.triggers(s.today())
	if err != nil {
		return RiskReport{}, err
	}
	banks, err := s.store.RiskFigures(ctx, RiskByBank, authz.ListScope{All: true})
	if err != nil {
		return RiskReport{}, err
	}
	districts, err := s.store.RiskFigures(ctx, RiskByDistrict, scope)
	if err != nil {
		return RiskReport{}, err
	}
	out := RiskReport{Triggers: t}
	for _, f := range banks {
		out.Banks = append(out.Banks, t.Assess(f))
	}
	for _, f := range districts {
		out.Districts = append(out.Districts, t.Assess(f))
	}
	return out, nil
}

// RiskGroup is what risk figures are grouped by.
type RiskGroup string

// Risk figures per bank or per district.
const (
	RiskByBank     RiskGroup = "bank_code"
	RiskByDistrict RiskGroup = "district_code"
)

// GuaranteeRisk is the guarantee approval's check (application
// AddGuaranteeCheck): when the policy in force on day blocks guarantees, an
// application of a bank whose figures reach a threshold is refused with 409
// guarantee.risk_blocked, giving the figures.
func (s *Service) GuaranteeRisk(ctx context.Context, a application.Application, day time.Time) error {
	t, err := s.triggers(day)
	if err != nil || !t.BlockGuarantees {
		return err
	}
	figures, err := s.store.RiskFigures(ctx, RiskByBank, authz.ListScope{Banks: []string{a.BankCode}})
	if err != nil {
		return err
	}
	for _, f := range figures {
		if f.Code != a.BankCode {
			continue
		}
		r := t.Assess(f)
		switch {
		case r.OverdueBreached:
			return apperr.WithText(apperr.Conflict, "guarantee.risk_blocked", msg.New("new guarantees with the bank %s are suspended: its overdue rate %s (overdue %s of %s outstanding) reaches the risk trigger %s",
				a.BankCode, msg.Percent(*r.OverdueRate), msg.Money(f.Overdue), msg.Money(f.Outstanding), msg.Percent(*t.OverdueRate)))
		case r.CompensationBreached:
			return apperr.WithText(apperr.Conflict, "guarantee.risk_blocked", msg.New("new guarantees with the bank %s are suspended: its compensation rate %s (compensated %s of %s disbursed) reaches the risk trigger %s",
				a.BankCode, msg.Percent(*r.CompensationRate), msg.Money(f.Compensated), msg.Money(f.Disbursed), msg.Percent(*t.CompensationRate)))
		}
	}
	return nil
}
