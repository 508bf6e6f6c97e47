package report

import (
	"testing"
	"time"

	"chuangdai/internal/money"
)

func fen(v int64) *int64 { return &v }

func TestBuildProgressRoundsHalfUpAndSumsTheFen(t *testing.T) {
	units := []Unit{
		{Code: "411200", Name: "市本级", TargetFen: fen(100_000_000), ReturneeFen: fen(20_000_000)},
		{Code: "411202", Name: "湖滨区", TargetFen: fen(300_000_000)},
		{Code: "411203", Name: "陕州区"},
		{Code: "411221", Name: "渑池县", TargetFen: fen(150_000_00)},
		{Code: "411224", Name: "卢氏县"},
	}
	all := []Bucket{
		{Key: "411200", Loans: 3, AmountFen: 12_345_000}, // 123,450.00 / 1,000,000.00 = 12.345 % → 12.35
		{Key: "411202", Loans: 1, AmountFen: 3_999_900},  // 39,999.00 / 3,000,000.00 = 1.3333 % → 1.33
		{Key: "411203", Loans: 2, AmountFen: 5_000_000},  // no target → null
		{Key: "411221", Loans: 1, AmountFen: 2_466_750},  // 24,667.50 / 150,000.00 = 16.445 % → 16.45
	}
	returnee := []Bucket{{Key: "411200", Loans: 1, AmountFen: 2_469_000}} // 24,690.00 / 200,000.00 = 12.345 % → 12.35
	p := BuildProgress(2024, time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC), units, all, returnee)

	want := []struct {
		code, amount, target, pct string
		loans                     int64
	}{
		{"411200", "123450.00", "1000000.00", "12.35", 3},
		{"411202", "39999.00", "3000000.00", "1.33", 1},
		{"411203", "50000.00", "", "", 2},
		{"411221", "24667.50", "150000.00", "16.45", 1},
	}
	if len(p.Rows) != len(want) {
		t.Fatalf("%d rows, want %d (卢氏县 has neither target nor loans)", len(p.Rows), len(want))
	}
	for i, w := range want {
		r := p.Rows[i]
		if r.DistrictCode != w.code || r.Loans != w.loans || money.Format(r.Amount) != w.amount || optAmt(r.TargetAmount) != w.target || optStr(r.CompletionPct) != w.pct {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	// Total: 238,116.50 of 4,150,000.00 = 5.7377…% → 5.74; the rounded row
	// percentages would sum to 30.13, which is not the total's.
	tot := p.Total
	if tot.Loans != 7 || money.Format(tot.Amount) != "238116.50" || optAmt(tot.TargetAmount) != "4150000.00" || optStr(tot.CompletionPct) != "5.74" || tot.DistrictName != TotalLabel {
		t.Errorf("total %+v", tot)
	}
	if len(p.Returnee.Rows) != 1 || optStr(p.Returnee.Rows[0].CompletionPct) != "12.35" || optStr(p.Returnee.Total.CompletionPct) != "12.35" {
		t.Errorf("returnee block %+v", p.Returnee)
	}
}

func TestBuildProgressWithoutTargets(t *testing.T) {
	p := BuildProgress(2023, time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC), []Unit{{Code: "411200", Name: "市本级"}}, nil, nil)
	if len(p.Rows) != 0 || p.Total.CompletionPct != nil || p.Total.TargetAmount != nil || p.Total.Loans != 0 || !p.Total.Amount.IsZero() {
		t.Errorf("empty bulletin %+v", p)
	}
	if p.Rows == nil || p.Returnee.Rows == nil {
		t.Error("rows must be empty lists, not null")
	}
}

func TestPercentRoundingAtTheHalf(t *testing.T) {
	for _, tc := range []struct {
		part, whole int64
		want        string
	}{
		{12_345, 100_000, "12.35"}, // exactly 12.345
		{12_344_999, 100_000_000, "12.34"},
		{1, 200_000, "0.00"}, // 0.0005 % → 0.00
		{1, 20_000, "0.01"},  // 0.005 % → 0.01
		{2, 3, "66.67"},      // 66.666…
		{1, 3, "33.33"},      // 33.333…
		{3_000, 2_000, "150.00"},
	} {
		got := money.Percent(money.FromFen(tc.part), money.FromFen(tc.whole))
		if got == nil || *got != tc.want {
			t.Errorf("%d / %d = %v, want %s", tc.part, tc.whole, got, tc.want)
		}
	}
}

func TestBuildDisbursementsTotalsAndJobs(t *testing.T) {
	buckets := []Bucket{
		{Key: "411200", Loans: 2, AmountFen: 100, JobsPlanned: 6, JobsCreated: 5},
		{Key: "411202", Loans: 1, AmountFen: 50, JobsPlanned: 2, JobsCreated: 1},
	}
	names := map[string]string{"411200": "市本级", "411202": "湖滨区"}
	d := BuildDisbursements(time.Time{}, time.Time{}, ByDistrict, buckets, func(k string) string { return names[k] }, map[string]int64{"411200": 8, "411203": 12})
	if d.Rows[0].Label != "市本级" || optInt(d.Rows[0].JobsTarget) != "8" || optStr(d.Rows[0].JobsPct) != "62.50" || d.Rows[1].JobsTarget != nil {
		t.Errorf("rows %+v", d.Rows)
	}
	// The total's target counts every district's, with loans or not: 6 of 20.
	if d.Total.Loans != 3 || money.Format(d.Total.Amount) != "1.50" || d.Total.JobsCreated != 6 || optInt(d.Total.JobsTarget) != "20" || optStr(d.Total.JobsPct) != "30.00" {
		t.Errorf("total %+v", d.Total)
	}
	plain := BuildDisbursements(time.Time{}, time.Time{}, ByIndustry, buckets, func(k string) string { return k }, nil)
	if plain.Total.JobsTarget != nil || plain.Rows[0].JobsPct != nil {
		t.Errorf("jobs targets without grouping by district: %+v", plain.Total)
	}
}

