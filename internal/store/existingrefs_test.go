package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"chuangdai/internal/store"
)

// ExistingRefs answers exactly which of the references are loans' own,
// across the statements it splits a long list into on SQLite (512
// references a statement; PostgreSQL takes them all as one array): 15,001
// imported loans, asked about with a hundred references that are no loan's
// mixed in.
func TestExistingRefsAcrossStatements(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	const n = 15_001
	sqlExec(t, db)("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + fmt.Sprint(n) + ") " +
		"INSERT INTO loans (number, external_ref, status, version, name, national_id, gender, borrower_type, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) " +
		"SELECT 'DK-' || i, 'X' || i, 'active', 1, '张伟', '11010519491231002X', 'male', 'individual', '411282', 'ICBC-SMX', 10000000, 10000000, 39500, 19750, 19750, 30000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + fixtureAt + ", " + fixtureAt + " FROM s")
	var refs []string
	for i := 1; i <= n; i++ {
		refs = append(refs, fmt.Sprintf("X%d", i))
		if i%150 == 0 {
			refs = append(refs, fmt.Sprintf("Y%d", i))
		}
	}
	got, err := store.Reports{DB: db}.ExistingRefs(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Errorf("%d references found, want %d", len(got), n)
	}
	for _, r := range []string{"X1", "X512", "X513", "X15000", "X15001"} {
		if !got[r] {
			t.Errorf("%s is a loan's reference and was not found", r)
		}
	}
	for r := range got {
		if r[0] != 'X' {
			t.Errorf("%s is no loan's reference and was found", r)
		}
	}
}

// ExistingRefs finds references holding what an array literal or a list
// would have to quote (on PostgreSQL they go as one array of text).
func TestExistingRefsQuoted(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	refs := []string{`a"b`, `c\d`, `e,f`, `{g}`, ` h `, `NULL`, `i'j`, `中文`}
	for i, r := range refs {
		if _, err := db.SQL().Exec("INSERT INTO loans (number, external_ref, status, version, name, national_id, gender, borrower_type, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) " +
			"VALUES ('DK-" + fmt.Sprint(i) + "', " + sqlQuote(r) + ", 'active', 1, '张伟', '11010519491231002X', 'male', 'individual', '411282', 'ICBC-SMX', 10000000, 10000000, 39500, 19750, 19750, 30000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + fixtureAt + ", " + fixtureAt + ")"); err != nil {
			t.Fatal(err)
		}
	}
	asked := append([]string{`a"`, `c\\d`, `e`, `g`, `h`, ``}, refs...)
	got, err := store.Reports{DB: db}.ExistingRefs(context.Background(), asked)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(refs) {
		t.Errorf("found %v, want exactly %q", got, refs)
	}
	for _, r := range refs {
		if !got[r] {
			t.Errorf("%q is a loan's reference and was not found", r)
		}
	}
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
