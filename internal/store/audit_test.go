package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/listing"
	"chuangdai/internal/store"
)

// The audit chain: ids in append order, each event chained to the one
// before (the first to the genesis hash) with a hash that verifies; the
// details sealed in the table and read back in clear; the list newest
// first with the actor's name, filtered by entity, actor (user name in any
// case, or name), action and time (from inclusive, to exclusive), sorted
// and paged with the total; the actions distinct in order; Walk in chain
// order, stopping at the first error of its function; an append that
// fails with its transaction leaves nothing.
func TestAuditChain(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	a := store.Audit{DB: db}
	anna := account(t, db, "Anna.Li", auth.Binding{Role: auth.Admin})
	exec := sqlExec(t, db)
	exec("UPDATE users SET name = '李安娜' WHERE username = 'Anna.Li'")
	events := []audit.Event{
		{ActorID: &anna, Actor: "Anna.Li", Action: "user.create", EntityType: "user", EntityID: "2", After: json.RawMessage(`{"phone":"13800000000"}`), RequestID: "r1"},
		{Actor: "system", Action: "loan.daily", EntityType: "loan", EntityID: "7", RequestID: "r2"},
		{ActorID: &anna, Actor: "Anna.Li", Action: "application.approve", EntityType: "application", EntityID: "7",
			Before: json.RawMessage(`{"status":"eligibility_review"}`), After: json.RawMessage(`{"status":"guarantee_review"}`), RequestID: "r3"},
	}
	start := time.Now().UTC().Add(-time.Second)
	for _, e := range events {
		if err := a.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	if err := db.InTx(ctx, func(ctx context.Context) error {
		if err := a.Append(ctx, audit.Event{Actor: "system", Action: "lost", EntityType: "loan", EntityID: "8"}); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("a failed transaction: %v", err)
	}

	var walked []audit.Event
	if err := a.Walk(ctx, func(e audit.Event) error { walked = append(walked, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(walked) != 3 {
		t.Fatalf("walked %d events, want 3 (the rolled-back append left nothing)", len(walked))
	}
	prev := audit.GenesisHash
	for i, e := range walked {
		if e.ID != int64(i+1) || e.PrevHash != prev || e.Hash != audit.ComputeHash(e) || e.Action != events[i].Action || e.At.Before(start) {
			t.Fatalf("event %d in the chain: %s", i, asJSON(e))
		}
		prev = e.Hash
	}
	if string(walked[2].Before) != `{"status":"eligibility_review"}` || string(walked[2].After) != `{"status":"guarantee_review"}` || walked[1].Before != nil {
		t.Fatalf("details read back as %s", asJSON(walked))
	}
	var stored string
	if err := db.SQL().QueryRowContext(ctx, "SELECT after FROM audit_events WHERE id = 1").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, "13800000000") {
		t.Fatalf("the details are stored in clear: %s", stored)
	}
	calls := 0
	if err := a.Walk(ctx, func(audit.Event) error { calls++; return boom }); !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("a walk whose function fails: %v after %d events", err, calls)
	}

	list := func(f audit.Filter) ([]int64, int64) {
		t.Helper()
		evs, total, err := a.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		return ids, total
	}
	later := time.Now().UTC().Add(time.Hour)
	for _, c := range []struct {
		name string
		f    audit.Filter
		want []int64
	}{
		{"all", audit.Filter{}, []int64{3, 2, 1}},
		{"of loans", audit.Filter{EntityType: "loan"}, []int64{2}},
		{"of entity 7", audit.Filter{EntityID: "7"}, []int64{3, 2}},
		{"by user name in another case", audit.Filter{Actor: "anna.li"}, []int64{3, 1}},
		{"by the person's name", audit.Filter{Actor: "李安娜"}, []int64{3, 1}},
		{"an action", audit.Filter{Action: "user.create"}, []int64{1}},
		{"from the start", audit.Filter{From: &start}, []int64{3, 2, 1}},
		{"from later", audit.Filter{From: &later}, nil},
		{"to the start", audit.Filter{To: &start}, nil},
		{"to the second event", audit.Filter{To: &walked[1].At}, []int64{1}},
		{"by action", audit.Filter{Sort: listing.Sort{Key: "action"}}, []int64{3, 2, 1}},
		{"by actor descending", audit.Filter{Sort: listing.Sort{Key: "actor", Desc: true}}, []int64{2, 3, 1}},
		{"second page", audit.Filter{Offset: 1, Limit: 1}, []int64{2}},
	} {
		got, total := list(c.f)
		if asJSON(got) != asJSON(c.want) || (c.f.Limit == 0 && int(total) != len(c.want)) {
			t.Errorf("%s: %v of %d, want %v", c.name, got, total, c.want)
		}
	}
	evs, total, err := a.List(ctx, audit.Filter{Limit: 2})
	if err != nil || total != 3 || len(evs) != 2 || evs[0].ActorName != "李安娜" || evs[1].ActorName != "system" || string(evs[0].After) != `{"status":"guarantee_review"}` {
		t.Fatalf("the newest two = %s of %d, %v", asJSON(evs), total, err)
	}
	if acts, err := a.Actions(ctx); err != nil || asJSON(acts) != `["application.approve","loan.daily","user.create"]` {
		t.Fatalf("actions = %v, %v", acts, err)
	}
	exec("INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, request_id, prev_hash, hash) " +
		"WITH RECURSIVE n(i) AS (SELECT 4 UNION ALL SELECT i + 1 FROM n WHERE i < 2100) SELECT i, " + fixtureAt + ", 'system', 'loan.daily', 'loan', 'x', '', '', '' FROM n")
	n, last := 0, int64(0)
	if err := a.Walk(ctx, func(e audit.Event) error {
		if e.ID != last+1 {
			return errors.New("out of order")
		}
		n, last = n+1, e.ID
		return nil
	}); err != nil || n != 2100 {
		t.Fatalf("walked %d of 2100 events over three batches: %v", n, err)
	}
}
