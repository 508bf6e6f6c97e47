package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/crypt"
	"chuangdai/internal/store"
)

// ring makes a ring of the keys, newest first.
func ring(t *testing.T, keys ...crypt.Key) *crypt.Ring {
	t.Helper()
	r, err := crypt.NewRing(keys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A database's data keys: a fresh one has no sealed data and no ring until
// UseKeys; then its lookup key is kept sealed, and a later start with a
// ring missing a key that may have sealed data is refused (ErrNoDataKey),
// even when the lookup key opens.
// SealClear seals what an earlier release left in clear and fills its
// hash; Reseal moves every value and the lookup key to the newest key,
// hashes unchanged, after which the older key may go.
func TestDataKeysSealAndReseal(t *testing.T) {
	ctx := context.Background()
	dbc, err := config.ParseDatabaseURL(apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	open := func() *store.DB {
		t.Helper()
		db, err := store.Open(ctx, dbc, store.Pool{MaxOpen: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db := open()
	if err := db.Migrate(ctx, apptest.Logger(t)); err != nil {
		t.Fatal(err)
	}
	k1, err := crypt.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := crypt.Generate(2)
	if err != nil {
		t.Fatal(err)
	}
	if has, err := db.HasSealedData(ctx); err != nil || has || db.Keys() != nil {
		t.Fatalf("a fresh database: sealed data %v, %v, ring %v", has, err, db.Keys())
	}
	if err := db.UseKeys(ctx, ring(t, k1)); err != nil {
		t.Fatal(err)
	}
	if has, err := db.HasSealedData(ctx); err != nil || !has || db.Keys() == nil {
		t.Fatalf("after UseKeys: sealed data %v, %v, ring %v", has, err, db.Keys())
	}
	if err := open().UseKeys(ctx, ring(t, k2)); !errors.Is(err, store.ErrNoDataKey) {
		t.Fatalf("a start without the key in use: %v, want ErrNoDataKey", err)
	}

	exec := sqlExec(t, db)
	placesFixture(exec)
	const nid = "11010519491231002X"
	insertLoan(exec, 7, "NULL", "NULL", nid, "individual", 10000000, 30000000)
	column := func(q string) string {
		t.Helper()
		var v string
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	if err := db.SealClear(ctx, apptest.Logger(t)); err != nil {
		t.Fatal(err)
	}
	if v := column("SELECT national_id FROM loans WHERE id = 7"); !strings.HasPrefix(v, "v1:") {
		t.Fatalf("after SealClear the resident ID is stored as %q", v)
	}
	hash := column("SELECT national_id_hash FROM loans WHERE id = 7")
	if hash != db.Keys().Hash(nid) {
		t.Fatalf("after SealClear the hash is %q, want %q", hash, db.Keys().Hash(nid))
	}
	if l, err := (store.Loans{DB: db}).Get(ctx, authz.ListScope{All: true}, 7); err != nil || l.NationalID != nid {
		t.Fatalf("the loan read back with %q, %v", l.NationalID, err)
	}

	both := open()
	if err := both.UseKeys(ctx, ring(t, k2, k1)); err != nil {
		t.Fatal(err)
	}
	if v := column("SELECT value FROM settings WHERE key = 'data_key_ids'"); v != "2,1" {
		t.Fatalf("data keys in use after a start with key 2 = %q, want 2,1", v)
	}
	if err := open().UseKeys(ctx, ring(t, k2)); !errors.Is(err, store.ErrNoDataKey) {
		t.Fatalf("a start without key 1 before the re-encryption: %v, want ErrNoDataKey", err)
	}
	if err := open().UseKeys(ctx, ring(t, k1)); !errors.Is(err, store.ErrNoDataKey) {
		t.Fatalf("a start without key 2 once it may have sealed data (the lookup key still under key 1): %v, want ErrNoDataKey", err)
	}
	n, err := both.Reseal(ctx, apptest.Logger(t))
	if err != nil || n < 1 {
		t.Fatalf("reseal: %d values, %v", n, err)
	}
	if v := column("SELECT national_id FROM loans WHERE id = 7"); !strings.HasPrefix(v, "v2:") {
		t.Fatalf("after Reseal the resident ID is stored as %q", v)
	}
	if v := column("SELECT national_id_hash FROM loans WHERE id = 7"); v != hash {
		t.Fatalf("after Reseal the hash is %q, want it unchanged %q", v, hash)
	}
	if v := column("SELECT value FROM settings WHERE key = 'data_lookup_key'"); !strings.HasPrefix(v, "v2:") {
		t.Fatalf("after Reseal the lookup key is stored as %q", v)
	}
	if v := column("SELECT value FROM settings WHERE key = 'data_key_ids'"); v != "2" {
		t.Fatalf("data keys in use after Reseal = %q, want 2", v)
	}
	only := open()
	if err := only.UseKeys(ctx, ring(t, k2)); err != nil {
		t.Fatalf("a start with key 2 alone after Reseal: %v", err)
	}
	if l, err := (store.Loans{DB: only}).Get(ctx, authz.ListScope{All: true}, 7); err != nil || l.NationalID != nid {
		t.Fatalf("the loan read back with key 2 alone: %q, %v", l.NationalID, err)
	}
	if n, err := only.Reseal(ctx, apptest.Logger(t)); err != nil || n != 0 {
		t.Fatalf("a second reseal: %d values, %v; want none", n, err)
	}
}
