package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
)

// A command other than serve opens at most two connections whatever pool
// the serving instances are configured with, as the README's connection
// budget counts it: under a role allowed 4 connections, a pool of 20 is
// reported at start, and `jobs run-daily` with that same configuration
// fits and runs.
func TestCommandsOpenAtMostTwoConnections(t *testing.T) {
	requirePostgres(t)
	admin := apptest.Admin(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "chuangdai_t_role_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 4"); err != nil {
		t.Fatal(err)
	}
	// Registered before the database, so it runs after the database is gone.
	t.Cleanup(func() { _, _ = admin.Exec("DROP ROLE IF EXISTS " + role) })
	dbURL := apptest.DatabaseURL(t)
	if _, err := admin.Exec("ALTER DATABASE " + apptest.DatabaseName(t, dbURL) + " OWNER TO " + role); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)

	var served bytes.Buffer
	cfg := apptest.Config(u.String())
	cfg.DBMaxOpenConns = 20
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(&served, nil)))
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	if !strings.Contains(served.String(), "does not fit") {
		t.Fatalf("a serving pool of 20 under a limit of 4 was not reported; logs:\n%s", &served)
	}

	t.Setenv("CHUANGDAI_DATABASE_URL", u.String())
	t.Setenv("CHUANGDAI_DB_MAX_OPEN_CONNS", "20")
	var out, logs bytes.Buffer
	if err := run(context.Background(), []string{"jobs", "run-daily", "--date", "2024-07-01"}, strings.NewReader(""), &out, &logs); err != nil {
		t.Fatalf("jobs run-daily: %v\n%s", err, &logs)
	}
	if strings.Contains(logs.String(), "does not fit") {
		t.Fatalf("jobs run-daily opened the serving pool; logs:\n%s", &logs)
	}
	if !strings.Contains(out.String(), "checked") {
		t.Fatalf("jobs run-daily: %q", &out)
	}
}
