package httpapi_test

import (
	"cmp"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/beijing"
	"chuangdai/internal/config"
	"chuangdai/internal/demo"
	"chuangdai/internal/document/doctest"
	"chuangdai/migrations"
)

// writeRelease makes the upgrade test write the fixture of the release it
// is built from instead of testing (see releaseFixtures).
var writeRelease = flag.Bool("write-release-fixture", false,
	"write testdata/release/<engine>-<version>.sql from the code under test (only on a released main, to move the upgrade's starting point)")

// releaseFixturesDir holds a database as a release left it, one SQL file per
// engine named by the release's last migration: the schema its migrations
// built (with goose's version table) and the data its code wrote — the demo
// data (applications of every borrower type and status, loans in every
// state with repayments, subsidy claims, compensations, recoveries, a
// write-off, four-in-one records, legacy loan history) plus uploaded and
// reviewed documents. Every account's password is apptest.Password and the
// demo's auditor is "auditor.demo" (the smoke's cast has an "auditor").
// The files are made by
//
//	go test ./internal/httpapi -run TestUpgradeFromTheLastRelease -write-release-fixture
//
// once on SQLite and once with CHUANGDAI_TEST_DATABASE_URL (pg_dump), on a
// released main only. A fixture stays true as migrations are added: its
// migrations are released, so never change.
const releaseFixturesDir = "testdata/release"

// TestUpgradeFromTheLastRelease loads the database the last release left
// behind, with its data, lets the binary under test migrate it to its head,
// checks the old records through the API (reads, the audit chain, the
// report summaries, a step on each kind of record), then builds a world on
// the upgraded database and calls every route of the route table as every
// role (the authorization matrix): a smoke of every capability.
func TestUpgradeFromTheLastRelease(t *testing.T) {
	if *writeRelease {
		writeReleaseFixture(t)
		return
	}
	last, err := migrations.LastReleased()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range releaseFixtures(t) {
		if f.version > last {
			t.Fatalf("%s is newer than the last released migration %d: a fixture is made on a released main", f.file, last)
		}
		t.Run(filepath.Base(f.file), func(t *testing.T) { upgradeFrom(t, f.file) })
	}
}

// upgradeFrom is the upgrade test from one release's fixture.
func upgradeFrom(t *testing.T, file string) {
	dbURL := apptest.DatabaseURL(t)
	loadFixture(t, dbURL, file)
	cfg := apptest.Config(dbURL)
	cfg.FilesStore = config.FilesInDatabase
	a, err := app.Open(context.Background(), cfg, apptest.Logger(t))
	if err != nil {
		t.Fatalf("upgrade from %s: %v", file, err)
	}
	t.Cleanup(func() { _ = a.Close() })
	s := apptest.Attach(t, a)
	if got, want := sqlRows(t, s, "SELECT MAX(version_id) FROM goose_db_version")[0][0], fmt.Sprint(headVersion(t)); got != want {
		t.Fatalf("after the upgrade the schema is at %s, want %s", got, want)
	}
	s.AdminToken = s.Login("admin", apptest.Password)

	t.Run("old records", func(t *testing.T) { checkReleasedRecords(t, s.For(t)) })

	w := newWorldOn(t, newCastOn(s.For(t)))
	got := observe(t, w, matrixRoles)
	for key, byRole := range got {
		want, ok := expectedMatrix[key]
		if !ok {
			t.Errorf("route %s has no entry in expectedMatrix", key)
			continue
		}
		for i, role := range matrixRoles {
			if byRole[role] != want[i] {
				t.Errorf("after the upgrade, %s as %s: reaches %q, want %q", key, role, byRole[role], want[i])
			}
		}
	}
	if v := s.Do("GET", "/api/v1/audit-events/verify", w.tokens["finance_auditor"], nil).Want(200).JSON(); v["ok"] != true {
		t.Errorf("audit chain after the smoke: %v", v)
	}
	assertSummariesMatchLoans(t, s)
}

