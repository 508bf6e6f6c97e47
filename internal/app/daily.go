package app

import (
	"context"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/loan"
)

// nextDailyRun returns the first hour:minute in Asia/Shanghai after now.
func nextDailyRun(now time.Time, hour, minute int) time.Time {
	l := now.In(application.Shanghai)
	next := time.Date(l.Year(), l.Month(), l.Day(), hour, minute, 0, 0, application.Shanghai)
	if !next.After(l) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// runDailyJobs runs the daily job once at start (catching up a day the
// service was down) and then every day at the configured time, until ctx
// ends. Every instance may run it: the job takes a lock and its result
// depends only on the data and the day, so the second run changes nothing.
func (a *App) runDailyJobs(ctx context.Context, hour, minute int) {
	for {
		a.runDailyOnce(ctx)
		wait := time.Until(nextDailyRun(time.Now(), hour, minute))
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
	SessionsPurged int64
}

// RunDaily is the daily job for day: overdue marking and the purge of old
// idempotency keys (loans), then of ended sessions and sign-in throttles.
func (a *App) RunDaily(ctx context.Context, day time.Time) (DailyResult, error) {
	res, err := a.Loans.RunDaily(ctx, day)
	if err != nil || res.AlreadyRunning {
		return DailyResult{DailyResult: res}, err
	}
	n, err := a.Users.Purge(ctx)
	return DailyResult{DailyResult: res, SessionsPurged: n}, err
}

func (a *App) runDailyOnce(ctx context.Context) {
	day := application.Day(time.Now())
	res, err := a.RunDaily(ctx, day)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		a.Log.Error("daily job failed; it runs again tomorrow, or run chuangdai jobs run-daily", "day", day.Format(time.DateOnly), "error", err.Error())
	case res.AlreadyRunning:
		a.Log.Info("daily job already running on another instance", "day", day.Format(time.DateOnly))
	default:
		a.Log.Info("daily job done", "day", day.Format(time.DateOnly), "checked", res.Checked,
			"became_overdue", res.BecameOverdue, "cured", res.Cured, "overdue", res.Overdue, "keys_purged", res.KeysPurged,
			"sessions_purged", res.SessionsPurged)
	}
}
