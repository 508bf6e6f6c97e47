package loan

import (
	"context"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/money"
	"chuangdai/internal/notify"
)

// SetNotifier makes the service tell borrowers and officers of loan events;
// without one it tells nobody.
func (s *Service) SetNotifier(n application.Notifier) { s.notifier = n }

// tell writes the notification template of l with params (the loan's
// number added) under key, in the caller's transaction, to the borrower's
// account (none for an imported loan) and to officers.
func (s *Service) tell(ctx context.Context, l Loan, key, template string, params map[string]string, notBefore time.Time, officers ...notify.Audience) error {
	if s.notifier == nil {
		return nil
	}
	params["number"] = l.Number
	e := notify.Event{Key: "loan:" + l.ID.String() + ":" + key, Template: template, Params: params,
		EntityType: Kind, EntityID: l.ID.String(), NotBefore: notBefore}
	var to []notify.Audience
	if l.BorrowerID != nil {
		to = append(to, notify.User(*l.BorrowerID))
	}
	return s.notifier.Notify(ctx, e, append(to, officers...)...)
}

func bankOfficers(l Loan) notify.Audience { return notify.Officers(auth.BankOfficer, "", l.BankCode) }

// tellDaily writes the daily job's notifications of l on day: a repayment
// due in seven days, and the loan falling overdue (the borrower, and the
// district's guarantee officers, who compensate). Their SMS wait for the
// morning.
func (s *Service) tellDaily(ctx context.Context, l Loan, day time.Time, becameOverdue bool) error {
	morning := notify.Morning(day)
	due := day.AddDate(0, 0, 7)
	for _, line := range l.Terms().Schedule() {
		if line.DueOn.Equal(due) {
			if err := s.tell(ctx, l, "due:"+due.Format(time.DateOnly), "loan.due", map[string]string{"date": due.Format(time.DateOnly)}, morning); err != nil {
				return err
			}
		}
	}
	if !becameOverdue || l.OverdueSince == nil {
		return nil
	}
	since := l.OverdueSince.Format(time.DateOnly)
	if err := s.tell(ctx, l, "overdue:"+since, "loan.overdue", map[string]string{"date": since}, morning); err != nil {
		return err
	}
	if s.notifier == nil {
		return nil
	}
	return s.notifier.Notify(ctx, notify.Event{Key: "loan:" + l.ID.String() + ":overdue:" + since, Template: "loan.overdue_officer",
		Params: map[string]string{"number": l.Number, "date": since}, EntityType: Kind, EntityID: l.ID.String(), NotBefore: morning},
		notify.Officers(auth.GuaranteeOfficer, l.DistrictCode, ""))
}

// tellClaim tells the borrower and the bank's officers that a quarter's
// subsidy was checked or paid.
func (s *Service) tellClaim(ctx context.Context, l Loan, c Claim, action string) error {
	template := map[string]string{"subsidy.check": "subsidy.checked", "subsidy.pay": "subsidy.paid"}[action]
	if template == "" {
		return nil
	}
	return s.tell(ctx, l, "subsidy:"+c.Period+":"+template, template, map[string]string{"period": c.Period, "amount": money.Format(c.Subsidy)}, time.Time{}, bankOfficers(l))
}
