package app_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
)

// The database going away makes /readyz answer 503 and requests fail with
// a clean problem; when it comes back, the same process heals by itself.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	if apptest.Engine() != "postgres" {
		t.Skip("an embedded SQLite database cannot go away; CI runs this on PostgreSQL")
	}
	proxy, dbURL := apptest.Through(t, apptest.DatabaseURL(t))
	ctx := context.Background()
	a, err := app.Open(ctx, apptest.Config(dbURL), apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "admin", Password: "long-enough-1", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	s := apptest.Attach(t, a)
	s.AdminToken = s.Login("admin", "long-enough-1")
	s.Do("GET", "/readyz", "", nil).Want(200)

	proxy.Cut()
	s.Do("GET", "/readyz", "", nil).WantProblem(503, "unavailable")
	s.Do("GET", "/api/v1/districts", s.AdminToken, nil).WantProblem(503, "unavailable")
	s.Do("GET", "/healthz", "", nil).Want(200)

	proxy.Restore()
	deadline := time.Now().Add(10 * time.Second)
	for s.Do("GET", "/readyz", "", nil).Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("did not recover after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Do("GET", "/api/v1/districts", s.AdminToken, nil).Want(200)
	s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": "411200", "name": "市本级"}).Want(201)
}
