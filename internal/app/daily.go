package app

import (
	"context"
	"time"

	"chuangdai/internal/beijing"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// nextDailyRun returns the first hour:minute in Asia/Shanghai after now.
func nextDailyRun(now time.Time, hour, minute int) time.Time {
	l := now.In(beijing.Zone)
	next := time.Date(l.Year(), l.Month(), l.Day(), hour, minute, 0, 0, beijing.Zone)
	if !next.After(l) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// runDailyJobs runs the daily job once at start (catching up a day the
// service was down) and then every day at the configured time, until ctx
// ends. Every instance may run it: the job takes a lease and its result
// depends only on the data and the day, so the second run changes nothing.
// While another instance holds the lease and the day is not done yet, it
// looks again after a lease period, so a run whose process died is taken
// over the same day.
func (a *App) runDailyJobs(ctx context.Context, hour, minute int) {
	for {
		wait := time.Until(nextDailyRun(time.Now(), hour, minute))
		if a.runDailyOnce(ctx) {
			wait = min(wait, store.JobLease)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// DailyResult is what the daily job did.
type DailyResult struct {
	loan.DailyResult
	// KeysPurged counts the idempotency keys past retention deleted.
	KeysPurged     int64
	SessionsPurged int64
	// DeadlinesTold counts the applications whose stage must be decided
	// tomorrow (their officers were told); Digests the officers' digests.
	DeadlinesTold, Digests int
}

// RunDaily is the daily job for day: overdue marking, repayment reminders
// (loans), then the purge of old idempotency keys, of ended sessions and
// sign-in throttles, the officers' stage deadlines of tomorrow and their
// daily digests. Each part is safe to run again the same day.
func (a *App) RunDaily(ctx context.Context, day time.Time) (DailyResult, error) {
	res, err := a.Loans.RunDaily(ctx, day)
	out := DailyResult{DailyResult: res}
	if err != nil || res.AlreadyRunning {
		return out, err
	}
	if out.KeysPurged, err = a.Keys.Purge(ctx); err != nil {
		return out, err
	}
	if out.SessionsPurged, err = a.Users.Purge(ctx); err != nil {
		return out, err
	}
	if out.DeadlinesTold, err = a.Applications.TellDeadlines(ctx, res.Date); err != nil {
		return out, err
	}
	if out.Digests, err = a.Notifications.Digest(ctx, res.Date); err != nil {
		return out, err
	}
	return out, a.DB.JobDone(ctx, dailyJob, res.Date)
}

// dailyJob names the daily job's lease (loan.Service.RunDaily takes it).
const dailyJob = "daily"

// runDailyOnce runs the job for today; again is true when another run holds
// the lease and today is not done yet.
func (a *App) runDailyOnce(ctx context.Context) (again bool) {
	day := beijing.Day(time.Now())
	res, err := a.RunDaily(ctx, day)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		a.Log.Error("daily job failed; it runs again tomorrow, or run chuangdai jobs run-daily", "day", day.Format(time.DateOnly), "error", err.Error())
	case res.AlreadyRunning:
		done, err := a.DB.JobDoneFor(ctx, dailyJob, day)
		again = err == nil && !done
		a.Log.Info("daily job already running on another instance", "day", day.Format(time.DateOnly), "done", done, "look_again", again)
	default:
		a.Log.Info("daily job done", "day", day.Format(time.DateOnly), "checked", res.Checked,
			"became_overdue", res.BecameOverdue, "cured", res.Cured, "overdue", res.Overdue, "keys_purged", res.KeysPurged,
			"sessions_purged", res.SessionsPurged, "deadlines_told", res.DeadlinesTold, "digests", res.Digests)
	}
	return again
}
