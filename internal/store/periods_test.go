package store_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// The closes of accounting months: nothing is closed at first; the latest
// month closed is what postings are checked against; the closes read back
// in month order with who closed them; a month is closed once; without
// loans there is no first disbursement.
func TestPeriodCloses(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	loans := store.Loans{DB: db}
	first := account(t, db, "auditor.one", auth.Binding{Role: auth.FinanceAuditor})
	second := account(t, db, "auditor.two", auth.Binding{Role: auth.FinanceAuditor})
	through := func(forClose bool) string {
		t.Helper()
		var m string
		if err := db.InTx(ctx, func(ctx context.Context) (err error) {
			m, err = db.ClosedThrough(ctx, forClose)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := through(false); m != "" {
		t.Fatalf("closed through %q before any close, want nothing", m)
	}
	at := time.Date(2024, 4, 2, 1, 0, 0, 0, time.UTC)
	closes := []loan.PeriodClose{{Month: "2024-03", ClosedAt: at.Add(time.Hour), ClosedBy: second}, {Month: "2024-01", ClosedAt: at, ClosedBy: first}}
	for _, c := range closes {
		if err := loans.AddPeriodClose(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if m, c := through(false), through(true); m != "2024-03" || c != "2024-03" {
		t.Fatalf("closed through %q (posting) and %q (closing), want 2024-03", m, c)
	}
	got, err := loans.PeriodCloses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []loan.PeriodClose{{Month: "2024-01", ClosedAt: at, ClosedBy: first, ClosedByName: "auditor.one"},
		{Month: "2024-03", ClosedAt: at.Add(time.Hour), ClosedBy: second, ClosedByName: "auditor.two"}}
	if len(got) != len(want) {
		t.Fatalf("closes = %+v, want %+v", got, want)
	}
	for i := range want {
		if g := got[i]; g.Month != want[i].Month || !g.ClosedAt.Equal(want[i].ClosedAt) || g.ClosedBy != want[i].ClosedBy || g.ClosedByName != want[i].ClosedByName {
			t.Fatalf("close %d = %+v, want %+v", i, g, want[i])
		}
	}
	if err := loans.AddPeriodClose(ctx, loan.PeriodClose{Month: "2024-01", ClosedAt: at.Add(2 * time.Hour), ClosedBy: second}); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("closing 2024-01 twice: %v, want a conflict", err)
	}
	if d, err := loans.FirstDisbursement(ctx); err != nil || !d.IsZero() {
		t.Fatalf("first disbursement without loans = %v, %v; want none", d, err)
	}
}
