package store_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/store"
)

// A job's lease is held by one run at a time, per job; a released lease
// is free at once, an expired one is taken over, and the run that lost it
// cannot release it from its successor. The day a job finished is kept on
// the same row without touching the lease, and a re-run of an earlier day
// leaves the later one.
func TestJobLeasesAndRuns(t *testing.T) {
	const daily = "daily"
	db := newDB(t)
	ctx := context.Background()
	loans := store.Loans{DB: db}
	take := func(name string, want bool) func() {
		t.Helper()
		release, ok, err := loans.TryJobLock(ctx, name)
		if err != nil || ok != want {
			t.Fatalf("lease of %s: %v, %v; want %v", name, ok, err, want)
		}
		return release
	}
	release := take(daily, true)
	take(daily, false)
	other := take("other", true)
	other()
	release()
	stale := take(daily, true)
	if _, err := db.SQL().ExecContext(ctx, "UPDATE job_runs SET lease_until = '2000-01-01 00:00:00' WHERE name = '"+daily+"'"); err != nil {
		t.Fatal(err)
	}
	successor := take(daily, true)
	stale()
	take(daily, false)

	on := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	done := func(d string, want bool) {
		t.Helper()
		if got, err := db.JobDoneFor(ctx, daily, on(d)); err != nil || got != want {
			t.Fatalf("done for %s: %v, %v; want %v", d, got, err, want)
		}
	}
	done("2024-03-02", false)
	if err := db.JobDone(ctx, daily, on("2024-03-02")); err != nil {
		t.Fatal(err)
	}
	if err := db.JobDone(ctx, daily, on("2024-03-01")); err != nil {
		t.Fatal(err)
	}
	done("2024-03-01", true)
	done("2024-03-02", true)
	done("2024-03-03", false)
	if got, err := db.JobDoneFor(ctx, "other", on("2024-03-01")); err != nil || got {
		t.Fatalf("another job done: %v, %v; want not", got, err)
	}
	take(daily, false)
	successor()
	take(daily, true)()
}
