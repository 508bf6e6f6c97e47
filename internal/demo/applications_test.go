package demo_test

import (
	"context"
	"io"
	"testing"

	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
	"chuangdai/internal/demo"
)

func TestSeedMakesApplicationsInEveryStatus(t *testing.T) {
	a := apptest.New(t)
	d, err := demo.Seed(context.Background(), a, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range application.Statuses {
		if st == application.Disbursed {
			continue // disbursement makes a loan: the loans demo does it
		}
		if len(d.Applications[st]) == 0 {
			t.Errorf("no demo application is %s", st)
		}
	}
	auditor := d.ByName["auditor"]
	late := 0
	for st, ids := range d.Applications {
		for _, id := range ids {
			v, err := a.Applications.Get(context.Background(), auditor, id)
			if err != nil || v.Status != st {
				t.Errorf("application %d: %v, %v; want %s", id, v.Status, err, st)
			}
			if v.Late {
				late++
			}
		}
	}
	// The officers' queue shows what a late application looks like.
	if late != 1 {
		t.Errorf("%d demo applications are past their service time limit, want 1", late)
	}
}
