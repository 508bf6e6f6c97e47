package store_test

import (
	"context"
	"database/sql"
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
