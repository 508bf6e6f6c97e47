package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/fund"
	"chuangdai/internal/store"
	"chuangdai/internal/user"
)

// The repositories' updates lock what they change: a second update of the
// same record waits until the first has committed and then runs on what
// the first wrote, on each engine (PostgreSQL: the row lock; SQLite: the
// immediate transaction's write lock).

// holdFirst runs first in a goroutine, waits until it is inside its
// closure (it calls inside and then waits for release), starts second,
// and checks that second has not finished while first still holds its
// lock; then it lets first go and waits for both. It answers their errors.
func holdFirst(t *testing.T, first func(inside func(), release <-chan struct{}) error, second func() error) (error, error) {
	t.Helper()
	in, release := make(chan struct{}), make(chan struct{})
	var firstErr, secondErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		firstErr = first(func() { close(in) }, release)
	}()
	select {
	case <-in:
	case <-time.After(10 * time.Second):
		t.Fatal("the first update never ran its closure")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		secondErr = second()
	}()
	select {
	case <-done:
		t.Errorf("the second update finished while the first held the lock (%v)", secondErr)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	<-done
	return firstErr, secondErr
}

// TestMovementUpdateLocks: a second decision of a fund movement waits for
// the first and then reads it decided.
func TestMovementUpdateLocks(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	ctx := context.Background()
	funds := store.Fund{DB: db}
	now := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	id, err := funds.CreateMovement(ctx, fund.Movement{Kind: fund.Contribution, Amount: decimal.RequireFromString("1000.00"), BookedOn: now,
		Reference: "LOCK-1", Status: fund.Proposed, ProposedBy: 1, ProposedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	decider := auth.UserID(2)
	var seen fund.MovementStatus
	firstErr, secondErr := holdFirst(t,
		func(inside func(), release <-chan struct{}) error {
			_, err := funds.UpdateMovement(ctx, id, func(_ context.Context, m *fund.Movement) (audit.Event, error) {
				inside()
				<-release
				m.Status, m.Reason, m.DecidedBy, m.DecidedAt = fund.Rejected, "A", &decider, &now
				return audit.Event{Action: "fund.reject"}, nil
			})
			return err
		},
		func() error {
			_, err := funds.UpdateMovement(ctx, id, func(_ context.Context, m *fund.Movement) (audit.Event, error) {
				seen = m.Status
				return audit.Event{}, errProbe
			})
			return err
		})
	if firstErr != nil || !errors.Is(secondErr, errProbe) {
		t.Fatalf("first %v, second %v", firstErr, secondErr)
	}
	if seen != fund.Rejected {
		t.Fatalf("the second update read the movement %s, want it rejected by the first", seen)
	}
	if _, err := funds.UpdateMovement(ctx, id+1, func(context.Context, *fund.Movement) (audit.Event, error) {
		t.Error("the closure ran for a movement that does not exist")
		return audit.Event{}, nil
	}); err == nil {
		t.Fatal("an absent movement was updated")
	}
}

// TestThrottleUpdatesCountEveryFailure: concurrent changes of one key,
// seen for the first time, wait for each other, so none is lost; a plain
// read of the key sees them all.
func TestThrottleUpdatesCountEveryFailure(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	users := store.Users{DB: db}
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = users.UpdateThrottle(ctx, "user:li.na", func(t *user.Throttle) {
				time.Sleep(20 * time.Millisecond)
				t.Username, t.Failures, t.WindowStart = "li.na", t.Failures+1, time.Now().UTC()
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := users.Throttle(ctx, "user:li.na")
	if err != nil {
		t.Fatal(err)
	}
	if got.Failures != n || got.Username != "li.na" {
		t.Fatalf("after %d concurrent failures the key reads %+v", n, got)
	}
	if none, err := users.Throttle(ctx, "user:nobody"); err != nil || none != (user.Throttle{Key: "user:nobody"}) {
		t.Fatalf("a key never changed reads %+v, %v", none, err)
	}
}

// TestUserUpdateLocks: a second change of an account waits for the first,
// then runs on what the first wrote, and each change moves the version on
// by one; an account outside the scope is not found and nothing runs.
func TestUserUpdateLocks(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	ctx := context.Background()
	users := store.Users{DB: db}
	all := authz.ListScope{All: true}
	var seen user.Record
	firstErr, secondErr := holdFirst(t,
		func(inside func(), release <-chan struct{}) error {
			_, err := users.Update(ctx, all, 1, func(_ context.Context, r *user.Record) (audit.Event, error) {
				inside()
				<-release
				r.Name = "李"
				return audit.Event{Action: "user.update"}, nil
			})
			return err
		},
		func() error {
			_, err := users.Update(ctx, all, 1, func(_ context.Context, r *user.Record) (audit.Event, error) {
				seen = *r
				r.Name += "娜"
				return audit.Event{Action: "user.update"}, nil
			})
			return err
		})
	if firstErr != nil || secondErr != nil {
		t.Fatalf("first %v, second %v", firstErr, secondErr)
	}
	if seen.Name != "李" || seen.Version != 2 {
		t.Fatalf("the second change read %q at version %d, want the first's 李 at version 2", seen.Name, seen.Version)
	}
	r, err := users.Get(ctx, all, 1)
	if err != nil || r.Name != "李娜" || r.Version != 3 {
		t.Fatalf("after both changes the account reads %q at version %d (%v), want 李娜 at version 3", r.Name, r.Version, err)
	}
	_, err = users.Update(ctx, authz.ListScope{Owners: []auth.UserID{2}}, 1, func(context.Context, *user.Record) (audit.Event, error) {
		t.Error("the closure ran for an account outside the scope")
		return audit.Event{}, nil
	})
	if apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("an account outside the scope: %v, want not found", err)
	}
}
