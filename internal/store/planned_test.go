package store

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// A row scanned through planned reads as pgx's own Scan reads it, with the
// same errors, and a statement whose columns or destinations change under
// the same key is planned again, not scanned with the old plans.
func TestPlannedScansAsPgx(t *testing.T) {
	ctx, c := pgxTestConn(t)
	type both struct {
		planned, pgx error
	}
	scan := func(q string, dest func() []any) ([]any, both) {
		t.Helper()
		mine, theirs := dest(), dest()
		var e both
		e.planned = c.QueryRow(ctx, q).Scan(planned{"test", mine})
		e.pgx = c.QueryRow(ctx, q).Scan(theirs...)
		if (e.planned == nil) != (e.pgx == nil) || (e.planned != nil && e.planned.Error() != e.pgx.Error()) {
			t.Fatalf("%s: planned %v, pgx %v", q, e.planned, e.pgx)
		}
		return mine, e
	}
	var n int64
	var s string
	var pn *int64
	var ps *string
	for _, round := range []int{1, 2} {
		got, _ := scan("SELECT 1::int8, 'a'::text", func() []any { return []any{&n, &s} })
		if *got[0].(*int64) != 1 || *got[1].(*string) != "a" {
			t.Fatalf("round %d: %d %q", round, n, s)
		}
		// Other column types, other destinations.
		got, _ = scan("SELECT 'b'::text, 2::int4", func() []any { return []any{&s, &n} })
		if *got[0].(*string) != "b" || *got[1].(*int64) != 2 {
			t.Fatalf("round %d: %q %d", round, s, n)
		}
		got, _ = scan("SELECT 3::int8, NULL::text", func() []any { return []any{&pn, &ps} })
		if p := *got[0].(**int64); p == nil || *p != 3 || *got[1].(**string) != nil {
			t.Fatalf("round %d: %v %v", round, pn, ps)
		}
		for _, q := range []string{"SELECT NULL::int8, 'c'::text", "SELECT 'x'::text, 'y'::text"} {
			if _, e := scan(q, func() []any { return []any{&n, &s} }); e.planned == nil {
				t.Fatalf("round %d: %s scans into an int64", round, q)
			}
		}
		if _, e := scan("SELECT 1::int8", func() []any { return []any{&n, &s} }); e.planned == nil {
			t.Fatalf("round %d: one column scans into two", round)
		}
	}
	if _, ok := c.PgConn().CustomData()["test"].(*scanPlans); !ok {
		t.Fatal("no plans kept on the connection")
	}
}

// pgxTestConn is a connection of pgx's own to the test database, closed
// when t ends; the test is skipped without one.
func pgxTestConn(t *testing.T) (context.Context, *pgx.Conn) {
	url := os.Getenv("CHUANGDAI_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("PostgreSQL only: set CHUANGDAI_TEST_DATABASE_URL")
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	return ctx, c
}
