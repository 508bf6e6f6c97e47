package loan

import (
	"testing"
	"time"

	"chuangdai/internal/policy"
)

// The shipped regimes: lpr_minus 150 bp from 2021-01-01, share 50% from
// 2023-01-01, nothing before. Every figure was worked by hand.
func TestContractRatesByRegime(t *testing.T) {
	p, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, day, annual         string
		method, subsidy, borrower string
	}{
		// The worked example of DOMAIN.md: LPR on 2022-03-01 is 3.70% (from
		// 2022-01-20); 3.70% − 1.50% = 2.20% for the borrower, 4.35% − 2.20%
		// = 2.15% for the treasury.
		{"worked example", "2022-03-01", "0.0435", policy.MethodLPRMinus, "0.0215", "0.022"},
		// 2021-06-01: LPR 3.85% (from 2020-04-20) → the borrower up to 2.35%.
		{"first regime day's LPR", "2021-06-01", "0.0385", policy.MethodLPRMinus, "0.015", "0.0235"},
		// A contract rate below LPR − 150 bp: the borrower pays all of it.
		{"rate below LPR − spread", "2022-09-01", "0.0200", policy.MethodLPRMinus, "0", "0.02"},
		// 2022-12-31, the regime's last day: LPR 3.65% → 2.15%; 4.15% − 2.15% = 2.00%.
		{"last day of lpr_minus", "2022-12-31", "0.0415", policy.MethodLPRMinus, "0.02", "0.0215"},
		// 2023-01-01: share 50% of 3.95% = 1.975% each.
		{"share regime", "2023-01-01", "0.0395", policy.MethodShare, "0.01975", "0.01975"},
		// Before 2021-01-01 there is no regime: no subsidy.
		{"before the first regime", "2020-12-31", "0.0435", NoSubsidy, "0", "0.0435"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg, sub, bor, err := ContractRates(p, day(c.day), dec(c.annual))
			if err != nil {
				t.Fatal(err)
			}
			if reg.Method != c.method || sub.String() != c.subsidy || bor.String() != c.borrower {
				t.Fatalf("got %s %s/%s, want %s %s/%s", reg.Method, sub, bor, c.method, c.subsidy, c.borrower)
			}
			if !sub.Add(bor).Equal(dec(c.annual)) {
				t.Fatalf("%s + %s is not %s", sub, bor, c.annual)
			}
			switch {
			case c.method == NoSubsidy && (reg.From != nil || reg.Funding != nil):
				t.Fatalf("no subsidy but a regime %+v", reg)
			case c.method != NoSubsidy && (reg.From == nil || reg.Funding == nil || reg.Funding.Central.String() != "0.5"):
				t.Fatalf("regime %+v", reg)
			}
		})
	}
}

// A quarter of the worked example: 200,000.00 from 2022-03-01 to 2022-06-20
// (111 days) at 4.35%: 200000 × 0.0435 × 111 / 360 = 2682.50; the treasury's
// 200000 × 0.0215 × 111 / 360 = 1325.8333… → 1325.83; the borrower
// 2682.50 − 1325.83 = 1356.67 (200000 × 0.022 × 111 / 360 = 1356.666…).
func TestWorkedExampleQuarter(t *testing.T) {
	p, _ := policy.Load("")
	_, sub, _, err := ContractRates(p, day("2022-03-01"), dec("0.0435"))
	if err != nil {
		t.Fatal(err)
	}
	terms := Terms{Principal: dec("200000.00"), AnnualRate: dec("0.0435"), SubsidyRate: sub, SubsidyCap: dec("300000.00"),
		DisbursedOn: day("2022-03-01"), Maturity: Maturity(day("2022-03-01"), 12), Method: InterestQuarterly}
	first := terms.Schedule()[0]
	if first.DueOn.Format(time.DateOnly) != "2022-06-20" || first.Days != 111 || first.Interest.String() != "2682.5" ||
		first.Subsidy.String() != "1325.83" || first.Borrower.String() != "1356.67" {
		t.Fatalf("first quarter %+v", first)
	}
}
