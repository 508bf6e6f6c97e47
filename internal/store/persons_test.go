package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// insertApplication inserts an application of account 1.
func insertApplication(exec func(string), id int, borrower, nationalID, status, partners string) {
	const at = fixtureAt
	s := strconv.Itoa(id)
	exec("INSERT INTO applications (id, number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, district_code, bank_code, amount_fen, term_months, created_year, created_at, updated_at, partners) VALUES (" +
		s + ", '411282-2024-00000" + s + "', '" + status + "', 2, 1, '" + borrower + "', '张伟', '" + nationalID + "', '1990-01-01', false, '411282', 'ICBC-SMX', 1000000000, 24, 2024, " + at + ", " + at + ", '" + partners + "')")
}

// insertLoan inserts an active loan; app and ref are SQL (NULL or a value).
func insertLoan(exec func(string), id int, app, ref, nationalID, borrower string, principalFen, capFen int64) {
	const at = fixtureAt
	p, c := strconv.FormatInt(principalFen, 10), strconv.FormatInt(capFen, 10)
	exec("INSERT INTO loans (id, number, application_id, external_ref, status, version, name, national_id, gender, borrower_type, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
		strconv.Itoa(id) + ", 'L" + strconv.Itoa(id) + "', " + app + ", " + ref + ", 'active', 1, '张伟', '" + nationalID + "', 'male', '" + borrower + "', '411282', 'ICBC-SMX', " + p + ", " + p + ", 39500, 19750, 19750, " + c + ", 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + at + ", " + at + ")")
}

// TestApplicationPersonsBackfill upgrades a database made before
// application_persons: every application gets its lead row and a row per
// partner of its partners JSON (the lead listed again keeps one lead row),
// rows of a disbursed application carry its loan, an imported loan gets its
// lead row, and rows are verified once eligibility was approved or a loan
// exists.
func TestApplicationPersonsBackfill(t *testing.T) {
	db, up, exec := beforeMigration(t, "application_persons")
	baseFixture(exec)
	const lead, p2, p3 = "411282199001010013", "11010519491231002X", "440524188001010014"
	partners := `[{"name":"甲","national_id":"` + lead + `","key_group":"retired_soldier"},{"name":"乙","national_id":"` + p2 + `","key_group":"retired_soldier"}]`
	apps := []struct {
		id              int
		borrower, nid   string
		status, partner string
		approved        bool
	}{
		{1, "partnership", lead, "disbursed", partners, true},
		{2, "partnership", p3, "draft", `[{"name":"丙","national_id":"` + strings.ToLower(p2) + `","key_group":"retired_soldier"}]`, false},
		{3, "individual", p3, "guarantee_review", "[]", true},
	}
	for _, a := range apps {
		insertApplication(exec, a.id, a.borrower, a.nid, a.status, a.partner)
		if a.approved {
			exec("INSERT INTO application_history (application_id, at, actor_id, actor, action, from_status, to_status) VALUES (" +
				strconv.Itoa(a.id) + ", " + fixtureAt + ", 1, 'officer', 'approve', 'eligibility_review', 'guarantee_review')")
		}
	}
	insertLoan(exec, 7, "1", "NULL", lead, "partnership", 10000000, 30000000)
	insertLoan(exec, 8, "NULL", "'OLD-1'", strings.ToLower(p3), "individual", 10000000, 30000000)
	up()
	rows, err := db.SQL().QueryContext(context.Background(), "SELECT COALESCE(application_id, 0), COALESCE(loan_id, 0), national_id, role, verified FROM application_persons ORDER BY COALESCE(application_id, 99), national_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var app, ln int64
		var nid, role string
		var verified bool
		if err := rows.Scan(&app, &ln, &nid, &role, &verified); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{strconv.FormatInt(app, 10), strconv.FormatInt(ln, 10), nid, role, strconv.FormatBool(verified)}, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1 7 " + p2 + " partner true", "1 7 " + lead + " lead true",
		"2 0 " + p2 + " partner false", "2 0 " + p3 + " lead false",
		"3 0 " + p3 + " lead true",
		"0 8 " + p3 + " lead true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("persons after the upgrade:\n got %v\nwant %v", got, want)
	}
}

// TestPartnershipSubsidyCapCorrection: the correction gives each partnership
// loan its own cap (shipped policy), bounded below by its principal; an
// imported one its principal; other loans keep theirs.
func TestPartnershipSubsidyCapCorrection(t *testing.T) {
	db, up, exec := beforeMigration(t, "partnership_subsidy_cap")
	baseFixture(exec)
	partners := func(n int) string {
		var ps []string
		for i := range n {
			ps = append(ps, `{"name":"甲","national_id":"41128219900101`+strconv.Itoa(1000 + i)[1:]+`0","key_group":"retired_soldier"}`)
		}
		return "[" + strings.Join(ps, ",") + "]"
	}
	insertApplication(exec, 1, "partnership", "411282199001010013", "disbursed", partners(2))
	insertApplication(exec, 2, "partnership", "411282199001010021", "disbursed", partners(13))
	insertApplication(exec, 3, "individual", "411282199001010030", "disbursed", "[]")
	insertLoan(exec, 1, "1", "NULL", "411282199001010013", "partnership", 60000000, 30000000)  // 600,000.00 of 2 → 660,000.00
	insertLoan(exec, 2, "2", "NULL", "411282199001010021", "partnership", 400000000, 30000000) // 13 → 4,290,000.00 → 4,000,000.00
	insertLoan(exec, 3, "3", "NULL", "411282199001010030", "individual", 20000000, 30000000)
	insertLoan(exec, 4, "NULL", "'OLD-P'", "411282199001010048", "partnership", 50000000, 30000000) // imported: its principal
	insertLoan(exec, 5, "NULL", "'OLD-Q'", "411282199001010056", "partnership", 10000000, 30000000)
	up()
	rows, err := db.SQL().QueryContext(context.Background(), "SELECT id, subsidy_cap_fen FROM loans ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, cap int64
		if err := rows.Scan(&id, &cap); err != nil {
			t.Fatal(err)
		}
		got = append(got, strconv.FormatInt(id, 10)+":"+strconv.FormatInt(cap, 10))
	}
	want := "1:66000000 2:400000000 3:30000000 4:50000000 5:10000000"
	if strings.Join(got, " ") != want {
		t.Fatalf("caps after the correction %v, want %s", got, want)
	}
}
