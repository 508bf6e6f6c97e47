package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// figureLoans inserts the loans of the exposure and subsidy tests: in 灵宝市
// an active one (1), an overdue one (2), a compensated one partly recovered
// (3) and a settled one (7); in 义马市 one written off (4) and an imported
// active one (6); in 卢氏县 only a cancelled one (5).
func figureLoans(t *testing.T, db *store.DB) {
	t.Helper()
	district(t, db, "411224", "卢氏县")
	exec := sqlExec(t, db)
	for id := 1; id <= 7; id++ {
		ref := "NULL"
		if id == 6 {
			ref = "'OLD-1'"
		}
		insertLoan(exec, id, "NULL", ref, "11010519491231002X", "individual", 10000000, 30000000)
	}
	for _, q := range []string{
		"UPDATE loans SET status = 'overdue', outstanding_fen = 8000000, overdue_since = '2024-06-01' WHERE id = 2",
		"UPDATE loans SET status = 'compensated', outstanding_fen = 6000000, compensated_on = '2024-07-02', compensation_fen = 6000000, fund_share_ppm = 800000, fund_paid_fen = 4800000, bank_borne_fen = 1200000, recovered_fen = 1000000, recovered_fund_fen = 800000 WHERE id = 3",
		"UPDATE loans SET district_code = '411281', bank_code = 'RCB-LB', status = 'written_off', outstanding_fen = 5000000, compensated_on = '2024-07-02', compensation_fen = 5000000, fund_share_ppm = 800000, fund_paid_fen = 4000000, bank_borne_fen = 1000000, written_off_on = '2024-08-01', written_off_fen = 5000000, written_off_fund_fen = 4000000 WHERE id = 4",
		"UPDATE loans SET status = 'cancelled', district_code = '411224' WHERE id = 5",
		"UPDATE loans SET district_code = '411281', bank_code = 'RCB-LB' WHERE id = 6",
		"UPDATE loans SET status = 'settled', outstanding_fen = 0, settled_on = '2024-09-01' WHERE id = 7",
	} {
		exec(q)
	}
}

// TestExposureOpenLoansAndFundShare: the fund's position by district and by
// compensated loan (fund and bank sides), by hand: a cancelled loan counts
// nowhere (卢氏县 has no row), a scope sees its districts only; the open loans the daily job
// visits are the active and overdue ones not imported; a bank's fund share
// is its setting, none when unset.
func TestExposureOpenLoansAndFundShare(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	figureLoans(t, db)
	ctx := context.Background()
	loans := store.Loans{DB: db}
	line := func(e loan.Exposure) string {
		return fmt.Sprintf("%s %s %d out %s over %s comp %s rec %s off %s bank %s %s %s", e.DistrictCode, e.LoanNumber, e.Loans,
			e.Outstanding.StringFixed(2), e.Overdue.StringFixed(2), e.Compensated.StringFixed(2), e.Recovered.StringFixed(2), e.WrittenOff.StringFixed(2),
			e.BankCompensated.StringFixed(2), e.BankRecovered.StringFixed(2), e.BankWrittenOff.StringFixed(2))
	}
	for _, c := range []struct {
		what   string
		scope  authz.ListScope
		byLoan bool
		want   []string
	}{
		{"by district", authz.ListScope{All: true}, false, []string{
			"411281  1 out 100000.00 over 0.00 comp 40000.00 rec 0.00 off 40000.00 bank 10000.00 0.00 10000.00",
			"411282  2 out 180000.00 over 80000.00 comp 48000.00 rec 8000.00 off 0.00 bank 12000.00 2000.00 0.00",
		}},
		{"by district, 灵宝市's scope", authz.ListScope{Districts: []string{"411282"}}, false, []string{
			"411282  2 out 180000.00 over 80000.00 comp 48000.00 rec 8000.00 off 0.00 bank 12000.00 2000.00 0.00",
		}},
		{"by loan", authz.ListScope{All: true}, true, []string{
			"411282 L3 0 out 0.00 over 0.00 comp 48000.00 rec 8000.00 off 0.00 bank 12000.00 2000.00 0.00",
			"411281 L4 0 out 0.00 over 0.00 comp 40000.00 rec 0.00 off 40000.00 bank 10000.00 0.00 10000.00",
		}},
		{"by loan, 义马市's bank", authz.ListScope{Banks: []string{"RCB-LB"}}, true, []string{
			"411281 L4 0 out 0.00 over 0.00 comp 40000.00 rec 0.00 off 40000.00 bank 10000.00 0.00 10000.00",
		}},
	} {
		es, err := loans.Exposure(ctx, c.scope, c.byLoan)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, line(e))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("exposure %s:\n  got  %q\n  want %q", c.what, got, c.want)
		}
	}

	ids, err := loans.OpenLoanIDs(ctx)
	if err != nil || fmt.Sprint(ids) != "[1 2]" {
		t.Errorf("open loans: %v, %v; want [1 2]", ids, err)
	}

	sqlExec(t, db)("UPDATE banks SET compensation_fund_share_ppm = 800000 WHERE code = 'ICBC-SMX'")
	if share, err := loans.FundShare(ctx, "ICBC-SMX"); err != nil || share == nil || share.StringFixed(2) != "0.80" {
		t.Errorf("ICBC-SMX's fund share: %v, %v; want 0.80", share, err)
	}
	if share, err := loans.FundShare(ctx, "RCB-LB"); err != nil || share != nil {
		t.Errorf("RCB-LB's fund share (unset): %v, %v; want none", share, err)
	}
}

