package store_test

import (
	"context"
	"errors"
	"testing"

	"chuangdai/internal/store"
)

// districtCount counts the committed districts with code (read on a
// connection of its own, outside any transaction).
func districtCount(t *testing.T, db *store.DB, code string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow("SELECT COUNT(*) FROM districts WHERE code = '" + code + "'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// addDistrict inserts a district through the store's connection for ctx.
func addDistrict(ctx context.Context, db *store.DB, code string) error {
	return store.Exec(ctx, db, "INSERT INTO districts (code, name, created_at, updated_at) VALUES (?, ?, "+fixtureAt+", "+fixtureAt+")", code, "区"+code)
}

// TestInTx: what a transaction writes is committed when fn returns nil and
// rolled back, with fn's error returned, when it fails; a nested InTx joins
// the outer transaction, so the outer failure rolls back what the inner one
// wrote.
func TestInTx(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	if err := db.InTx(ctx, func(ctx context.Context) error { return addDistrict(ctx, db, "900001") }); err != nil {
		t.Fatal(err)
	}
	if n := districtCount(t, db, "900001"); n != 1 {
		t.Errorf("committed: %d rows, want 1", n)
	}

	failed := errors.New("the domain refuses")
	err := db.InTx(ctx, func(ctx context.Context) error {
		if err := addDistrict(ctx, db, "900002"); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("InTx answered %v, want fn's error", err)
	}
	if n := districtCount(t, db, "900002"); n != 0 {
		t.Errorf("rolled back: %d rows, want 0", n)
	}

	err = db.InTx(ctx, func(ctx context.Context) error {
		if err := db.InTx(ctx, func(ctx context.Context) error { return addDistrict(ctx, db, "900003") }); err != nil {
			return err
		}
		if n := districtCount(t, db, "900003"); n != 0 {
			t.Errorf("the inner InTx committed on its own: %d rows seen outside the transaction", n)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("outer InTx answered %v, want fn's error", err)
	}
	if n := districtCount(t, db, "900003"); n != 0 {
		t.Errorf("nested, outer rolled back: %d rows, want 0", n)
	}
}

// TestAfterCommit: a function registered in a transaction runs once it has
// committed, never when it rolls back (fn's error or a statement's); one
// registered in a nested InTx waits
// for the outer commit; outside a transaction it runs at once.
func TestAfterCommit(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	runs := 0
	run := func() { runs++ }

	store.AfterCommit(ctx, db, run)
	if runs != 1 {
		t.Fatalf("outside a transaction: %d runs, want 1", runs)
	}

	runs = 0
	err := db.InTx(ctx, func(ctx context.Context) error {
		store.AfterCommit(ctx, db, run)
		if err := db.InTx(ctx, func(ctx context.Context) error {
			store.AfterCommit(ctx, db, run)
			return nil
		}); err != nil {
			return err
		}
		if runs != 0 {
			t.Errorf("%d runs before the commit, want 0", runs)
		}
		return addDistrict(ctx, db, "900004")
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("committed: %d runs, want 2", runs)
	}

	runs = 0
	failed := errors.New("the domain refuses")
	err = db.InTx(ctx, func(ctx context.Context) error {
		store.AfterCommit(ctx, db, run)
		return failed
	})
	if !errors.Is(err, failed) || runs != 0 {
		t.Errorf("rolled back: %v, %d runs; want fn's error and none", err, runs)
	}

	// A statement of the transaction that fails rolls it back too.
	err = db.InTx(ctx, func(ctx context.Context) error {
		store.AfterCommit(ctx, db, run)
		return addDistrict(ctx, db, "900004")
	})
	if err == nil || runs != 0 {
		t.Errorf("a statement that failed (duplicate code): %v, %d runs; want an error and none", err, runs)
	}
}
