package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/application"
	"chuangdai/internal/beijing"
	"chuangdai/internal/config"
)

const jobsUsage = "usage: chuangdai jobs run-daily [--date YYYY-MM-DD]"

// jobs runs the scheduled jobs by hand or from cron.
func jobs(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "run-daily" {
		return errors.New(jobsUsage)
	}
	fs := flag.NewFlagSet("jobs run-daily", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	date := fs.String("date", "", "the day to run for (default: today in Asia/Shanghai)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("jobs run-daily: %v (%s)", err, jobsUsage)
	}
	day := beijing.Day(time.Now())
	if *date != "" {
		d, err := application.ParseDay(*date)
		if err != nil {
			return fmt.Errorf("jobs run-daily: --date %q is not a date YYYY-MM-DD", *date)
		}
		day = d
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.RunDaily(ctx, day)
	if err != nil {
		return fmt.Errorf("jobs run-daily: %s", describe(err))
	}
	if res.AlreadyRunning {
		fmt.Fprintf(stdout, "daily job for %s: already running on another instance, nothing done\n", day.Format(time.DateOnly))
		return nil
	}
	fmt.Fprintf(stdout, "daily job for %s: checked %d loans, %d became overdue, %d back to active, %d overdue now; purged %d idempotency keys and %d ended sessions; %d stage deadlines tomorrow told, %d officers' digests made\n",
		day.Format(time.DateOnly), res.Checked, res.BecameOverdue, res.Cured, res.Overdue, res.KeysPurged, res.SessionsPurged, res.DeadlinesTold, res.Digests)
	return nil
}
