package demo_test

import (
	"context"
	"io"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/demo"
	"chuangdai/internal/loan"
)

func TestDemoHasLoansInEveryStatus(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	d, err := demo.Seed(ctx, a, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	auditor := d.ByName["auditor"]
	for _, st := range loan.Statuses {
		if st == loan.Cancelled {
			// A cancelled loan is what a confirmed disbursement reversal
			// leaves; the demo reverses none (browser test 09b makes one).
			continue
		}
		ls, n, err := a.Loans.List(ctx, auditor, loan.Filter{Statuses: []loan.Status{st}}, 0, 10)
		if err != nil || n < 1 {
			t.Fatalf("%s loans: %d, %v", st, n, err)
		}
		if st == loan.Overdue && ls[0].DaysOverdue < 1 {
			t.Errorf("overdue demo loan without days overdue: %+v", ls[0])
		}
	}
	active, _, err := a.Loans.List(ctx, auditor, loan.Filter{Statuses: []loan.Status{loan.Active}}, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var id loan.ID
	for _, l := range active {
		if l.ApplicationID != nil && l.Name == "孙浩" {
			id = l.ID
		}
	}
	// The fund is on the books: the opening 60,000,000.00 less what it paid
	// for compensations plus its recoveries, and its leverage is shown.
	pos, err := a.Fund.Position(ctx, auditor)
	if err != nil || !pos.Opened || pos.Leverage == nil || !pos.Balance.IsPositive() || pos.OverLimit {
		t.Fatalf("demo fund %+v %v", pos, err)
	}
	table, err := a.Loans.Subsidy(ctx, auditor, id)
	items := table.Items
	if err != nil || len(items) < 2 || items[0].Status != loan.ClaimPaid {
		t.Fatalf("subsidy of the active demo loan: %+v %v", items, err)
	}
}