// checkReleasedRecords reads and moves on what the release wrote.
func checkReleasedRecords(t *testing.T, s *apptest.Server) {
	tok := map[string]string{}
	for _, u := range []string{"hrss.lingbao", "guarantee.lingbao", "guarantee.lingbao2", "bank.icbc", "bank.icbc2", "auditor.demo", "audit.admin", "sunhao"} {
		tok[u] = s.Login(u, apptest.Password)
	}
	if v := s.Do("GET", "/api/v1/audit-events/verify", tok["audit.admin"], nil).Want(200).JSON(); v["ok"] != true {
		t.Fatalf("the release's audit chain after the upgrade: %v", v)
	}
	assertSummariesMatchLoans(t, s)

	var apps struct{ Items []map[string]any }
	s.Do("GET", "/api/v1/applications?page_size=100", tok["auditor.demo"], nil).Want(200).Decode(&apps)
	types, statuses := map[string]bool{}, map[string]bool{}
	for _, it := range apps.Items {
		types[jsonText(it["borrower_type"])] = true
		statuses[jsonText(it["status"])] = true
		id := jsonID(it["id"])
		s.Do("GET", "/api/v1/applications/"+id, tok["auditor.demo"], nil).Want(200)
		s.Do("GET", "/api/v1/applications/"+id+"/documents", tok["auditor.demo"], nil).Want(200)
		s.Do("GET", "/api/v1/applications/"+id+"/support", tok["auditor.demo"], nil).Want(200)
	}
	for _, bt := range []string{"individual", "partnership", "enterprise"} {
		if !types[bt] {
			t.Errorf("the release's applications have no %s (types %v)", bt, types)
		}
	}
	for _, st := range []string{"draft", "eligibility_review", "guarantee_review", "bank_review", "approved", "returned", "rejected", "withdrawn", "disbursed"} {
		if !statuses[st] {
			t.Errorf("the release's applications have none %s (statuses %v)", st, statuses)
		}
	}

	byStatus := map[string]string{}
	for _, st := range []string{"active", "settled", "overdue", "compensated", "written_off"} {
		var loans struct{ Items []map[string]any }
		s.Do("GET", "/api/v1/loans?page_size=5&district_code=411282&bank_code=ICBC-SMX&status="+st, tok["auditor.demo"], nil).Want(200).Decode(&loans)
		if len(loans.Items) == 0 {
			t.Fatalf("the release's loans have none %s in 411282 of ICBC-SMX", st)
		}
		for _, it := range loans.Items {
			id := jsonID(it["id"])
			for _, sub := range []string{"", "/schedule", "/subsidy", "/statement"} {
				s.Do("GET", "/api/v1/loans/"+id+sub, tok["auditor.demo"], nil).Want(200)
			}
		}
		byStatus[st] = jsonID(loans.Items[0]["id"])
	}
	checkFundShares(t, s, tok["auditor.demo"], byStatus["compensated"], byStatus["written_off"])
	// The fund's books agree with the loans' raw sums: written from them by
	// migration fund_ledger for a release before it, posted by the loans'
	// own actions after it. The fund is on the books once a movement the
	// release recorded was confirmed, and not before.
	checkBooksAgree(t, s)
	confirmed := sqlRows(t, s, "SELECT COUNT(*) FROM fund_movements WHERE status = 'confirmed'")[0][0] != "0"
	if f := s.Do("GET", "/api/v1/guarantee/fund", tok["auditor.demo"], nil).Want(200).JSON(); f["opened"] != confirmed {
		t.Errorf("the upgraded fund (a confirmed movement: %v) %v", confirmed, f)
	}
	if j := s.Do("GET", "/api/v1/guarantee/fund/journal?account=compensation_paid", tok["auditor.demo"], nil).Want(200).JSON(); j["total"] == float64(0) {
		t.Errorf("the release's compensations are not in the journal: %v", j)
	}

	var docs int
	for _, it := range apps.Items {
		d := documentsOf(t, s, tok["auditor.demo"], jsonID(it["id"]))
		for _, item := range d.Items {
			docs++
			s.Do("GET", fmt.Sprintf("/api/v1/documents/%d/content", item.ID), tok["auditor.demo"], nil).Want(200)
		}
	}
	if docs == 0 {
		t.Error("the release's documents are not listed after the upgrade")
	}

	now := time.Now().In(beijing.Zone)
	period := fmt.Sprintf("%dQ%d", now.Year(), (int(now.Month())-1)/3+1)
	for _, path := range []string{"/api/v1/reports/progress?year=2024", "/api/v1/subsidies?period=" + period, "/api/v1/reports/portfolio?as_of=2025-06-30",
		"/api/v1/reports/disbursements?from=2021-01-01&to=2030-12-31&group_by=district", "/api/v1/guarantee/exposure",
		"/api/v1/support/figures", "/api/v1/subsidy-claims"} {
		s.Do("GET", path, tok["auditor.demo"], nil).Want(200)
	}
	for _, u := range []string{"hrss.lingbao", "guarantee.lingbao", "bank.icbc", "sunhao"} {
		s.Do("GET", "/api/v1/worklist", tok[u], nil).Want(200)
	}

	// A step on the old records: a repayment of the active loan, a
	// compensation of the overdue one, a recovery on the compensated one,
	// and a decision on an application waiting for eligibility.
	today := now.Format(time.DateOnly)
	s.Do("POST", "/api/v1/loans/"+byStatus["active"]+"/repayments", tok["bank.icbc"],
		repayment("1000.00", "0.00", today, "UPGRADE-R1"), "Idempotency-Key", "upgrade-repay").Want(201)
	s.Do("POST", "/api/v1/loans/"+byStatus["overdue"]+"/compensation", tok["guarantee.lingbao"],
		map[string]any{"compensated_on": today}, "Idempotency-Key", "upgrade-compensate").Want(200)
	s.Do("POST", "/api/v1/loans/"+byStatus["compensated"]+"/recoveries", tok["guarantee.lingbao"],
		map[string]any{"amount": "100.00", "recovered_on": today}, "Idempotency-Key", "upgrade-recover").Want(201)
	for _, it := range apps.Items {
		if jsonText(it["status"]) == "eligibility_review" && jsonText(it["district_code"]) == "411282" {
			s.Do("POST", "/api/v1/applications/"+jsonID(it["id"])+"/decisions", tok["hrss.lingbao"], map[string]any{"decision": "approve"}).Want(200)
			break
		}
	}
	assertSummariesMatchLoans(t, s)
	checkBooksAgree(t, s)
}

