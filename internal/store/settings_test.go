package store_test

import (
	"context"
	"encoding/base64"
	"testing"

	"chuangdai/internal/store"
)

// A setting is generated once and read back ever after (generate is not
// called again), each key on its own; RandomKey gives 32 random bytes in
// base64, a new value each time.
func TestSettings(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	calls := 0
	gen := func(v string) func() string {
		return func() string { calls++; return v }
	}
	if v, err := db.Setting(ctx, "test.first", gen("one")); err != nil || v != "one" {
		t.Fatalf("a new setting = %q, %v", v, err)
	}
	if v, err := db.Setting(ctx, "test.first", gen("two")); err != nil || v != "one" || calls != 1 {
		t.Fatalf("the setting again = %q, %v (%d generations); want the first value, generated once", v, err, calls)
	}
	if v, err := db.Setting(ctx, "test.second", gen("three")); err != nil || v != "three" {
		t.Fatalf("another setting = %q, %v", v, err)
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM settings WHERE key IN ('test.first', 'test.second')").Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows of the two settings = %d, %v", n, err)
	}
	a, b := store.RandomKey(), store.RandomKey()
	raw, err := base64.RawStdEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 || a == b {
		t.Fatalf("random keys %q and %q: %d bytes, %v", a, b, len(raw), err)
	}
}
