package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/config"
	"chuangdai/internal/idempotency"
	"chuangdai/internal/store"
)

// A database that stops answering (a network that drops everything, every
// socket left open) makes requests answer 503 unavailable within a few
// deadlines instead of hanging; a retry meanwhile is 503 too, not "still
// being processed"; once the network is back, the same process heals and
// the retried money request is recorded exactly once. The same holds when
// the database resets every connection, and when the network fails in the
// middle of a transaction holding the request's key.
func TestStalledDatabaseAnswers503(t *testing.T) {
	if apptest.Engine() != "postgres" {
		t.Skip("an embedded SQLite database cannot stall; CI runs this on PostgreSQL")
	}
	var proxy *apptest.Proxy
	c := newCastOn(apptest.NewServerWith(t, func(cfg *config.Config) {
		proxy, cfg.DatabaseURL = apptest.Through(t, cfg.DatabaseURL)
		cfg.DBTimeout = 500 * time.Millisecond
		cfg.DBMaxOpenConns = 4
	}))
	s := c.s
	l := c.loan(t)
	loanPath := "/api/v1/loans/" + jsonID(l["id"])
	// The bound: twenty deadlines. Without deadlines a request waits for the
	// network as long as the kernel does.
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(method, path, key string, body any) (int, map[string]any) {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, s.URL+path, r)
		req.Header.Set("Authorization", "Bearer "+c.bank)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s got no answer: %v", method, path, err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode >= 400 && ct != "application/problem+json" {
			t.Errorf("%s %s: %d as %q, want a problem (application/problem+json)", method, path, resp.StatusCode, ct)
		}
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	want503 := func(method, path, key string, body any) {
		t.Helper()
		if status, m := send(method, path, key, body); status != 503 || m["code"] != "unavailable" {
			t.Fatalf("%s %s: %d %v, want 503 unavailable", method, path, status, m)
		}
	}
	heal := func() {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if status, _ := send("GET", "/readyz", "", nil); status == 200 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("not ready 30 s after the database came back")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	pay := repayment("1000.00", "0.00", "2024-06-20", "STALL-1")

	for _, fault := range []struct {
		name  string
		start func()
	}{{"hole", proxy.Hole}, {"reset", proxy.Cut}} {
		key := "stall-" + fault.name
		pay["bank_reference"] = "STALL-" + fault.name
		fault.start()
		want503("POST", loanPath+"/repayments", key, pay)
		want503("POST", loanPath+"/repayments", key, pay)
		want503("GET", loanPath, "", nil)
		want503("GET", "/readyz", "", nil)
		proxy.Restore()
		heal()
		status, first := send("POST", loanPath+"/repayments", key, pay)
		if status != 201 {
			t.Fatalf("%s: retry after the database came back: %d %v", fault.name, status, first)
		}
		if status, again := send("POST", loanPath+"/repayments", key, pay); status != 201 || again["repayment"].(map[string]any)["id"] != first["repayment"].(map[string]any)["id"] {
			t.Fatalf("%s: replay: %d %v", fault.name, status, again)
		}
	}

	// The network drops everything in the middle of a transaction that
	// holds a key: the database keeps that transaction, and its hold,
	// until it has been idle for the store's idle limit; a retry meanwhile
	// is a clean 409, and then it is recorded.
	var me struct{ ID auth.UserID }
	s.Do("GET", "/api/v1/me", c.bank, nil).Want(200).Decode(&me)
	key := idempotency.Key{UserID: me.ID, Endpoint: "POST " + loanPath + "/repayments", Value: "stall-mid"}
	pay["bank_reference"] = "STALL-mid"
	ks := store.IdempotencyKeys{DB: s.App.DB}
	held, holed, ended := make(chan error, 1), make(chan struct{}), make(chan error, 1)
	go func() {
		ended <- ks.InTx(context.Background(), func(ctx context.Context) error {
			ok, err := ks.Hold(ctx, key)
			if err == nil && !ok {
				err = errors.New("key not held")
			}
			held <- err
			<-holed
			_, _, err = ks.Reserve(ctx, key, "h", time.Now())
			return err
		})
	}()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	proxy.Hole()
	close(holed)
	if err := <-ended; apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("statement in the hole: %v", err)
	}
	proxy.Restore()
	heal()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, m := send("POST", loanPath+"/repayments", key.Value, pay)
		if status == 201 {
			break
		}
		if status != 409 || m["code"] != "conflict" || time.Now().After(deadline) {
			t.Fatalf("retry while the cut-off transaction lingers: %d %v", status, m)
		}
		time.Sleep(200 * time.Millisecond)
	}

	_, got := send("GET", loanPath, "", nil)
	if got["outstanding_principal"] != "197000.00" || len(got["repayments"].([]any)) != 3 {
		t.Fatalf("after the faults: %v", got)
	}
}
