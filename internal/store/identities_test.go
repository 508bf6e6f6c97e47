package store_test

import (
	"context"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/store"
	"chuangdai/migrations"
)

// identitiesVersion is the number of the migration that adds
// person_identities, read from the file name so that it survives renumbering.
func identitiesVersion(t *testing.T, dir string) int64 { return migrationVersion(t, dir, "identities") }

// migrationVersion is the number of the migration of dir named *_name.sql.
func migrationVersion(t *testing.T, dir, name string) int64 {
	t.Helper()
	names, err := fs.Glob(migrations.FS, dir+"/*_"+name+".sql")
	if err != nil || len(names) != 1 {
		t.Fatalf("the %s migration in %s: %v %v", name, dir, names, err)
	}
	v, err := strconv.ParseInt(strings.SplitN(strings.TrimPrefix(names[0], dir+"/"), "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestIdentitiesBackfill upgrades a database whose eligibility approvals were
// made before identities existed: each number is bound to the account of its
// first approval, unless approvals of several accounts name it.
func TestIdentitiesBackfill(t *testing.T) {
	ctx := context.Background()
	dbc, err := config.ParseDatabaseURL(apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dbc, store.Pool{MaxOpen: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dialect, dir := goose.DialectSQLite3, "sqlite"
	if dbc.Engine == config.Postgres {
		dialect, dir = goose.DialectPostgres, "postgres"
	}
	sub, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(dialect, db.SQL(), sub)
	if err != nil {
		t.Fatal(err)
	}
	v := identitiesVersion(t, dir)
	if _, err := p.UpTo(ctx, v-1); err != nil {
		t.Fatal(err)
	}
	const at = "'2024-03-01 10:00:00'"
	exec := func(q string) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411282', '灵宝市', " + at + ", " + at + ")")
	exec("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ICBC-SMX', '工行', " + at + ", " + at + ")")
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
	if _, err := p.UpTo(ctx, v); err != nil {
		t.Fatal(err)
	}
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
