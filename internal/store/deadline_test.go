package store_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/store"
)

// deadline is the store's deadline in these tests: short, so that what
// waits past it shows in a moment.
const deadline = 300 * time.Millisecond

// shortDeadlineDB opens a fresh database (not migrated) with a pool of conns
// connections and the short deadline.
func shortDeadlineDB(t *testing.T, conns int) (*store.DB, config.Engine) {
	t.Helper()
	dbc, err := config.ParseDatabaseURL(apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dbc, store.Pool{MaxOpen: conns, Timeout: deadline})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dbc.Engine
}

// wantUnavailable checks that err is the database answering too late (503
// unavailable) and that it came well before the work would have ended.
func wantUnavailable(t *testing.T, what string, start time.Time, err error) {
	t.Helper()
	if apperr.KindOf(err) != apperr.Unavailable || apperr.CodeOf(err) != "unavailable" {
		t.Errorf("%s: %v (kind %v), want unavailable", what, err, apperr.KindOf(err))
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("%s answered after %v", what, took)
	}
}

// TestStatementPastItsDeadline: a statement that runs past the deadline is
// cut off and answers unavailable, outside and inside a transaction (on
// PostgreSQL pg_sleep, cancelled on the server; on SQLite a query counting
// far, interrupted).
func TestStatementPastItsDeadline(t *testing.T) {
	db, engine := shortDeadlineDB(t, 2)
	long := "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) SELECT COUNT(*) FROM n"
	if engine == config.Postgres {
		long = "SELECT pg_sleep(30)"
	}
	ctx := context.Background()
	start := time.Now()
	wantUnavailable(t, "a statement", start, store.Exec(ctx, db, long))
	start = time.Now()
	wantUnavailable(t, "a statement in a transaction", start, db.InTx(ctx, func(ctx context.Context) error { return store.Exec(ctx, db, long) }))
	if err := store.Exec(ctx, db, "SELECT 1"); err != nil {
		t.Errorf("the next statement: %v", err)
	}
}

// TestNoConnectionFreeAnswersUnavailable: with every connection of the pool
// taken, a statement and a transaction wait one deadline for one and answer
// unavailable.
func TestNoConnectionFreeAnswersUnavailable(t *testing.T) {
	db, _ := shortDeadlineDB(t, 1)
	held, err := db.SQL().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	wantUnavailable(t, "a statement", start, store.Exec(ctx, db, "SELECT 1"))
	if took := time.Since(start); took < deadline {
		t.Errorf("answered after %v, before the deadline %v", took, deadline)
	}
	start = time.Now()
	wantUnavailable(t, "a transaction", start, db.InTx(ctx, func(ctx context.Context) error { return nil }))
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Exec(ctx, db, "SELECT 1"); err != nil {
		t.Errorf("with the connection back: %v", err)
	}
}

// TestHeldWriteLockAnswersUnavailable: on SQLite a write waits for the
// writer holding the database's write lock as long as busy_timeout (three
// deadlines), a transaction at BEGIN as long, then both answer unavailable;
// on PostgreSQL a statement waiting for a row lock is cut at the deadline.
func TestHeldWriteLockAnswersUnavailable(t *testing.T) {
	db, engine := shortDeadlineDB(t, 3)
	ctx := context.Background()
	if err := store.Exec(ctx, db, "CREATE TABLE held (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if err := store.Exec(ctx, db, "INSERT INTO held (x) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	holder, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	hold := "BEGIN IMMEDIATE"
	if engine == config.Postgres {
		hold = "BEGIN"
	}
	if _, err := holder.ExecContext(ctx, hold); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "UPDATE held SET x = 2"); err != nil {
		t.Fatal(err)
	}
	wait := deadline
	if engine == config.SQLite {
		wait = 3 * deadline
	}
	start := time.Now()
	wantUnavailable(t, "a write", start, store.Exec(ctx, db, "UPDATE held SET x = 3"))
	if took := time.Since(start); took < wait {
		t.Errorf("a write answered after %v, before waiting %v", took, wait)
	}
	start = time.Now()
	wantUnavailable(t, "a transaction's write", start, db.InTx(ctx, func(ctx context.Context) error {
		return store.Exec(ctx, db, "UPDATE held SET x = 4")
	}))
	if took := time.Since(start); took < wait {
		t.Errorf("a transaction answered after %v, before waiting %v", took, wait)
	}
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := store.Exec(ctx, db, "UPDATE held SET x = 5"); err != nil {
		t.Errorf("with the lock free: %v", err)
	}
}
