package app_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/store"
)

// The daily job's once-at-a-time guard is a lease on a row, held by no
// connection: a second run meanwhile is "already running"; a run whose
// process died (its lease no longer renewed) is taken over once the lease
// expires, and the dead holder's late release frees nothing of the new
// holder's; a finished run records its day.
func TestDailyJobLease(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	loans := store.Loans{DB: a.DB}
	day := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

	dead, ok, err := loans.TryJobLock(ctx, "daily")
	if err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	if _, ok, err := loans.TryJobLock(ctx, "daily"); err != nil || ok {
		t.Fatalf("second lease while held: %v %v", ok, err)
	}
	if res, err := a.RunDaily(ctx, day); err != nil || !res.AlreadyRunning {
		t.Fatalf("run while held: %+v %v", res, err)
	}
	if done, err := a.DB.JobDoneFor(ctx, "daily", day); err != nil || done {
		t.Fatalf("done before any run finished: %v %v", done, err)
	}

	// The holder stops renewing (its process died): its lease runs out.
	if _, err := a.DB.SQL().Exec("UPDATE job_runs SET lease_until = $1", time.Now().UTC().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	taken, ok, err := loans.TryJobLock(ctx, "daily")
	if err != nil || !ok {
		t.Fatalf("expired lease not taken over: %v %v", ok, err)
	}
	dead()
	if _, ok, err := loans.TryJobLock(ctx, "daily"); err != nil || ok {
		t.Fatalf("the dead holder's release freed the new holder's lease: %v %v", ok, err)
	}
	taken()

	if res, err := a.RunDaily(ctx, day); err != nil || res.AlreadyRunning {
		t.Fatalf("run after release: %+v %v", res, err)
	}
	if done, err := a.DB.JobDoneFor(ctx, "daily", day); err != nil || !done {
		t.Fatalf("finished day not recorded: %v %v", done, err)
	}
	// A re-run of an earlier day leaves the later day recorded.
	if _, err := a.RunDaily(ctx, day.AddDate(0, 0, -10)); err != nil {
		t.Fatal(err)
	}
	if done, err := a.DB.JobDoneFor(ctx, "daily", day); err != nil || !done {
		t.Fatalf("re-running an earlier day forgot the later one: %v %v", done, err)
	}
	if done, err := a.DB.JobDoneFor(ctx, "daily", day.AddDate(0, 0, 1)); err != nil || done {
		t.Fatalf("a later day counted as done: %v %v", done, err)
	}
}
