package loan

import (
	"testing"

	"github.com/shopspring/decimal"
)

// An extended equal-principal loan keeps the contract's instalments before
// the original maturity; the one due at it moves to the new maturity, and
// the due date the extension adds carries none. 100,000.00 at 3.95%
// (subsidy 1.975%) from 2024-03-15 for 12 months, extended from 2025-03-15
// to 2025-06-15.
func TestExtendedInstalmentsAndSubsidy(t *testing.T) {
	d := decimal.RequireFromString
	terms := Terms{Principal: d("100000.00"), AnnualRate: d("0.0395"), SubsidyRate: d("0.01975"), SubsidyCap: d("300000.00"),
		DisbursedOn: Date(2024, 3, 15), Maturity: Date(2025, 6, 15), OriginalMaturity: Date(2025, 3, 15), Method: EqualPrincipal}
	lines := terms.Schedule()
	want := []struct {
		due, principal, interest, subsidy string
	}{
		// 100,000.00, 75,000.00 and 50,000.00 outstanding for 97, 92 and 91
		// days: 1064.305… → 1064.31 (532.152… → 532.15), 757.083… → 757.08
		// (378.541… → 378.54), 499.236… → 499.24 (249.618… → 249.62).
		{"2024-06-20", "25000.00", "1064.31", "532.15"},
		{"2024-09-20", "25000.00", "757.08", "378.54"},
		{"2024-12-20", "25000.00", "499.24", "249.62"},
		// 25,000.00 for 90 days: 25000 × 0.0395 × 90 / 360 = 246.875 →
		// 246.88; subsidised the 85 days to 15 March: 25000 × 0.01975 × 85
		// / 360 = 116.579… → 116.58.
		{"2025-03-20", "0.00", "246.88", "116.58"},
		// 87 days after it, no subsidy: 25000 × 0.0395 × 87 / 360 = 238.645… → 238.65.
		{"2025-06-15", "25000.00", "238.65", "0.00"},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines %v", lines)
	}
	for i, w := range want {
		l := lines[i]
		if l.DueOn.Format("2006-01-02") != w.due || !l.Principal.Equal(d(w.principal)) || !l.Interest.Equal(d(w.interest)) || !l.Subsidy.Equal(d(w.subsidy)) {
			t.Errorf("line %d: %s %s %s %s, want %v", i, l.DueOn.Format("2006-01-02"), l.Principal, l.Interest, l.Subsidy, w)
		}
	}
	// The ledger (subsidy table, statement) agrees with the contract
	// schedule for a loan paid as agreed.
	var pays []Payment
	for _, l := range lines {
		pays = append(pays, Payment{PaidOn: l.DueOn, Principal: l.Principal, Interest: l.Borrower})
	}
	for i, p := range NewLedger(terms, pays, Date(2025, 7, 1)).Periods() {
		if !p.Interest.Equal(lines[i].Interest) || !p.Subsidy.Equal(lines[i].Subsidy) {
			t.Errorf("period %s: %s / %s, schedule %s / %s", p.Period, p.Interest, p.Subsidy, lines[i].Interest, lines[i].Subsidy)
		}
	}
}
