package requestid

import (
	"context"
	"regexp"
	"sync"
	"testing"
)

type other struct{}

// A context with an id answers From with it, passes every other key and
// its parent's cancellation through, and a context without one answers "".
func TestWithFrom(t *testing.T) {
	if got := From(context.Background()); got != "" {
		t.Fatalf("From(Background) = %q", got)
	}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), other{}, "kept"))
	ctx := With(parent, "req-0123456789")
	if got := From(ctx); got != "req-0123456789" {
		t.Fatalf("From = %q", got)
	}
	if got := ctx.Value(other{}); got != "kept" {
		t.Fatalf("the parent's value = %v", got)
	}
	inner := With(ctx, "req-inner-0001")
	if From(inner) != "req-inner-0001" || From(ctx) != "req-0123456789" {
		t.Fatalf("nested: %q, outer %q", From(inner), From(ctx))
	}
	if got := From(context.WithValue(inner, other{}, "x")); got != "req-inner-0001" {
		t.Fatalf("under a child context: %q", got)
	}
	cancel()
	<-ctx.Done()
	if ctx.Err() != context.Canceled {
		t.Fatalf("Err = %v", ctx.Err())
	}
}

// New's ids are 24 hex digits, all different, also past a block of
// random bytes and from several goroutines at once.
func TestNewIsFreshHex(t *testing.T) {
	hex := regexp.MustCompile(`^[0-9a-f]{24}$`)
	const each, goroutines = 1000, 4
	ids := make([][]string, goroutines)
	var wg sync.WaitGroup
	for g := range ids {
		wg.Go(func() {
			for range each {
				ids[g] = append(ids[g], New())
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, some := range ids {
		for _, id := range some {
			if !hex.MatchString(id) || seen[id] {
				t.Fatalf("id %q: malformed or seen before", id)
			}
			seen[id] = true
		}
	}
}

// The user recorded for a request is read back through contexts derived
// from it, not through another request's; without a request id there is
// no slot and nobody is named.
func TestSetUser(t *testing.T) {
	ctx := With(context.Background(), "req-0123456789")
	if _, ok := User(ctx); ok {
		t.Fatal("a user before SetUser")
	}
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	SetUser(child, 42)
	if id, ok := User(ctx); !ok || id != 42 {
		t.Fatalf("User = %d, %v", id, ok)
	}
	if _, ok := User(With(context.Background(), "req-other-0001")); ok {
		t.Fatal("another request names a user")
	}
	SetUser(context.Background(), 7)
	if _, ok := User(context.Background()); ok {
		t.Fatal("a user without a request id")
	}
}
