// Package worklist answers what waits for the caller, for the navigation's
// counts: applications at the caller's review stage, approved ones to
// disburse, subsidy quarters to claim, check or pay, overdue loans, loans to
// compensate and write-offs to confirm, reversals to confirm, an applicant's
// drafts and returned applications. Each count comes with the API list behind it.
package worklist

import (
	"context"
	"strconv"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/msg"
)

// CompensationDueDays is how long a loan is overdue before it is counted as
// waiting for compensation (待代偿): the usual period of the guarantee
// agreements, a default to adapt.
const CompensationDueDays = 90

// Item is one work list: its key, its name, how many things wait, and the
// API list that shows them.
type Item struct {
	Key   string
	Label msg.Text
	Count int64
	List  string
}

// Service counts the work lists.
type Service struct {
	apps  *application.Service
	loans *loan.Service
	authz *authz.Enforcer
}

// New wires the work lists over the services that own the records.
func New(apps *application.Service, loans *loan.Service, z *authz.Enforcer) *Service {
	return &Service{apps: apps, loans: loans, authz: z}
}

// Counts returns the work lists of p's roles, in the order of the work; a
// role that decides and pays nothing (administrators, auditors) has none: an
// empty answer, so that every signed-in page may ask.
func (s *Service) Counts(ctx context.Context, p auth.Principal) ([]Item, error) {
	out := []Item{}
	apps := func(key string, label msg.Text, status application.Status) error {
		_, n, err := s.apps.List(ctx, p, application.Filter{Statuses: []application.Status{status}}, 0, 1)
		out = append(out, Item{Key: key, Label: label, Count: n, List: "/api/v1/applications?status=" + string(status)})
		return err
	}
	loans := func(key string, label msg.Text, f loan.Filter, list string) error {
		_, n, err := s.loans.List(ctx, p, f, 0, 1)
		out = append(out, Item{Key: key, Label: label, Count: n, List: list})
		return err
	}
	claims := func(key string, label msg.Text, status loan.ClaimStatus) error {
		_, n, err := s.loans.Claims(ctx, p, loan.ClaimFilter{Status: status}, 0, 1)
		out = append(out, Item{Key: key, Label: label, Count: n, List: "/api/v1/subsidy-claims?status=" + string(status)})
		return err
	}
	can := func(kind string, act authz.Action) bool { return s.authz.HasAny(p, act, kind) }
	var steps []func() error
	if can(application.Kind, authz.Create) {
		steps = append(steps,
			func() error { return apps("returned", msg.New("Returned for changes"), application.Returned) },
			func() error { return apps("draft", msg.New("Drafts"), application.Draft) })
	}
	for _, st := range []struct {
		status application.Status
		label  msg.Text
	}{
		{application.EligibilityReview, msg.New("Eligibility review")},
		{application.GuaranteeReview, msg.New("Guarantee review")},
		{application.BankReview, msg.New("Bank review")},
	} {
		act, _ := application.StageAction(st.status)
		if can(application.Kind, act) {
			steps = append(steps, func() error { return apps(string(st.status), st.label, st.status) })
		}
	}
	if can(loan.Kind, loan.ActDisburse) {
		steps = append(steps, func() error { return apps("approved", msg.New("To disburse"), application.Approved) })
	}
	if can(loan.Kind, loan.ActClaimSubsidy) {
		steps = append(steps, func() error { return claims("subsidy_pending", msg.New("Subsidy to claim"), loan.ClaimPending) })
	}
	if can(loan.Kind, loan.ActCheckSubsidy) {
		steps = append(steps, func() error { return claims("subsidy_claimed", msg.New("Subsidy to check"), loan.ClaimClaimed) })
	}
	if can(loan.Kind, loan.ActPaySubsidy) {
		steps = append(steps, func() error { return claims("subsidy_checked", msg.New("Subsidy to pay"), loan.ClaimChecked) })
	}
	if can(loan.Kind, loan.ActCompensate) {
		overdue := []loan.Status{loan.Overdue}
		steps = append(steps,
			func() error {
				return loans("loans_overdue", msg.New("Overdue loans"), loan.Filter{Statuses: overdue}, "/api/v1/loans?status=overdue")
			},
			func() error {
				return loans("compensation_due", msg.New("To compensate"), loan.Filter{Statuses: overdue, MinDaysOverdue: CompensationDueDays},
					"/api/v1/loans?status=overdue&min_days_overdue="+strconv.Itoa(CompensationDueDays))
			},
			func() error {
				return loans("write_off_proposed", msg.New("Write-offs to confirm"), loan.Filter{WriteOffProposed: true},
					"/api/v1/loans?write_off=proposed")
			})
	}
	if can(loan.Kind, loan.ActRepay) || can(loan.Kind, loan.ActRecover) || can(loan.Kind, loan.ActPaySubsidy) {
		steps = append(steps, func() error {
			_, n, err := s.loans.Reversals(ctx, p, loan.ReversalFilter{ToConfirm: true}, 0, 1)
			out = append(out, Item{Key: "reversals_to_confirm", Label: msg.New("Reversals to confirm"), Count: n, List: "/api/v1/reversals?to_confirm=true"})
			return err
		})
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