func TestPortfolioPosition(t *testing.T) {
	flows := []Flows{
		{DistrictCode: "411200", DisbursedLoans: 3, DisbursedFen: 60_000_000, RepaidFen: 5_000_000, CompensatedLoans: 1, CompensatedFen: 20_000_000,
			FundPaidFen: 16_000_000, RecoveredFen: 5_000_000, MaturedLoans: 2, MaturedPrincipalFen: 40_000_000, MaturedUnpaidFen: 15_000_000,
			OverdueLoans: 1, OverdueFen: 7_000_000},
		{DistrictCode: "411202", DisbursedLoans: 1, DisbursedFen: 30_000_000, MaturedLoans: 1, MaturedPrincipalFen: 30_000_000, MaturedUnpaidFen: 1},
	}
	p := BuildPortfolio(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), map[string]string{"411200": "市本级", "411202": "湖滨区"}, flows)
	r := p.Rows[0]
	// Outstanding 600,000 − 50,000 − 200,000 = 350,000.00; overdue 70,000 of it = 20.00 %;
	// 400,000 matured, 150,000 unpaid: 62.50 % came back.
	if money.Format(r.Outstanding) != "350000.00" || optStr(r.OverdueRate) != "20.00" || money.Format(r.MaturedRepaid) != "250000.00" || optStr(r.RecoveryRate) != "62.50" || r.DistrictName != "市本级" {
		t.Errorf("row %+v", r)
	}
	// Total: 700,000 matured, 150,000.01 unpaid → 549,999.99 / 700,000 = 78.5714…% → 78.57.
	tot := p.Total
	if money.Format(tot.Outstanding) != "650000.00" || tot.Loans != 4 || optStr(tot.RecoveryRate) != "78.57" || optStr(tot.OverdueRate) != "10.77" {
		t.Errorf("total %+v", tot)
	}
	if e := BuildPortfolio(time.Time{}, nil, nil); e.Total.RecoveryRate != nil || e.Total.OverdueRate != nil || e.Rows == nil {
		t.Errorf("empty portfolio %+v", e)
	}
}

// Jobs (带动就业) against the jobs target, per unit and for the city: the
// total's jobs and target are the sums of the rows', its percentage computed
// once from them; a unit with only a jobs target is a row; the returnee
// block counts its jobs against no target.
func TestBuildProgressJobs(t *testing.T) {
	units := []Unit{
		{Code: "411200", Name: "市本级", TargetFen: fen(100_000_000), Jobs: fen(40)},
		{Code: "411202", Name: "湖滨区", Jobs: fen(800)},
		{Code: "411203", Name: "陕州区"},
		{Code: "411224", Name: "卢氏县", Jobs: fen(8)},
	}
	all := []Bucket{
		{Key: "411200", Loans: 3, AmountFen: 12_345_000, JobsPlanned: 7, JobsCreated: 1}, // 7 / 40 = 17.50 %
		{Key: "411202", Loans: 1, AmountFen: 3_999_900, JobsPlanned: 1},                  // 1 / 800 = 0.125 % → 0.13
		{Key: "411203", Loans: 2, AmountFen: 5_000_000, JobsPlanned: 4},                  // no jobs target → null
	}
	returnee := []Bucket{{Key: "411200", Loans: 1, AmountFen: 2_469_000, JobsPlanned: 2}}
	p := BuildProgress(2024, time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC), units, all, returnee)
	want := []struct {
		code        string
		jobs        int64
		target, pct string
	}{
		{"411200", 7, "40", "17.50"},
		{"411202", 1, "800", "0.13"},
		{"411203", 4, "", ""},
		{"411224", 0, "8", "0.00"}, // no loans, but a jobs target: a row
	}
	if len(p.Rows) != len(want) {
		t.Fatalf("rows %+v", p.Rows)
	}
	for i, w := range want {
		r := p.Rows[i]
		if r.DistrictCode != w.code || r.Jobs != w.jobs || optInt(r.JobsTarget) != w.target || optStr(r.JobsPct) != w.pct {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	// 12 jobs of 40 + 800 + 8 = 848: 1.41509…% → 1.42.
	if tot := p.Total; tot.Jobs != 12 || optInt(tot.JobsTarget) != "848" || optStr(tot.JobsPct) != "1.42" {
		t.Errorf("total %+v", tot)
	}
	if r := p.Returnee.Rows; len(r) != 1 || r[0].Jobs != 2 || r[0].JobsTarget != nil || r[0].JobsPct != nil || p.Returnee.Total.Jobs != 2 || p.Returnee.Total.JobsTarget != nil {
		t.Errorf("returnee block %+v", p.Returnee)
	}
}
