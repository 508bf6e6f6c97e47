package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestIdentitiesBackfill upgrades a database whose eligibility approvals were
// made before identities existed: each number is bound to the account of its
// first approval, unless approvals of several accounts name it.
func TestIdentitiesBackfill(t *testing.T) {
	ctx := context.Background()
	db, up, exec := beforeMigration(t, "identities")
	const at = fixtureAt
	placesFixture(exec)
	for i, name := range []string{"officer", "anna", "bo", "cai"} {
		exec("INSERT INTO users (id, username, password_hash, password_changed_at, created_at, updated_at) VALUES (" +
			strconv.Itoa(i+1) + ", '" + name + "', 'x', " + at + ", " + at + ", " + at + ")")
	}
	// Applications: id, applicant, number, status.
	apps := []struct {
		id, applicant int
		nationalID    string
		status        string
	}{
		{1, 2, "11010519491231002X", "guarantee_review"}, // anna, approved once
		{2, 2, "440524188001010014", "draft"},            // anna, never reviewed
		{3, 3, "411282199001010013", "bank_review"},      // bo and cai both passed eligibility
		{4, 4, "411282199001010013", "rejected"},
		{5, 3, "411282199001020019", "withdrawn"}, // bo, approved twice: the first counts
		{6, 3, "411282199001020019", "approved"},
	}
	for _, a := range apps {
		id := strconv.Itoa(a.id)
		exec("INSERT INTO applications (id, number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, district_code, bank_code, amount_fen, term_months, created_year, created_at, updated_at) VALUES (" +
			id + ", '411282-2024-00000" + id + "', '" + a.status + "', 2, " + strconv.Itoa(a.applicant) + ", 'individual', '张伟', '" + a.nationalID + "', '1990-01-01', false, '411282', 'ICBC-SMX', 10000000, 24, 2024, " + at + ", " + at + ")")
		if a.status != "draft" {
			exec("INSERT INTO application_history (application_id, at, actor_id, actor, action, from_status, to_status) VALUES (" +
				id + ", " + at + ", 1, 'officer', 'approve', 'eligibility_review', 'guarantee_review')")
		}
	}
	up()
	rows, err := db.SQL().QueryContext(ctx, "SELECT national_id, user_id, method, verified_by, application_id FROM person_identities ORDER BY national_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var nid, method string
		var user, by, app int64
		if err := rows.Scan(&nid, &user, &method, &by, &app); err != nil {
			t.Fatal(err)
		}
		got = append(got, nid+" "+strconv.FormatInt(user, 10)+" "+method+" "+strconv.FormatInt(by, 10)+" "+strconv.FormatInt(app, 10))
	}
	want := []string{"11010519491231002X 2 officer 1 1", "411282199001020019 3 officer 1 5"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("bindings after the upgrade:\n got %v\nwant %v", got, want)
	}
}
