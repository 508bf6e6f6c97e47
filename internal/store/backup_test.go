package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/store"
)

// A backup is a consistent copy that Restore puts back: what was written
// after it is gone, what was there before it is back. A backup over an
// existing file is refused; a file that is no chuangdai database (another
// SQLite file) is not restored and leaves the database as it was; SQLite keeps the replaced
// database aside and refuses one in use; PostgreSQL restores only into an
// empty database.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	dbc, err := config.ParseDatabaseURL(apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	open := func(d config.Database) *store.DB {
		t.Helper()
		db, err := store.Open(ctx, d, store.Pool{MaxOpen: 2})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open(dbc)
	defer func() { db.Close() }()
	if err := db.Migrate(ctx, apptest.Logger(t)); err != nil {
		t.Fatal(err)
	}
	district(t, db, "411282", "灵宝市")
	dir := t.TempDir()
	file := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, dbc, file); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dbc, file); err == nil {
		t.Fatal("a backup over an existing file was written")
	}
	district(t, db, "411281", "义马市")
	districts := func(db *store.DB) int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM districts").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A SQLite file, but not chuangdai's; PostgreSQL's pg_restore reads
	// no such file either.
	junk := filepath.Join(dir, "junk.db")
	other, err := sql.Open("sqlite", junk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, "CREATE TABLE notes (body TEXT)"); err != nil {
		t.Fatal(err)
	}
	other.Close()

	target := dbc
	if dbc.Engine == config.SQLite {
		if _, err := store.Restore(ctx, dbc, file); err == nil {
			t.Fatal("a database in use was replaced")
		}
		db.Close()
		if _, err := store.Restore(ctx, dbc, junk); err == nil {
			t.Fatal("a SQLite file that is not chuangdai's was restored")
		}
		if again := open(dbc); districts(again) != 2 {
			t.Fatalf("after a refused restore: %d districts, want the 2 there were", districts(again))
		} else {
			again.Close()
		}
		replaced, err := store.Restore(ctx, dbc, file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(replaced); err != nil {
			t.Fatalf("the replaced database %q: %v", replaced, err)
		}
	} else {
		if _, err := store.Restore(ctx, dbc, file); err == nil {
			t.Fatal("a backup was restored into a database in use")
		}
		if target, err = config.ParseDatabaseURL(apptest.DatabaseURL(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Restore(ctx, target, junk); err == nil {
			t.Fatal("a file that is no backup of PostgreSQL was restored")
		}
		if _, err := store.Restore(ctx, target, file); err != nil {
			t.Fatalf("a restore into the empty database after a refused one: %v", err)
		}
	}
	restored := open(target)
	defer restored.Close()
	if n := districts(restored); n != 1 {
		t.Fatalf("restored database: %d districts, want the one of the backup", n)
	}
	if err := restored.Migrate(ctx, apptest.Logger(t)); err != nil {
		t.Fatalf("the restored database migrates: %v", err)
	}
}
