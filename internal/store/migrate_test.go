package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3/lock"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/store"
)

// Migrations are guarded by a lease on a row of goose_lock, never by a
// session advisory lock, which PgBouncer's transaction pooling cannot keep
// (a lock taken on one server connection, its release sent on another, and
// the lock left behind): an empty database migrates while another session
// holds goose's advisory lock, and the migrations leave no advisory lock.
func TestMigrationsTakeNoSessionLock(t *testing.T) {
	if apptest.Engine() != "postgres" {
		t.Skip("SQLite has one writer and no advisory locks; CI runs this on PostgreSQL")
	}
	ctx := context.Background()
	url := apptest.DatabaseURL(t)
	other, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holder, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}
	dbc, err := config.ParseDatabaseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dbc, store.Pool{MaxOpen: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A session locker would wait for the lock held above until this
	// bound; the lease does not see it.
	mctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := db.Migrate(mctx, apptest.Logger(t)); err != nil {
		t.Fatalf("migrate while goose's advisory lock is held elsewhere: %v", err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.SQL().QueryRow("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d advisory locks left after the migrations (%v)", n, err)
	}
}

// Migration 00032 (cancelled loans) goes down and up again, keeping the
// loans and their summaries: down, the status cancelled and a second loan
// of an application or of a bank reference are refused again; while a loan
// is cancelled the down migration fails and leaves everything as it was;
// up again, a cancelled loan and the loan disbursed anew under its
// application and reference stand side by side.
func TestDisbursementReversalsMigrationDownAndUp(t *testing.T) {
	ctx := context.Background()
	db, p, v := unmigrated(t, "disbursement_reversals")
	if _, err := p.UpTo(ctx, v); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) error {
		_, err := db.SQL().ExecContext(ctx, q)
		return err
	}
	must := func(q string) {
		t.Helper()
		if err := exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	baseFixture(func(q string) { must(q) })
	insertApplication(func(q string) { must(q) }, 1, "individual", "411282199001010013", "disbursed", "[]")
	insertApplication(func(q string) { must(q) }, 2, "individual", "411282199001010013", "approved", "[]")
	loan := func(id, app, status string) string {
		return "INSERT INTO loans (id, number, application_id, bank_reference, status, version, name, national_id, gender, borrower_type, district_code, bank_code, " +
			"principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, " +
			"disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
			id + ", 'L" + id + "', " + app + ", 'R-" + app + "', '" + status + "', 1, '张伟', '411282199001010013', 'male', 'individual', '411282', 'ICBC-SMX', " +
			"20000000, 20000000, 39500, 19750, 19750, 20000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + fixtureAt + ", " + fixtureAt + ")"
	}
	state := func() string {
		t.Helper()
		var s string
		q := "SELECT (SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(SUM(principal_fen) AS TEXT) || ':' || MIN(status) || ':' || MAX(status) FROM loans) || ' ' || " +
			"(SELECT CAST(SUM(loans) AS TEXT) || ':' || CAST(SUM(amount_fen) AS TEXT) FROM loan_day_totals WHERE dim = 'district') || ' ' || " +
			"(SELECT CAST(SUM(disbursed_loans) AS TEXT) || ':' || CAST(SUM(disbursed_fen) AS TEXT) || ':' || CAST(SUM(matured_loans) AS TEXT) FROM portfolio_day_flows)"
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	triggers := func() int {
		t.Helper()
		q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'report_disbursement_reversals_confirm'"
		if apptest.Engine() == "postgres" {
			q = "SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'report_disbursement_reversals_confirm'"
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	version := func() int64 {
		t.Helper()
		n, err := p.GetDBVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	must(loan("1", "2", "cancelled"))
	must(loan("2", "1", "active"))
	withCancelled := state()
	if _, err := p.DownTo(ctx, v-1); err == nil {
		t.Fatal("migration 00032 went down with a cancelled loan")
	}
	if n, got := version(), state(); n != v || got != withCancelled {
		t.Fatalf("after the refused down migration: version %d, %s; want %d, %s", n, got, v, withCancelled)
	}
	must("DELETE FROM loans WHERE id = 1")
	one := state()
	if one != "1:20000000:active:active 1:20000000 1:20000000:1" {
		t.Fatalf("one active loan: %s", one)
	}

	if _, err := p.DownTo(ctx, v-1); err != nil {
		t.Fatalf("down: %v", err)
	}
	if n, got := version(), state(); n != v-1 || got != one {
		t.Fatalf("down: version %d, %s; want %d, %s", n, got, v-1, one)
	}
	if err := exec(loan("3", "2", "cancelled")); err == nil {
		t.Error("down, a cancelled loan was accepted")
	}
	if err := exec(loan("3", "1", "settled")); err == nil {
		t.Error("down, a second loan of the application under the same reference was accepted")
	}
	if n := triggers(); n != 0 {
		t.Errorf("down, %d triggers on the confirmation of a disbursement reversal", n)
	}

	if _, err := p.UpTo(ctx, v); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if n, got := version(), state(); n != v || got != one {
		t.Fatalf("up again: version %d, %s; want %d, %s", n, got, v, one)
	}
	if n := triggers(); n != 1 {
		t.Errorf("up again, %d triggers on the confirmation of a disbursement reversal", n)
	}
	must("UPDATE loans SET status = 'cancelled', outstanding_fen = 0 WHERE id = 2")
	must(loan("3", "1", "active"))
	if got := state(); got != "2:40000000:active:cancelled 2:40000000 2:40000000:2" {
		t.Errorf("up again, a cancelled loan and the new one: %s", got)
	}
	if err := exec(strings.Replace(loan("4", "1", "active"), "'R-1'", "'R-9'", 1)); err == nil {
		t.Error("up again, a second standing loan of the application was accepted")
	}
	if err := exec(strings.Replace(loan("4", "2", "active"), "'R-2'", "'R-1'", 1)); err == nil {
		t.Error("up again, a second standing loan under a bank reference was accepted")
	}
}
