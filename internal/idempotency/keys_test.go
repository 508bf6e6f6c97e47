package idempotency_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/idempotency"
	"chuangdai/internal/store"
)

func TestIdempotencyKeys(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	ks := store.IdempotencyKeys{DB: a.DB}
	keys := idempotency.New(ks, ks)
	p := auth.Principal{UserID: 1, Username: "admin"}
	events := func() int64 {
		_, n, err := store.Audit{DB: a.DB}.List(ctx, audit.Filter{EntityType: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	runs := 0
	work := func(fail bool) func(ctx context.Context) (idempotency.Answer, error) {
		return func(ctx context.Context) (idempotency.Answer, error) {
			runs++
			// The work writes inside the transaction that stores the answer.
			if err := a.Audit.Record(ctx, p, "test.work", "test", "1", nil, map[string]int{"run": runs}); err != nil {
				return idempotency.Answer{}, err
			}
			if fail {
				return idempotency.Answer{}, apperr.Field("amount", "bad")
			}
			return idempotency.Answer{Status: 201, Body: []byte(`{"run":1}`)}, nil
		}
	}

	if _, err := keys.Do(ctx, p.UserID, "POST /x", "", "h1", work(false)); apperr.CodeOf(err) != "idempotency.key_required" {
		t.Fatalf("no key: %v", err)
	}
	// A failing request leaves nothing behind and frees its key.
	if _, err := keys.Do(ctx, p.UserID, "POST /x", "k1", "h1", work(true)); apperr.CodeOf(err) != "validation_failed" {
		t.Fatalf("failing work: %v", err)
	}
	if events() != 0 {
		t.Fatal("a failed request left its writes behind")
	}
	first, err := keys.Do(ctx, p.UserID, "POST /x", "k1", "h2", work(false))
	if err != nil || first.Status != 201 || first.Replayed || events() != 1 {
		t.Fatalf("first answer %+v %v", first, err)
	}
	again, err := keys.Do(ctx, p.UserID, "POST /x", "k1", "h2", work(false))
	if err != nil || !again.Replayed || string(again.Body) != `{"run":1}` || again.Status != 201 || events() != 1 {
		t.Fatalf("replay %+v %v", again, err)
	}
	if _, err := keys.Do(ctx, p.UserID, "POST /x", "k1", "h3", work(false)); apperr.CodeOf(err) != "idempotency.mismatch" {
		t.Fatalf("other body: %v", err)
	}
	// Scoped per user and endpoint.
	if ans, err := keys.Do(ctx, p.UserID, "POST /y", "k1", "h3", work(false)); err != nil || ans.Replayed {
		t.Fatalf("other endpoint: %+v %v", ans, err)
	}
	if ans, err := keys.Do(ctx, 2, "POST /x", "k1", "h3", work(false)); err != nil || ans.Replayed {
		t.Fatalf("other user: %+v %v", ans, err)
	}

	// While a live request holds a key (its transaction is open), another
	// request with it answers 409 on PostgreSQL; SQLite serialises the two
	// at BEGIN. A reservation left unanswered (nobody holds it) is
	// completed by the next request.
	now := time.Now().UTC()
	k := idempotency.Key{UserID: 1, Endpoint: "POST /z", Value: "k9"}
	if apptest.Engine() == "postgres" {
		held, done, finished := make(chan error, 1), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(finished)
			_ = ks.InTx(ctx, func(ctx context.Context) error {
				ok, err := ks.Hold(ctx, k)
				if err == nil && !ok {
					err = errors.New("not held")
				}
				held <- err
				<-done
				return nil
			})
		}()
		if err := <-held; err != nil {
			t.Fatalf("hold: %v", err)
		}
		if _, err := keys.Do(ctx, p.UserID, "POST /z", "k9", "hz", work(false)); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("in flight: %v", err)
		}
		close(done)
		<-finished
	}
	k.Value = "k10"
	if res, _, err := ks.Reserve(ctx, k, "hz", now); err != nil || res != idempotency.Reserved {
		t.Fatalf("reserve: %v %v", res, err)
	}
	if ans, err := keys.Do(ctx, p.UserID, "POST /z", "k10", "hz", work(false)); err != nil || ans.Status != 201 || ans.Replayed {
		t.Fatalf("abandoned key not taken over: %+v %v", ans, err)
	}
	if ans, err := keys.Do(ctx, p.UserID, "POST /z", "k10", "hz", work(false)); err != nil || !ans.Replayed {
		t.Fatalf("taken-over key not replayed: %+v %v", ans, err)
	}

	// The daily job purges keys past retention only.
	n, err := keys.Purge(ctx)
	if err != nil || n != 0 {
		t.Fatalf("purged %d young keys: %v", n, err)
	}
	n, err = ks.Purge(ctx, now.Add(time.Hour))
	if err != nil || n < 4 {
		t.Fatalf("purged %d keys: %v", n, err)
	}
}

// TestAnswer: a fresh answer is the work's JSON with the request's status;
// the same body again replays those bytes without running the work; another
// body under the key is a mismatch; no key is 400 before anything runs.
func TestAnswer(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	ks := store.IdempotencyKeys{DB: a.DB}
	keys := idempotency.New(ks, ks)
	type body struct {
		Amount string `json:"amount"`
	}
	runs := 0
	work := func(context.Context) (any, error) {
		runs++
		return map[string]any{"run": runs, "note": "<ok>"}, nil
	}
	r := idempotency.Request{UserID: 7, Endpoint: "POST /api/v1/loans/1/repayments", Key: "k-1", Body: body{"1.00"}, Status: 201}
	first, err := keys.Answer(ctx, r, work)
	// encoding/json escapes < and > in strings.
	if err != nil || first.Status != 201 || first.Replayed || string(first.Body) != `{"note":"\u003cok\u003e","run":1}` {
		t.Fatalf("first: %+v %s %v", first, first.Body, err)
	}
	again, err := keys.Answer(ctx, r, work)
	if err != nil || !again.Replayed || again.Status != 201 || string(again.Body) != string(first.Body) || runs != 1 {
		t.Fatalf("replay: %+v %s %v (runs %d)", again, again.Body, err, runs)
	}
	r.Body = body{"2.00"}
	if _, err := keys.Answer(ctx, r, work); apperr.CodeOf(err) != "idempotency.mismatch" || runs != 1 {
		t.Fatalf("other body: %v (runs %d)", err, runs)
	}
	r.Key = ""
	if _, err := keys.Answer(ctx, r, work); apperr.CodeOf(err) != "idempotency.key_required" || runs != 1 {
		t.Fatalf("no key: %v (runs %d)", err, runs)
	}
}
