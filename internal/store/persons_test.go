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

// TestApplicationPersonsBackfill upgrades a database made before
// application_persons: every application gets its lead row and a row per
// partner of its partners JSON (the lead listed again keeps one lead row),
// rows of a disbursed application carry its loan, an imported loan gets its
// lead row, and rows are verified once eligibility was approved or a loan
// exists.
func TestApplicationPersonsBackfill(t *testing.T) {
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
	v := migrationVersion(t, dir, "application_persons")
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
	exec("INSERT INTO users (id, username, password_hash, password_changed_at, created_at, updated_at) VALUES (1, 'anna', 'x', " + at + ", " + at + ", " + at + ")")
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
		id := strconv.Itoa(a.id)
		exec("INSERT INTO applications (id, number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, district_code, bank_code, amount_fen, term_months, created_year, created_at, updated_at, partners) VALUES (" +
			id + ", '411282-2024-00000" + id + "', '" + a.status + "', 2, 1, '" + a.borrower + "', '张伟', '" + a.nid + "', '1990-01-01', false, '411282', 'ICBC-SMX', 10000000, 24, 2024, " + at + ", " + at + ", '" + a.partner + "')")
		if a.approved {
			exec("INSERT INTO application_history (application_id, at, actor_id, actor, action, from_status, to_status) VALUES (" +
				id + ", " + at + ", 1, 'officer', 'approve', 'eligibility_review', 'guarantee_review')")
		}
	}
	loan := func(id int, app, ref, nid string) {
		exec("INSERT INTO loans (id, number, application_id, external_ref, status, version, name, national_id, gender, borrower_type, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
			strconv.Itoa(id) + ", 'L" + strconv.Itoa(id) + "', " + app + ", " + ref + ", 'active', 1, '张伟', '" + nid + "', 'male', 'individual', '411282', 'ICBC-SMX', 10000000, 10000000, 39500, 19750, 19750, 30000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + at + ", " + at + ")")
	}
	loan(7, "1", "NULL", lead)
	loan(8, "NULL", "'OLD-1'", strings.ToLower(p3))
	if _, err := p.UpTo(ctx, v); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, "SELECT COALESCE(application_id, 0), COALESCE(loan_id, 0), national_id, role, verified FROM application_persons ORDER BY COALESCE(application_id, 99), national_id")
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
