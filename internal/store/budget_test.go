package store_test

import (
	"context"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/store"
)

// The connection budget: SQLite has none; on PostgreSQL a superuser is
// bounded by max_connections, a role with a CONNECTION LIMIT by that limit
// and its own connections, and a pool fits while it can still be opened
// whole.
func TestConnectionBudget(t *testing.T) {
	ctx := context.Background()
	open := func(url string, pool int) *store.DB {
		t.Helper()
		dbc, err := config.ParseDatabaseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, dbc, store.Pool{MaxOpen: pool})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	url := apptest.DatabaseURL(t)
	db := open(url, 2)
	b, ok, err := db.ConnectionBudget(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if db.Engine != config.Postgres {
		if ok {
			t.Fatalf("SQLite has a connection budget: %+v", b)
		}
		return
	}
	if !ok || b.Pool != 2 || b.Limit < 2 || !strings.HasPrefix(b.Why, "max_connections ") || b.InUse < 1 || !b.Fits() {
		t.Fatalf("a superuser's budget = %+v, %v", b, ok)
	}
	for _, c := range []struct {
		pool int
		fits bool
	}{{5, true}, {6, false}} {
		b, ok, err := open(apptest.LimitedRole(t, 5), c.pool).ConnectionBudget(ctx)
		if err != nil || !ok {
			t.Fatalf("a limited role's budget: %v, %v", ok, err)
		}
		if b.Pool != c.pool || b.Limit != 5 || b.InUse != 1 || b.Why != "the role's CONNECTION LIMIT 5" || b.Fits() != c.fits {
			t.Fatalf("a pool of %d under a role's limit of 5 = %+v (fits %v), want fits %v", c.pool, b, b.Fits(), c.fits)
		}
	}
}
