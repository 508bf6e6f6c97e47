package main

import (
	"bytes"
	"context"
	"log/slog"
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
	roleURL := apptest.LimitedRole(t, 4)

	var served bytes.Buffer
	cfg := apptest.Config(roleURL)
	cfg.DBMaxOpenConns = 20
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(&served, nil)))
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	if !strings.Contains(served.String(), "does not fit") {
		t.Fatalf("a serving pool of 20 under a limit of 4 was not reported; logs:\n%s", &served)
	}

	t.Setenv("CHUANGDAI_DATABASE_URL", roleURL)
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
