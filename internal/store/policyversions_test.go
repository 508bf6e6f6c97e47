package store_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"chuangdai/internal/idnum"
)

// TestPolicy2020SubsidyCapCorrection upgrades a database whose loans of
// 2020-01-01 – 2022-12-31 got the 2023 version's subsidy caps: they get those
// of 财金〔2020〕21号 (individual 200,000.00, enterprise 3,000,000.00,
// partnership 220,000.00 per partner ≤ 3,000,000.00); loans of other days
// keep theirs, and a claimed quarter keeps its frozen figures, the
// portfolio's subsidy flows with it.
func TestPolicy2020SubsidyCapCorrection(t *testing.T) {
	ctx := context.Background()
	db, up, exec := beforeMigration(t, "policy_2020_subsidy_cap")
	baseFixture(exec)
	const at = fixtureAt
	two := `[{"name":"甲","national_id":"411282199001010013","key_group":"retired_soldier"},{"name":"乙","national_id":"11010519491231002X","key_group":"retired_soldier"}]`
	insertApplication(exec, 1, "partnership", "411282199001010013", "disbursed", two)
	loans := []struct {
		app, borrower, on   string
		principal, cap, new int64
	}{
		{"NULL", "individual", "2021-06-01", 25000000, 30000000, 20000000}, // above the 2020 cap: subsidised on 200,000.00
		{"NULL", "individual", "2022-12-31", 20000000, 30000000, 20000000},
		{"NULL", "individual", "2020-01-01", 10000000, 30000000, 20000000},
		{"NULL", "individual", "2023-01-01", 20000000, 30000000, 30000000}, // the 2023 version's own day
		{"NULL", "individual", "2019-12-31", 20000000, 30000000, 30000000}, // no version then: not guessed
		{"NULL", "enterprise", "2020-01-01", 350000000, 400000000, 300000000},
		{"NULL", "enterprise", "2024-03-15", 350000000, 400000000, 400000000},
		{"1", "partnership", "2022-03-01", 40000000, 66000000, 44000000},       // two partners listed: 2 × 220,000.00
		{"NULL", "partnership", "2021-06-01", 60000000, 99000000, 66000000},    // imported with 3 partners: 3 × 220,000.00
		{"NULL", "partnership", "2021-06-01", 50000000, 50000000, 50000000},    // imported without partners: its principal
		{"NULL", "partnership", "2021-06-01", 350000000, 350000000, 300000000}, // … at most 3,000,000.00
		{"NULL", "partnership", "2022-01-10", 380000000, 400000000, 300000000}, // 13 partners or more
	}
	for i, l := range loans {
		id := strconv.Itoa(i + 1)
		m, _ := strconv.Atoi(strings.TrimPrefix(l.on[5:7], "0"))
		ref := "'LEG-" + id + "'"
		if l.app != "NULL" {
			ref = "NULL"
		}
		p := strconv.FormatInt(l.principal, 10)
		exec("INSERT INTO loans (id, number, application_id, external_ref, status, version, name, national_id, gender, borrower_type, district_code, bank_code, " +
			"principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, " +
			"disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
			id + ", 'L" + id + "', " + l.app + ", " + ref + ", 'active', 1, '张伟', '" + idnum.WithCheckDigit(fmt.Sprintf("41128219900101%03d", 600+i)) + "', 'male', '" +
			l.borrower + "', '411282', 'ICBC-SMX', " + p + ", " + p + ", 43500, 21500, 22000, " + strconv.FormatInt(l.cap, 10) + ", 24, 'quarterly_interest', '" +
			l.on + "', " + l.on[:4] + ", " + strconv.Itoa(m) + ", " + strconv.Itoa((m-1)/3+1) + ", '2030-01-01', " + at + ", " + at + ")")
	}
	// The first loan's 2021Q3, claimed and paid on 300,000.00 before the
	// correction: 250,000.00 × 2.15% × 92 / 360 = 1373.61 of 2779.17.
	exec("INSERT INTO subsidy_claims (loan_id, period, period_year, period_quarter, start_on, end_on, days, interest_fen, subsidy_fen, borrower_interest_fen, " +
		"status, district_code, bank_code, claimed_by, claimed_at, paid_by, paid_at) VALUES (1, '2021Q3', 2021, 3, '2021-06-21', '2021-09-20', 92, " +
		"277917, 137361, 140556, 'paid', '411282', 'ICBC-SMX', 1, " + at + ", 1, " + at + ")")
	frozen := func() string {
		var claim, flows string
		if err := db.SQL().QueryRowContext(ctx, "SELECT CAST(interest_fen AS TEXT) || '/' || CAST(subsidy_fen AS TEXT) || '/' || status FROM subsidy_claims WHERE loan_id = 1").Scan(&claim); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRowContext(ctx, "SELECT CAST(SUM(subsidy_claimed_fen) AS TEXT) || '/' || CAST(SUM(subsidy_paid_fen) AS TEXT) FROM portfolio_day_flows").Scan(&flows); err != nil {
			t.Fatal(err)
		}
		return claim + " " + flows
	}
	before := frozen()
	if before != "277917/137361/paid 137361/137361" {
		t.Fatalf("fixture: claim and flows %s", before)
	}
	up()
	for i, l := range loans {
		var got int64
		if err := db.SQL().QueryRowContext(ctx, "SELECT subsidy_cap_fen FROM loans WHERE id = "+strconv.Itoa(i+1)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != l.new {
			t.Errorf("loan %d (%s %s, principal %d, cap %d): cap %d after the correction, want %d", i+1, l.borrower, l.on, l.principal, l.cap, got, l.new)
		}
	}
	if after := frozen(); after != before {
		t.Errorf("the claimed quarter and the portfolio's flows changed: %s, were %s", after, before)
	}
}
