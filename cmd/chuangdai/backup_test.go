package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
)

// withPgxParams adds the parameters a PostgreSQL URL carries for pgx (and
// PgBouncer), which pg_dump and psql do not know.
func withPgxParams(url string) string {
	if apptest.Engine() != "postgres" {
		return url
	}
	return url + "&default_query_exec_mode=exec&statement_cache_capacity=64"
}

// A backup taken while the service runs restores, with chuangdai restore,
// into a database whose data and audit chain are intact, also when the URL
// carries pgx's own parameters. PostgreSQL restores only into an empty
// database; SQLite keeps the database it replaces aside.
func TestBackupAndRestore(t *testing.T) {
	src := withPgxParams(apptest.DatabaseURL(t))
	t.Setenv("CHUANGDAI_DATABASE_URL", src)
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	if _, err := runCLI(t, "", "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.bin")
	out, err := runCLI(t, "", "backup", "--to", file)
	if err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %q, %v", out, err)
	}
	if _, err := runCLI(t, "", "backup", "--to", file); err == nil {
		t.Fatal("backup overwrote an existing file")
	}

	if apptest.Engine() == "postgres" {
		// A backup cut short fails part-way through; the database it was
		// being restored into stays empty.
		whole, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut.bin")
		if err := os.WriteFile(cut, whole[:len(whole)*2/3], 0o600); err != nil {
			t.Fatal(err)
		}
		target := withPgxParams(apptest.DatabaseURL(t))
		t.Setenv("CHUANGDAI_DATABASE_URL", target)
		if out, err := runCLI(t, "", "restore", "--from", cut); err == nil {
			t.Fatalf("restore from a cut backup: %q", out)
		}
		db, err := sql.Open("pgx", target)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var tables int
		if err := db.QueryRow("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil || tables != 0 {
			t.Fatalf("a failed restore left %d tables (%v)", tables, err)
		}
	}

	restored := withPgxParams(apptest.DatabaseURL(t))
	t.Setenv("CHUANGDAI_DATABASE_URL", restored)
	out, err = runCLI(t, "", "restore", "--from", file)
	if err != nil || !strings.Contains(out, "audit chain verified") {
		t.Fatalf("restore: %q, %v", out, err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, apptest.Config(restored), apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	n, err := a.UserCount(ctx)
	if err != nil || n < 6 {
		t.Fatalf("restored users: %d, %v", n, err)
	}
	res, err := a.AuditSv.VerifyChain(ctx)
	if err != nil || !res.OK || res.Events < 10 {
		t.Fatalf("audit chain after restore: %+v, %v", res, err)
	}
	_ = a.Close()

	out, err = runCLI(t, "", "restore", "--from", file)
	if apptest.Engine() == "postgres" {
		if err == nil || !strings.Contains(err.Error(), "empty database") {
			t.Fatalf("restore into a database with data: %q, %v", out, err)
		}
	} else {
		kept := strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[0], "the database that was in place is kept as "))
		if err != nil || !strings.HasPrefix(kept, strings.TrimPrefix(restored, "sqlite://")+".replaced-") {
			t.Fatalf("restore over a database: %q, %v", out, err)
		}
		if _, err := os.Stat(kept); err != nil {
			t.Fatalf("the replaced database is not kept: %v", err)
		}
	}
	if _, err := runCLI(t, "", "restore", "--from", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("restore from a missing file succeeded")
	}
}

// A server killed with SIGKILL leaves its SQLite write-ahead log (-wal,
// -shm) beside the database; copying a backup over the database file then
// would replay that log into the copy and corrupt it. chuangdai restore
// refuses while a server has the database open, and after a crash
// checkpoints the stale log into the database it keeps aside, so the
// restored file serves and its audit chain verifies. PostgreSQL: the backup
// restores into a new database after the kill.
func TestRestoreAfterSIGKILL(t *testing.T) {
	db := apptest.DatabaseURL(t)
	t.Setenv("CHUANGDAI_DATABASE_URL", db)
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	if _, err := runCLI(t, "Process-pass-1\n", "user", "create", "--username", "admin", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	p := start(t, db)
	admin := p.login("admin", "Process-pass-1")
	district := func(code string) {
		t.Helper()
		if s, m := p.do("POST", "/api/v1/districts", admin, map[string]string{"code": code, "name": "区" + code}); s != 201 {
			t.Fatalf("district %s: %d %v", code, s, m)
		}
	}
	district("411282")
	file := filepath.Join(t.TempDir(), "backup.bin")
	if out, err := runCLI(t, "", "backup", "--to", file); err != nil {
		t.Fatalf("backup: %q %v", out, err)
	}
	for _, code := range []string{"411281", "411221", "411222"} {
		district(code)
	}
	if apptest.Engine() == "sqlite" {
		if out, err := runCLI(t, "", "restore", "--from", file); err == nil || !strings.Contains(err.Error(), "in use") {
			t.Fatalf("restore while the server runs: %q, %v", out, err)
		}
	}
	p.kill()

	target := db
	if apptest.Engine() == "sqlite" {
		path := strings.TrimPrefix(db, "sqlite://")
		if _, err := os.Stat(path + "-wal"); err != nil {
			t.Fatalf("the killed server left no write-ahead log: %v", err)
		}
	} else {
		target = apptest.DatabaseURL(t)
		t.Setenv("CHUANGDAI_DATABASE_URL", target)
	}
	out, err := runCLI(t, "", "restore", "--from", file)
	if err != nil || !strings.Contains(out, "audit chain verified") {
		t.Fatalf("restore after the kill: %q, %v", out, err)
	}
	if apptest.Engine() == "sqlite" {
		path := strings.TrimPrefix(db, "sqlite://")
		for _, f := range []string{path + "-wal", path + "-shm"} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s is still there", f)
			}
		}
		// The database it replaced holds what the log held: the districts
		// added after the backup.
		kept := strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[0], "the database that was in place is kept as "))
		old, err := app.Open(context.Background(), apptest.Config("sqlite://"+kept), apptest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := old.DB.SQL().QueryRow("SELECT count(*) FROM districts").Scan(&n); err != nil || n != 4 {
			t.Errorf("the kept database has %d districts (%v), want 4", n, err)
		}
		_ = old.Close()
	}
	p2 := start(t, target)
	admin = p2.login("admin", "Process-pass-1")
	if s, v := p2.do("GET", "/api/v1/audit-events/verify", admin, nil); s != 200 || v["ok"] != true {
		t.Fatalf("audit chain after the restore: %d %v", s, v)
	}
	if s, list := p2.do("GET", "/api/v1/districts", admin, nil); s != 200 || len(list["items"].([]any)) != 1 {
		t.Fatalf("districts after the restore: %d %v", s, list)
	}
}
