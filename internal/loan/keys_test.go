package loan_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

func TestIdempotencyKeys(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	ks := store.IdempotencyKeys{DB: a.DB}
	keys := loan.NewKeys(ks, ks)
	p := auth.Principal{UserID: 1, Username: "admin"}
	events := func() int64 {
		_, n, err := store.Audit{DB: a.DB}.List(ctx, audit.Filter{EntityType: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	runs := 0
	work := func(fail bool) func(ctx context.Context) (loan.Answer, error) {
		return func(ctx context.Context) (loan.Answer, error) {
			runs++
			// The work writes inside the transaction that stores the answer.
			if err := a.Audit.Record(ctx, p, "test.work", "test", "1", nil, map[string]int{"run": runs}); err != nil {
				return loan.Answer{}, err
			}
			if fail {
				return loan.Answer{}, apperr.Field("amount", "bad")
			}
			return loan.Answer{Status: 201, Body: []byte(`{"run":1}`)}, nil
		}
	}

	if _, err := keys.Do(ctx, p, "POST /x", "", "h1", work(false)); apperr.CodeOf(err) != "idempotency.key_required" {
		t.Fatalf("no key: %v", err)
	}
	// A failing request leaves nothing behind and frees its key.
	if _, err := keys.Do(ctx, p, "POST /x", "k1", "h1", work(true)); apperr.CodeOf(err) != "validation_failed" {
		t.Fatalf("failing work: %v", err)
	}
	if events() != 0 {
		t.Fatal("a failed request left its writes behind")
	}
	first, err := keys.Do(ctx, p, "POST /x", "k1", "h2", work(false))
	if err != nil || first.Status != 201 || first.Replayed || events() != 1 {
		t.Fatalf("first answer %+v %v", first, err)
	}
	again, err := keys.Do(ctx, p, "POST /x", "k1", "h2", work(false))
	if err != nil || !again.Replayed || string(again.Body) != `{"run":1}` || again.Status != 201 || events() != 1 {
		t.Fatalf("replay %+v %v", again, err)
	}
	if _, err := keys.Do(ctx, p, "POST /x", "k1", "h3", work(false)); apperr.CodeOf(err) != "idempotency.mismatch" {
		t.Fatalf("other body: %v", err)
	}
	// Scoped per user and endpoint.
	if ans, err := keys.Do(ctx, p, "POST /y", "k1", "h3", work(false)); err != nil || ans.Replayed {
		t.Fatalf("other endpoint: %+v %v", ans, err)
	}
	if ans, err := keys.Do(ctx, auth.Principal{UserID: 2}, "POST /x", "k1", "h3", work(false)); err != nil || ans.Replayed {
		t.Fatalf("other user: %+v %v", ans, err)
	}

	// While a live request holds a key (its transaction is open), another
	// request with it answers 409 on PostgreSQL; SQLite serialises the two
	// at BEGIN. A reservation left unanswered (nobody holds it) is
	// completed by the next request.
	now := time.Now().UTC()
	k := loan.Key{UserID: 1, Endpoint: "POST /z", Value: "k9"}
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
		if _, err := keys.Do(ctx, p, "POST /z", "k9", "hz", work(false)); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("in flight: %v", err)
		}
		close(done)
		<-finished
	}
	k.Value = "k10"
	if res, _, err := ks.Reserve(ctx, k, "hz", now); err != nil || res != loan.Reserved {
		t.Fatalf("reserve: %v %v", res, err)
	}
	if ans, err := keys.Do(ctx, p, "POST /z", "k10", "hz", work(false)); err != nil || ans.Status != 201 || ans.Replayed {
		t.Fatalf("abandoned key not taken over: %+v %v", ans, err)
	}
	if ans, err := keys.Do(ctx, p, "POST /z", "k10", "hz", work(false)); err != nil || !ans.Replayed {
		t.Fatalf("taken-over key not replayed: %+v %v", ans, err)
	}

	// The daily job purges keys past retention only.
	n, err := store.Loans{DB: a.DB}.PurgeKeys(ctx, now.Add(-loan.KeyRetention))
	if err != nil || n != 0 {
		t.Fatalf("purged %d young keys: %v", n, err)
	}
	n, err = store.Loans{DB: a.DB}.PurgeKeys(ctx, now.Add(time.Hour))
	if err != nil || n < 4 {
		t.Fatalf("purged %d keys: %v", n, err)
	}
}
