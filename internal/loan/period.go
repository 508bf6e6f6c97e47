package loan

import (
	"context"
	"regexp"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// PeriodKind is the authz resource kind of accounting months.
const PeriodKind = "period"

// ActClosePeriod closes an accounting month (finance auditors).
const ActClosePeriod authz.Action = "close"

// PeriodClose is a finance auditor's close of an accounting month
// (会计期间结账). Closing a month closes every month before it.
type PeriodClose struct {
	Month        string
	ClosedAt     time.Time
	ClosedBy     auth.UserID
	ClosedByName string
}

// PeriodState is one accounting month: closed, with the close that closed
// it (its own or a later month's), or open.
type PeriodState struct {
	Month  string
	Closed bool
	Close  *PeriodClose
}

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ValidMonth reports whether v names a month such as 2024-03.
func ValidMonth(v string) bool { return monthPattern.MatchString(v) && v >= "0001-01" }

// MonthOf is the accounting month of a day, such as 2024-03.
func MonthOf(day time.Time) string { return day.Format("2006-01") }

func monthStart(month string) time.Time {
	t, _ := time.Parse("2006-01", month)
	return t
}

// open refuses a posting dated on, described by what (the field and its
// value), when on falls in a closed accounting month: 409 period.closed.
// It runs inside the posting's transaction, where the store holds the
// period lock, so no month closes between the check and the commit.
func (s *Service) open(ctx context.Context, what string, on time.Time) error {
	through, err := s.store.ClosedThrough(ctx, false)
	if err != nil {
		return err
	}
	if m := MonthOf(on); through != "" && m <= through {
		return apperr.Newf(apperr.Conflict, "period.closed",
			"%[1]s %[2]s is in the accounting month %[3]s, which is closed (months through %[4]s are closed): nothing dated in it can be posted; post a correction (a reversal) dated in the open month instead",
			what, dateText(on), m, through)
	}
	return nil
}

// ClosePeriod closes the accounting month month and, with it, every month
// before it. Only a month that has ended (Beijing time) can be closed, and
// a closed month is never reopened.
func (s *Service) ClosePeriod(ctx context.Context, p auth.Principal, month string) (PeriodState, error) {
	if !s.authz.Can(p, ActClosePeriod, authz.Resource{Kind: PeriodKind}) {
		return PeriodState{}, apperr.Forbiddenf("only finance auditors close accounting months")
	}
	if !ValidMonth(month) {
		return PeriodState{}, apperr.NotFoundf("no accounting month %q: months are written YYYY-MM, such as 2024-03", month)
	}
	next := monthStart(month).AddDate(0, 1, 0)
	if next.After(s.today()) {
		return PeriodState{}, apperr.Newf(apperr.Conflict, "period.not_ended", "the month %s has not ended: it can be closed from %s", month, dateText(next))
	}
	var out PeriodState
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		through, err := s.store.ClosedThrough(ctx, true)
		if err != nil {
			return err
		}
		if through != "" && month <= through {
			return apperr.Newf(apperr.Conflict, "period.closed", "the accounting month %s is already closed (months through %s are closed)", month, through)
		}
		c := PeriodClose{Month: month, ClosedAt: s.now().UTC().Truncate(time.Microsecond), ClosedBy: p.UserID}
		if err := s.store.AddPeriodClose(ctx, c); err != nil {
			return err
		}
		before := map[string]any{"closed_through": through}
		if err := s.audit.Record(ctx, p, "period.close", PeriodKind, month, before, map[string]any{"closed_through": month}); err != nil {
			return err
		}
		closes, err := s.store.PeriodCloses(ctx)
		if err != nil {
			return err
		}
		out = stateOf(month, closes)
		return nil
	})
	return out, err
}

// stateOf is month's state given every close, oldest first.
func stateOf(month string, closes []PeriodClose) PeriodState {
	for i := range closes {
		if closes[i].Month >= month {
			return PeriodState{Month: month, Closed: true, Close: &closes[i]}
		}
	}
	return PeriodState{Month: month}
}

// Periods lists the accounting months newest first, from the current month
// back to the month of the first disbursement (or of the first close, if
// earlier), each open or closed.
func (s *Service) Periods(ctx context.Context, p auth.Principal, offset, limit int) ([]PeriodState, int64, error) {
	if !s.authz.Can(p, authz.Read, authz.Resource{Kind: PeriodKind}) {
		return nil, 0, apperr.Forbiddenf("only finance auditors and administrators read the accounting months")
	}
	closes, err := s.store.PeriodCloses(ctx)
	if err != nil {
		return nil, 0, err
	}
	current := MonthOf(s.today())
	first, err := s.store.FirstDisbursement(ctx)
	if err != nil {
		return nil, 0, err
	}
	earliest := current
	if !first.IsZero() && MonthOf(first) < earliest {
		earliest = MonthOf(first)
	}
	if len(closes) > 0 && closes[0].Month < earliest {
		earliest = closes[0].Month
	}
	var months []string
	for m := monthStart(current); MonthOf(m) >= earliest; m = m.AddDate(0, -1, 0) {
		months = append(months, MonthOf(m))
	}
	total := int64(len(months))
	if offset >= len(months) {
		return nil, total, nil
	}
	months = months[offset:min(len(months), offset+limit)]
	out := make([]PeriodState, len(months))
	for i, m := range months {
		out[i] = stateOf(m, closes)
	}
	return out, total, nil
}
