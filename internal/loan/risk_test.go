package loan

import (
	"testing"

	"github.com/shopspring/decimal"
)

// The triggers are reached at or above their thresholds, compared exactly.
func TestTriggersAssess(t *testing.T) {
	d := decimal.RequireFromString
	three, five := d("0.03"), d("0.05")
	tr := Triggers{OverdueRate: &three, CompensationRate: &five}
	cases := []struct {
		name                                         string
		outstanding, overdue, disbursed, compensated string
		overdueRate, compensationRate                string
		overdueBreached, compensationBreached        bool
	}{
		// 30,000.00 of 1,000,000.00 is exactly 3%: reached.
		{"at the thresholds", "1000000.00", "30000.00", "2000000.00", "100000.00", "0.03", "0.05", true, true},
		// 29,999.99 is 2.9999990%: shown as 0.030000 (a millionth), not reached.
		{"a fen below", "1000000.00", "29999.99", "2000000.00", "99999.99", "0.03", "0.05", false, false},
		// 1/3 → 0.333333.
		{"a third", "300000.00", "100000.00", "600000.00", "200000.00", "0.333333", "0.333333", true, true},
	}
	for _, c := range cases {
		r := tr.Assess(RiskFigures{Outstanding: d(c.outstanding), Overdue: d(c.overdue), Disbursed: d(c.disbursed), Compensated: d(c.compensated)})
		if !r.OverdueRate.Equal(d(c.overdueRate)) || !r.CompensationRate.Equal(d(c.compensationRate)) ||
			r.OverdueBreached != c.overdueBreached || r.CompensationBreached != c.compensationBreached {
			t.Errorf("%s: %v %v %v %v", c.name, r.OverdueRate, r.CompensationRate, r.OverdueBreached, r.CompensationBreached)
		}
	}
	// Without a base there is no rate and no breach; without a threshold no breach.
	r := tr.Assess(RiskFigures{Outstanding: decimal.Zero, Overdue: decimal.Zero, Disbursed: decimal.Zero, Compensated: decimal.Zero})
	if r.OverdueRate != nil || r.CompensationRate != nil || r.Breached() {
		t.Errorf("empty: %+v", r)
	}
	if (Triggers{}).Assess(RiskFigures{Outstanding: d("1.00"), Overdue: d("1.00"), Disbursed: d("1.00"), Compensated: d("1.00")}).Breached() {
		t.Error("no thresholds, yet breached")
	}
}
