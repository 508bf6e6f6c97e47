package main

import (
	"context"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/store"
)

func TestJobsRunDaily(t *testing.T) {
	url := apptest.DatabaseURL(t)
	t.Setenv("CHUANGDAI_DATABASE_URL", url)
	out, err := runCLI(t, "", "jobs", "run-daily", "--date", "2024-07-01")
	if err != nil || !strings.Contains(out, "daily job for 2024-07-01: checked 0 loans") {
		t.Fatalf("run-daily: %q, %v", out, err)
	}
	for _, args := range [][]string{{"jobs"}, {"jobs", "nightly"}, {"jobs", "run-daily", "--date", "2024-13-01"}, {"jobs", "run-daily", "--when", "x"}} {
		if _, err := runCLI(t, "", args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}

	// While another process holds the job's lease, a second run reports it
	// and succeeds without doing anything, on both engines (cron may run the
	// job beside a serving SQLite instance).
	a, err := app.Open(context.Background(), apptest.Config(url), apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	release, ok, err := store.Loans{DB: a.DB}.TryJobLock(context.Background(), "daily")
	if err != nil || !ok {
		t.Fatalf("take the lease: %v %v", ok, err)
	}
	out, err = runCLI(t, "", "jobs", "run-daily", "--date", "2024-07-01")
	release()
	want := "already running on another instance"
	if err != nil || !strings.Contains(out, want) {
		t.Fatalf("run-daily while locked: %q, %v; want %q", out, err, want)
	}
	if out, err := runCLI(t, "", "jobs", "run-daily", "--date", "2024-07-01"); err != nil || !strings.Contains(out, "checked 0 loans") {
		t.Fatalf("run-daily after release: %q, %v", out, err)
	}
}