func jsonText(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// headVersion is the highest migration version the binary carries.
func headVersion(t *testing.T) int64 {
	t.Helper()
	names, err := fs.Glob(migrations.FS, apptest.Engine()+"/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var head int64
	for _, n := range names {
		v, err := migrations.Version(n)
		if err != nil {
			t.Fatal(err)
		}
		head = max(head, v)
	}
	return head
}

var fixtureName = regexp.MustCompile(`^(postgres|sqlite)-(\d+)\.sql$`)

// releaseFixture is a release's database: its file and the release's last
// migration.
type releaseFixture struct {
	file    string
	version int64
}

// releaseFixtures are the fixtures of the engine under test, oldest first:
// the upgrade is tested from each release that has one, so a bureau still on
// an older release upgrades as safely as one on the last.
func releaseFixtures(t *testing.T) []releaseFixture {
	t.Helper()
	entries, err := os.ReadDir(releaseFixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []releaseFixture
	for _, e := range entries {
		m := fixtureName.FindStringSubmatch(e.Name())
		if m == nil || m[1] != apptest.Engine() {
			continue
		}
		v, err := migrations.Version(m[2] + "_")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, releaseFixture{filepath.Join(releaseFixturesDir, e.Name()), v})
	}
	if len(out) == 0 {
		t.Fatalf("no %s fixture in %s", apptest.Engine(), releaseFixturesDir)
	}
	slices.SortFunc(out, func(a, b releaseFixture) int { return cmp.Compare(a.version, b.version) })
	return out
}

// loadFixture runs the fixture's SQL in the empty database at dbURL.
func loadFixture(t *testing.T, dbURL, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	driver, dsn := "pgx", dbURL
	if apptest.Engine() == "sqlite" {
		driver, dsn = "sqlite", strings.TrimPrefix(dbURL, "sqlite://")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// One connection: the script's settings (search_path, foreign keys)
	// hold for all of it.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(string(b)); err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
}

// writeReleaseFixture seeds the demo data and documents on a fresh database
// at the head of the code under test and writes it as this release's
// fixture.
func writeReleaseFixture(t *testing.T) {
	ctx := context.Background()
	a := apptest.NewWith(t, func(c *config.Config) { c.FilesStore = config.FilesInDatabase })
	d, err := demo.Seed(ctx, a, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := apptest.Attach(t, a)
	tok := map[string]string{}
	for _, acc := range d.Accounts {
		tok[acc.Username] = s.Login(acc.Username, acc.Password)
	}
	// Documents: the applicant's on a draft, an officer's on one under
	// eligibility review, accepted.
	var draft, review bool
	for _, acc := range d.Accounts {
		if acc.Role != "entrepreneur" {
			continue
		}
		var mine struct{ Items []map[string]any }
		s.Do("GET", "/api/v1/applications", tok[acc.Username], nil).Want(200).Decode(&mine)
		for _, it := range mine.Items {
			id := jsonID(it["id"])
			switch {
			case it["status"] == "draft" && !draft:
				upload(s, tok[acc.Username], id, "premises", "premises.png", doctest.InterlacedPNG).Want(201)
				draft = true
			case it["status"] == "eligibility_review" && !review:
				var doc struct{ ID int64 }
				upload(s, tok["hrss.lingbao"], id, "id_card", "id.jpg", doctest.ChromiumJPG).Want(201).Decode(&doc)
				s.Do("POST", fmt.Sprintf("/api/v1/documents/%d/review", doc.ID), tok["hrss.lingbao"], map[string]string{"decision": "accept"}).Want(200)
				review = true
			}
		}
	}
	if !draft || !review {
		t.Fatalf("the demo has no draft (%v) or application under eligibility review (%v) for the documents", draft, review)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(apptest.Password), 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DELETE FROM sessions", "UPDATE users SET username = 'auditor.demo' WHERE username = 'auditor'"} {
		if _, err := a.DB.SQL().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := a.DB.SQL().ExecContext(ctx, sqlRebind("UPDATE users SET password_hash = ?"), string(hash)); err != nil {
		t.Fatal(err)
	}
	version := headVersion(t)
	out := filepath.Join(releaseFixturesDir, fmt.Sprintf("%s-%05d.sql", apptest.Engine(), version))
	var dump string
	if apptest.Engine() == "sqlite" {
		dump = dumpSQLite(t, a.DB.SQL())
	} else {
		dump = dumpPostgres(t, a.Config.DatabaseURL)
	}
	if err := os.MkdirAll(releaseFixturesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(dump))
}

// dumpSQLite writes the database as SQL, as sqlite3's .dump does: each
// table and its rows, then the sequences, then indexes and triggers (so
// that loading the rows fires none).
func dumpSQLite(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
	rows, err := db.Query("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	type object struct{ kind, name, sql string }
	var objs []object
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.kind, &o.name, &o.sql); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	var later []string
	for _, o := range objs {
		if o.kind != "table" {
			later = append(later, o.sql+";\n")
			continue
		}
		if strings.HasPrefix(o.name, "sqlite_") {
			continue
		}
		b.WriteString(o.sql + ";\n")
		writeSQLiteRows(t, db, &b, o.name)
	}
	var seq int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_sequence'").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if seq > 0 {
		b.WriteString("DELETE FROM sqlite_sequence;\n")
		writeSQLiteRows(t, db, &b, "sqlite_sequence")
	}
	for _, s := range later {
		b.WriteString(s)
	}
	b.WriteString("COMMIT;\n")
	return b.String()
}

// writeSQLiteRows writes an INSERT for each row of table, its values quoted
// by SQLite itself.
func writeSQLiteRows(t *testing.T, db *sql.DB, b *strings.Builder, table string) {
	t.Helper()
	cols, err := db.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		t.Fatal(err)
	}
	var quoted []string
	for cols.Next() {
		var c string
		if err := cols.Scan(&c); err != nil {
			t.Fatal(err)
		}
		quoted = append(quoted, `quote("`+c+`")`)
	}
	if err := cols.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT 'INSERT INTO "` + table + `" VALUES(' || ` + strings.Join(quoted, ` || ',' || `) + ` || ');' FROM "` + table + `" ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// dumpPostgres runs pg_dump (plain SQL, one INSERT a row) without the
// lines only psql understands.
func dumpPostgres(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pg_dump", "--format=plain", "--inserts", "--no-owner", "--no-privileges", "--dbname", u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	lines := strings.Split(string(out), "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, `\`) })
	return strings.Join(lines, "\n")
}