// TestSubsidyTotals: a quarter's claims by district, status and funding
// shares (the loan's regime, none when the loan has none), by hand; other
// quarters are left out and a scope sees its districts only.
func TestSubsidyTotals(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	figureLoans(t, db)
	exec := sqlExec(t, db)
	exec("UPDATE loans SET subsidy_central_ppm = 600000, subsidy_provincial_ppm = 200000, subsidy_city_ppm = 100000, subsidy_county_ppm = 100000 WHERE id = 2")
	claim := func(loanID int, period, status, district, bank string, interest, subsidy int) {
		exec(fmt.Sprintf("INSERT INTO subsidy_claims (loan_id, period, period_year, period_quarter, start_on, end_on, days, interest_fen, subsidy_fen, borrower_interest_fen, status, district_code, bank_code) "+
			"VALUES (%d, '%s', 2024, %s, '2024-04-01', '2024-06-30', 91, %d, %d, %d, '%s', '%s', '%s')", loanID, period, period[len(period)-1:], interest, subsidy, interest-subsidy, status, district, bank))
	}
	claim(1, "2024Q2", "claimed", "411282", "ICBC-SMX", 98750, 49375)
	claim(7, "2024Q2", "claimed", "411282", "ICBC-SMX", 50000, 25000)
	claim(2, "2024Q2", "claimed", "411282", "ICBC-SMX", 79000, 39500)
	claim(3, "2024Q2", "checked", "411282", "ICBC-SMX", 60000, 30000)
	claim(6, "2024Q2", "paid", "411281", "RCB-LB", 98750, 49375)
	claim(1, "2024Q1", "paid", "411282", "ICBC-SMX", 97000, 48500)
	line := func(s loan.SubsidyTotal) string {
		f := "none"
		if s.Funding != nil {
			f = s.Funding.Central.StringFixed(2) + "/" + s.Funding.Provincial.StringFixed(2) + "/" + s.Funding.City.StringFixed(2) + "/" + s.Funding.County.StringFixed(2)
		}
		return fmt.Sprintf("%s %s %s %d %s %s", s.DistrictCode, s.Status, f, s.Loans, s.Interest.StringFixed(2), s.Subsidy.StringFixed(2))
	}
	for _, c := range []struct {
		scope authz.ListScope
		want  []string
	}{
		{authz.ListScope{All: true}, []string{
			"411281 paid none 1 987.50 493.75",
			"411282 checked none 1 600.00 300.00",
			"411282 claimed 0.60/0.20/0.10/0.10 1 790.00 395.00",
			"411282 claimed none 2 1487.50 743.75",
		}},
		{authz.ListScope{Districts: []string{"411281"}}, []string{"411281 paid none 1 987.50 493.75"}},
		{authz.ListScope{Banks: []string{"ICBC-SMX"}}, []string{
			"411282 checked none 1 600.00 300.00",
			"411282 claimed 0.60/0.20/0.10/0.10 1 790.00 395.00",
			"411282 claimed none 2 1487.50 743.75",
		}},
	} {
		ts, err := store.Loans{DB: db}.SubsidyTotals(context.Background(), "2024Q2", c.scope)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range ts {
			got = append(got, line(s))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("subsidy totals of 2024Q2 in %+v:\n  got  %q\n  want %q", c.scope, got, c.want)
		}
	}
}
