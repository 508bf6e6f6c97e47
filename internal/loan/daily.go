package loan

import (
	"context"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// DailyResult is what one run of the daily job did.
type DailyResult struct {
	Date           time.Time
	AlreadyRunning bool
	Checked        int
	BecameOverdue  int
	Cured          int
	Overdue        int
}

// RunDaily is the daily job for day: every active and overdue loan is
// replayed from its repayments as of day and marked overdue (with its days
// overdue) or active again. The result depends only on the data and the day,
// so running it twice for a day changes nothing the second time; a loan
// already checked for a later day is left alone. On PostgreSQL only one
// instance runs it at a time.
func (s *Service) RunDaily(ctx context.Context, day time.Time) (DailyResult, error) {
	res := DailyResult{Date: Day(day)}
	release, ok, err := s.store.TryJobLock(ctx, "daily")
	if err != nil {
		return res, apperr.Contextf(err, "daily job: take its lock")
	}
	if !ok {
		res.AlreadyRunning = true
		return res, nil
	}
	defer release()
	ids, err := s.store.OpenLoanIDs(ctx)
	if err != nil {
		return res, apperr.Contextf(err, "daily job: list the open loans")
	}
	sys := auth.System("daily-job")
	for _, id := range ids {
		// The job sees every loan: its scope is everything.
		_, err := s.store.Update(ctx, authz.ListScope{All: true}, id, func(ctx context.Context, l *Loan) (audit.Event, error) {
			if !l.Status.Open() || l.DisbursedOn.After(res.Date) || (l.CheckedOn != nil && l.CheckedOn.After(res.Date)) {
				return audit.Event{}, ErrUnchanged
			}
			res.Checked++
			before := auditView(*l)
			led := NewLedger(l.Terms(), l.Payments(), res.Date)
			over, since, days := led.Overdue()
			next := *l
			next.EverOverdue = l.EverOverdue || led.EverOverdue()
			next.CheckedOn = &res.Date
			next.DaysOverdue, next.OverdueSince, next.Status = 0, nil, Active
			if over {
				next.DaysOverdue, next.OverdueSince, next.Status = days, &since, Overdue
				res.Overdue++
			}
			if err := s.tellDaily(ctx, next, res.Date, l.Status == Active && next.Status == Overdue); err != nil {
				return audit.Event{}, err
			}
			if next.Status == l.Status && next.DaysOverdue == l.DaysOverdue && sameDay(next.OverdueSince, l.OverdueSince) &&
				next.EverOverdue == l.EverOverdue && sameDay(next.CheckedOn, l.CheckedOn) {
				return audit.Event{}, ErrUnchanged
			}
			action := ""
			switch {
			case l.Status == Active && next.Status == Overdue:
				action = "loan.overdue"
				res.BecameOverdue++
			case l.Status == Overdue && next.Status == Active:
				action = "loan.cure"
				res.Cured++
			}
			next.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
			*l = next
			if action == "" {
				// Only the checked day moved: written, not audited.
				return audit.Event{}, nil
			}
			return audit.NewEvent(ctx, sys, action, before, auditView(next))
		})
		if err != nil {
			return res, apperr.Contextf(err, "daily job of %s: check loan %d", res.Date.Format(time.DateOnly), id)
		}
	}
	return res, nil
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
