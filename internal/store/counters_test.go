package store_test

import (
	"context"
	"errors"
	"testing"

	"chuangdai/internal/apperr"
	"chuangdai/internal/store"
)

// TestCounters: application and loan numbers count per district and year
// from 1, each kind on its own; a loan's next number follows the numbers an
// import reserved; a rolled-back transaction gives its numbers back; an
// unknown district is refused.
func TestCounters(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	district(t, db, "411282", "灵宝市")
	district(t, db, "411281", "义马市")
	apps, loans, reports := store.Applications{DB: db}, store.Loans{DB: db}, store.Reports{DB: db}
	check := func(what string, got int64, err error, want int64) {
		t.Helper()
		if err != nil || got != want {
			t.Fatalf("%s: %d %v, want %d", what, got, err, want)
		}
	}
	n, err := apps.NextSequence(ctx, "411282", 2024)
	check("first application", n, err, 1)
	n, err = apps.NextSequence(ctx, "411282", 2024)
	check("second application", n, err, 2)
	n, err = apps.NextSequence(ctx, "411281", 2024)
	check("another district's application", n, err, 1)
	n, err = apps.NextSequence(ctx, "411282", 2025)
	check("next year's application", n, err, 1)

	n, err = loans.NextSequence(ctx, "411282", 2024)
	check("first loan, its own counter", n, err, 1)
	n, err = reports.ReserveNumbers(ctx, "411282", 2024, 3)
	check("three imported loans: the first of 2, 3, 4", n, err, 2)
	n, err = reports.ReserveNumbers(ctx, "411281", 2024, 5)
	check("five of a new district and year: 1 to 5", n, err, 1)
	n, err = loans.NextSequence(ctx, "411282", 2024)
	check("the loan after the import", n, err, 5)

	rollback := errors.New("roll back")
	err = db.InTx(ctx, func(ctx context.Context) error {
		n, err := reports.ReserveNumbers(ctx, "411282", 2024, 10)
		check("ten in a transaction", n, err, 6)
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	n, err = loans.NextSequence(ctx, "411282", 2024)
	check("after the rollback", n, err, 6)
	n, err = apps.NextSequence(ctx, "411282", 2024)
	check("applications untouched by loans", n, err, 3)

	if _, err := loans.NextSequence(ctx, "999999", 2024); apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("unknown district: %v", err)
	}
}
