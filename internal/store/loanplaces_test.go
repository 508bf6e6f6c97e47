package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// A loan names a district and a bank that exist, and a district or bank a
// loan names is neither deleted nor renamed: on PostgreSQL checked once per
// statement (migration 00035), on SQLite by the foreign keys; alike for an
// import, one new loan and an UPDATE of a loan.
func TestLoanPlacesExistAndStay(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	exec := func(q string) error {
		_, err := a.DB.SQL().Exec(q)
		return err
	}
	must := func(q string) {
		t.Helper()
		if err := exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	baseFixture(must)
	must("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411200', '三门峡市', " + fixtureAt + ", " + fixtureAt + ")")
	must("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('CCB-SMX', '建行', " + fixtureAt + ", " + fixtureAt + ")")
	must("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411221', '渑池县', " + fixtureAt + ", " + fixtureAt + ")")
	must("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ABC-SMX', '农行', " + fixtureAt + ", " + fixtureAt + ")")
	n := 0
	newLoan := func(district, bank string) loan.Loan {
		t.Helper()
		n++
		ref := fmt.Sprintf("OLD-%d", n)
		l, err := loan.New(a.Policy, loan.Loan{Number: fmt.Sprintf("DK%s-2024-%06d", district, n), ExternalRef: &ref, Name: "张伟",
			NationalID: "11010519491231002X", KeyGroup: "college_graduate", BorrowerType: "individual", Jobs: 1, DistrictCode: district,
			BankCode: bank, Principal: decimal.NewFromInt(100000), AnnualRate: decimal.RequireFromString("0.0395"),
			SubsidyCap: decimal.NewFromInt(300000), TermMonths: 24, Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1)},
			time.Date(2024, 3, 5, 8, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	reports := store.Reports{DB: a.DB}
	imports := func(loans ...loan.Loan) error {
		return a.DB.InTx(ctx, func(ctx context.Context) error { return reports.InsertLoans(ctx, loans) })
	}
	if err := imports(newLoan("411282", "ICBC-SMX"), newLoan("411200", "CCB-SMX")); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		var c int
		if err := a.DB.SQL().QueryRow("SELECT COUNT(*) FROM loans").Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, c := range []struct {
		name string
		err  error
	}{
		{"an import naming no district", imports(newLoan("411282", "ICBC-SMX"), newLoan("999999", "ICBC-SMX"))},
		{"an import naming no bank", imports(newLoan("411282", "NO-BANK"), newLoan("411282", "ICBC-SMX"))},
	} {
		if apperr.KindOf(c.err) != apperr.Invalid {
			t.Errorf("%s: %v, want it refused as invalid", c.name, c.err)
		}
	}
	if _, err := (store.Loans{DB: a.DB}).Create(ctx, newLoan("999999", "ICBC-SMX")); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("one new loan naming no district: %v, want it refused as invalid", err)
	}
	if got := count(); got != 2 {
		t.Errorf("%d loans after the refused ones, want 2", got)
	}
	for _, q := range []string{
		"UPDATE loans SET district_code = '999999' WHERE external_ref = 'OLD-1'",
		"UPDATE loans SET bank_code = 'NO-BANK' WHERE external_ref = 'OLD-1'",
		"DELETE FROM districts WHERE code = '411200'",
		"UPDATE districts SET code = '411209' WHERE code = '411200'",
		"DELETE FROM banks WHERE code = 'CCB-SMX'",
		"UPDATE banks SET code = 'CCB-X' WHERE code = 'CCB-SMX'",
	} {
		err := exec(q)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			t.Errorf("%s: %v, want a foreign key violation", q, err)
		}
	}
	for _, q := range []string{
		"UPDATE loans SET district_code = '411221', bank_code = 'ABC-SMX' WHERE external_ref = 'OLD-2'",
		"UPDATE districts SET name = '三门峡' WHERE code = '411200'",
		"UPDATE banks SET name = '建设银行' WHERE code = 'CCB-SMX'",
		"DELETE FROM districts WHERE code = '411200'",
		"DELETE FROM banks WHERE code = 'CCB-SMX'",
	} {
		must(q)
	}
	if a.DB.Engine != config.Postgres {
		return
	}
	must("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411222', '陕州区', " + fixtureAt + ", " + fixtureAt + ")")
	// A district deleted while an import naming it is still open waits for
	// the import, then sees its loans and is refused.
	tx, err := a.DB.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec("INSERT INTO loans (number, status, version, name, national_id, gender, borrower_type, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) " +
		"SELECT 'DK-' || i, 'active', 1, '张伟', 'x', 'male', 'individual', '411222', 'ABC-SMX', 100, 100, 39500, 0, 39500, 0, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + fixtureAt + ", " + fixtureAt + " FROM generate_series(1, 3) i"); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	var waiter sql.NullInt64
	go func() { _, err := a.DB.SQL().Exec("DELETE FROM districts WHERE code = '411222'"); deleted <- err }()
	for !waiter.Valid {
		if err := a.DB.SQL().QueryRow("SELECT MIN(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM districts%'").Scan(&waiter); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-deleted:
			t.Fatalf("the delete did not wait for the open import: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err == nil || !strings.Contains(err.Error(), "foreign key") {
		t.Errorf("a district deleted under an open import: %v, want a foreign key violation once the import commits", err)
	}
}
