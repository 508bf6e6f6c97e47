package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestSubsidyRegimeCorrection upgrades a database whose loans all got the
// treasury share of 50%, whatever their contract day: loans of 2021–2022 get
// the lpr_minus regime (the borrower's rate up to LPR − 1.50% of the day),
// loans before 2021 lose their subsidy, loans from 2023 keep their rates.
func TestSubsidyRegimeCorrection(t *testing.T) {
	ctx := context.Background()
	db, up, exec := beforeMigration(t, "subsidy_regimes")
	const at = fixtureAt
	placesFixture(exec)
	// Each loan as the old code stored it: subsidy = annual × 50% (half-up
	// to a millionth), borrower = the rest.
	loans := []struct {
		on          string
		annual      int64
		method      string
		from        string
		sub, borrow int64
		withFunding bool
	}{
		{"2020-12-31", 43500, "none", "", 0, 43500, false},
		// LPR 3.85% → the borrower up to 2.35%.
		{"2021-01-01", 43500, "lpr_minus", "2021-01-01", 20000, 23500, true},
		// LPR 3.80% (2021-12-20) → 2.30%; 3.95% − 2.30% = 1.65%.
		{"2021-12-20", 39500, "lpr_minus", "2021-01-01", 16500, 23000, true},
		// The worked example: LPR 3.70% → 2.20%; 4.35% − 2.20% = 2.15%.
		{"2022-03-01", 43500, "lpr_minus", "2021-01-01", 21500, 22000, true},
		// LPR 3.65% (2022-08-22) → 2.15%; a rate of 2.00% is all the borrower's.
		{"2022-12-31", 20000, "lpr_minus", "2021-01-01", 0, 20000, true},
		// From 2023 the share regime: unchanged, 3.9501% → 1.97505% (half-up to 1.9751%).
		{"2023-01-01", 39501, "share", "2023-01-01", 19751, 19750, true},
	}
	for i, l := range loans {
		id := strconv.Itoa(i + 1)
		year, month := l.on[:4], strings.TrimPrefix(l.on[5:7], "0")
		m, _ := strconv.Atoi(month)
		old := (l.annual + 1) / 2
		exec("INSERT INTO loans (id, number, external_ref, status, version, name, national_id, gender, borrower_type, district_code, bank_code, " +
			"principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, " +
			"disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
			id + ", 'DK-" + id + "', 'LEG-" + id + "', 'active', 1, '王五', '11010519491231002X', 'female', 'individual', '411282', 'ICBC-SMX', " +
			"20000000, 20000000, " + strconv.FormatInt(l.annual, 10) + ", " + strconv.FormatInt(old, 10) + ", " + strconv.FormatInt(l.annual-old, 10) +
			", 30000000, 12, 'quarterly_interest', '" + l.on + "', " + year + ", " + month + ", " + strconv.Itoa((m-1)/3+1) + ", '2030-01-01', " + at + ", " + at + ")")
	}
	up()
	for i, l := range loans {
		var method string
		var from *string
		var sub, borrow int64
		var central, provincial, city, county *int64
		err := db.SQL().QueryRowContext(ctx, "SELECT subsidy_method, CAST(subsidy_regime_from AS TEXT), subsidy_rate_ppm, borrower_rate_ppm, "+
			"subsidy_central_ppm, subsidy_provincial_ppm, subsidy_city_ppm, subsidy_county_ppm FROM loans WHERE id = "+strconv.Itoa(i+1)).
			Scan(&method, &from, &sub, &borrow, &central, &provincial, &city, &county)
		if err != nil {
			t.Fatal(err)
		}
		gotFrom := ""
		if from != nil {
			gotFrom = (*from)[:10]
		}
		if method != l.method || gotFrom != l.from || sub != l.sub || borrow != l.borrow {
			t.Errorf("%s: %s %q %d/%d, want %s %q %d/%d", l.on, method, gotFrom, sub, borrow, l.method, l.from, l.sub, l.borrow)
		}
		funded := central != nil && *central == 500000 && *provincial == 250000 && *city == 250000 && *county == 0
		if funded != l.withFunding || (!l.withFunding && central != nil) {
			t.Errorf("%s: funding %v %v %v %v", l.on, central, provincial, city, county)
		}
	}
}
