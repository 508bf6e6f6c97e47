package app_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
)

// A read-only database (a standby, or default_transaction_read_only) serves
// reads; every write answers 503 unavailable, never 500; /readyz says not
// ready; and an instance starts against it when the schema and the token
// key are already there (it reads before it inserts).
func TestReadOnlyDatabase(t *testing.T) {
	admin := apptest.Admin(t)
	dbURL := apptest.DatabaseURL(t)
	name := apptest.DatabaseName(t, dbURL)
	ctx := context.Background()
	cfg := apptest.Config(dbURL)
	cfg.TokenKey = ""
	a1, err := app.Open(ctx, cfg, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a1.Close()
	if _, err := a1.Users.CreateFromCLI(ctx, user.CreateInput{Username: "admin", Password: "long-enough-1", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	s1 := apptest.Attach(t, a1)
	token := s1.Login("admin", "long-enough-1")
	s1.Do("POST", "/api/v1/districts", token, map[string]string{"code": "411282", "name": "灵宝市"}).Want(201)
	// The session was last seen a while ago: the read below would move its
	// idle clock, which a read-only database refuses.
	exec := func(q string) {
		t.Helper()
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := a1.DB.SQL().Exec("UPDATE sessions SET last_seen_at = last_seen_at - interval '5 minutes'"); err != nil {
		t.Fatal(err)
	}

	exec("ALTER DATABASE " + name + " SET default_transaction_read_only = on")
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")

	// The running instance lost its connections (57P01) and reconnects to a
	// read-only database: nothing answers 500.
	for range 3 {
		if r := s1.Do("GET", "/api/v1/districts", token, nil); r.Status != 200 && r.Status != 503 {
			t.Fatalf("read after the connections were terminated: %d %s", r.Status, r.Body)
		}
	}
	s1.Do("POST", "/api/v1/districts", token, map[string]string{"code": "411281", "name": "义马市"}).WantProblem(503, "unavailable")
	s1.Do("GET", "/readyz", "", nil).WantProblem(503, "unavailable")

	// A new instance starts: nothing to migrate, the token key is read.
	a2, err := app.Open(ctx, cfg, apptest.Logger(t))
	if err != nil {
		t.Fatalf("start against a read-only database: %v", err)
	}
	defer a2.Close()
	s2 := apptest.Attach(t, a2)
	s2.Do("GET", "/readyz", "", nil).WantProblem(503, "unavailable")
	s2.Do("GET", "/api/v1/districts", token, nil).Want(200)
	s2.Do("POST", "/api/v1/districts", token, map[string]string{"code": "411281", "name": "义马市"}).WantProblem(503, "unavailable")
	s2.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "long-enough-1"}).WantProblem(503, "unavailable")

	// Writable again: the pool's new connections accept writes.
	exec("ALTER DATABASE " + name + " RESET default_transaction_read_only")
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")
	deadline := time.Now().Add(10 * time.Second)
	for s2.Do("GET", "/readyz", "", nil).Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("still not ready 10 s after the database became writable")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s2.Do("POST", "/api/v1/districts", token, map[string]string{"code": "411281", "name": "义马市"}).Want(201)
}
