package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
)

// A pool larger than PostgreSQL allows the service's role is reported at
// start; when the server then refuses connections (53300, too many
// connections for the role) requests answer 503, never 500.
func TestConnectionBudget(t *testing.T) {
	roleURL := apptest.LimitedRole(t, 5)
	open := func(pool int) (*app.App, string) {
		t.Helper()
		var logs syncBuffer
		cfg := apptest.Config(roleURL)
		cfg.DBMaxOpenConns = pool
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return a, logs.String()
	}

	a, logs := open(20)
	if !strings.Contains(logs, "the connection pool does not fit") || !strings.Contains(logs, "CONNECTION LIMIT 5") {
		t.Fatalf("no warning for a pool of 20 under a limit of 5; logs:\n%s", logs)
	}
	if _, err := a.Users.CreateFromCLI(context.Background(), user.CreateInput{Username: "admin", Password: "long-enough-1", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	s := apptest.Attach(t, a)
	token := s.Login("admin", "long-enough-1")
	client := &http.Client{Timeout: time.Minute}
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 60 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", s.URL+"/api/v1/districts", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("no answer: %v", err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	t.Logf("answers: %v", counts)
	for status, n := range counts {
		if status != 200 && status != 503 {
			t.Errorf("%d answers %d", n, status)
		}
	}
	if counts[503] == 0 {
		t.Errorf("60 requests at once on a pool of 20 never met the role's limit of 5 (answers %v): the refused connections were not tested", counts)
	}
	_ = a.Close()

	small, logs := open(3)
	defer small.Close()
	if strings.Contains(logs, "does not fit") {
		t.Fatalf("a pool of 3 under a limit of 5 was reported; logs:\n%s", logs)
	}
}
