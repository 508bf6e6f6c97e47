package httpapi_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
)

// A write that waits for a lock someone else holds answers 503 unavailable
// within its deadline instead of hanging: on SQLite the database's write
// lock (busy_timeout, three deadlines), on PostgreSQL a table lock (the
// transaction's statement_timeout, one deadline). Once the lock is gone the
// same key is recorded exactly once.
func TestWaitingForALockAnswers503(t *testing.T) {
	c := newCastOn(apptest.NewServerWith(t, func(cfg *config.Config) { cfg.DBTimeout = 500 * time.Millisecond }))
	s := c.s
	l := c.loan(t)
	path := "/api/v1/loans/" + jsonID(l["id"]) + "/repayments"
	pay := repayment("1000.00", "0.00", "2024-06-20", "LOCKED-1")

	ctx := context.Background()
	holder, err := s.App.DB.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	take := []string{"BEGIN IMMEDIATE"}
	if apptest.Engine() == "postgres" {
		take = []string{"BEGIN", "LOCK TABLE loan_repayments IN EXCLUSIVE MODE"}
	}
	for _, q := range take {
		if _, err := holder.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Do("POST", path, c.bank, pay, "Idempotency-Key", "locked-1").WantProblem(503, "unavailable")
	s.Do("POST", path, c.bank, pay, "Idempotency-Key", "locked-1").WantProblem(503, "unavailable")
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	first := s.Do("POST", path, c.bank, pay, "Idempotency-Key", "locked-1").Want(201).JSON()
	again := s.Do("POST", path, c.bank, pay, "Idempotency-Key", "locked-1").Want(201).JSON()
	if first["repayment"].(map[string]any)["id"] != again["repayment"].(map[string]any)["id"] {
		t.Fatalf("the replay answered another repayment: %v, %v", first, again)
	}
	var n int
	if err := s.App.DB.SQL().QueryRow("SELECT count(*) FROM loan_repayments WHERE bank_reference = 'LOCKED-1'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the repayment is recorded %d times (%v)", n, err)
	}
}
