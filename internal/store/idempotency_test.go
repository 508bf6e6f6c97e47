package store_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/idempotency"
	"chuangdai/internal/store"
)

// TestIdempotencyKeysStore: a key is reserved once per user, endpoint and
// value; reserving it again reports what it holds (no answer yet, the
// stored answer with its bytes, or another request's hash); an answer is
// stored once (a second Complete is a conflict); Purge deletes by age.
func TestIdempotencyKeysStore(t *testing.T) {
	ctx := context.Background()
	ks := store.IdempotencyKeys{DB: newDB(t)}
	at := time.Date(2024, 6, 20, 2, 0, 0, 0, time.UTC)
	k := idempotency.Key{UserID: 1, Endpoint: "POST /api/v1/loans/1/repayments", Value: "k-1"}
	reserve := func(k idempotency.Key, hash string, want idempotency.Reservation) idempotency.Answer {
		t.Helper()
		res, ans, err := ks.Reserve(ctx, k, hash, at)
		if err != nil || res != want {
			t.Fatalf("reserve %+v %s: %v %v, want %v", k, hash, res, err, want)
		}
		return ans
	}
	reserve(k, "h1", idempotency.Reserved)
	reserve(k, "h1", idempotency.InFlight)
	reserve(k, "h2", idempotency.Mismatch)
	body := []byte(`{"repayment":{"id":7}}`)
	if err := ks.Complete(ctx, k, "h1", idempotency.Answer{Status: 201, Body: body}, at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if ans := reserve(k, "h1", idempotency.Done); ans.Status != 201 || string(ans.Body) != string(body) {
		t.Fatalf("stored answer %d %s", ans.Status, ans.Body)
	}
	reserve(k, "h2", idempotency.Mismatch)
	if err := ks.Complete(ctx, k, "h1", idempotency.Answer{Status: 201, Body: []byte(`{}`)}, at.Add(2*time.Second)); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("second answer: %v", err)
	}
	if ans := reserve(k, "h1", idempotency.Done); string(ans.Body) != string(body) {
		t.Fatalf("the first answer was replaced: %s", ans.Body)
	}
	// Another user, another endpoint: keys of their own.
	reserve(idempotency.Key{UserID: 2, Endpoint: k.Endpoint, Value: k.Value}, "h9", idempotency.Reserved)
	reserve(idempotency.Key{UserID: 1, Endpoint: "POST /api/v1/applications/1/disbursement", Value: k.Value}, "h9", idempotency.Reserved)
	// A key nobody works on is held at once. On PostgreSQL a key held by
	// an open transaction is refused to another one until it ends; SQLite
	// serialises the transactions themselves (BEGIN IMMEDIATE), so there
	// the second would wait at BEGIN instead.
	if ok, err := ks.Hold(ctx, k); err != nil || !ok {
		t.Fatalf("hold outside any other request: %v %v", ok, err)
	}
	if apptest.Engine() == "postgres" {
		err := ks.InTx(ctx, func(txCtx context.Context) error {
			if ok, err := ks.Hold(txCtx, k); err != nil || !ok {
				t.Fatalf("first hold: %v %v", ok, err)
			}
			return ks.InTx(context.Background(), func(other context.Context) error {
				if ok, err := ks.Hold(other, k); err != nil || ok {
					t.Fatalf("second transaction held a held key: %v %v", ok, err)
				}
				if ok, err := ks.Hold(other, idempotency.Key{UserID: 1, Endpoint: k.Endpoint, Value: "k-2"}); err != nil || !ok {
					t.Fatalf("another key: %v %v", ok, err)
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := ks.Hold(ctx, k); err != nil || !ok {
			t.Fatalf("hold after the transaction ended: %v %v", ok, err)
		}
	}

	if n, err := ks.Purge(ctx, at); err != nil || n != 0 {
		t.Fatalf("purge before the keys were made: %d %v", n, err)
	}
	if n, err := ks.Purge(ctx, at.Add(time.Second)); err != nil || n != 3 {
		t.Fatalf("purge after: %d %v, want 3", n, err)
	}
	reserve(k, "h2", idempotency.Reserved)
}
