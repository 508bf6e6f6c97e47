package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/crypt"
	"chuangdai/internal/store"
	"chuangdai/internal/user"
)

// TestKeysRotate: with a new key first in the ring, a rotation re-encrypts
// every sealed value (and the lookup key) under it in batches; lookups by
// hash still find what they found; then the old key may go, and the
// database opens under the new key alone. A rotation cut off goes on when
// run again.
func TestKeysRotate(t *testing.T) {
	ctx := context.Background()
	k1, _ := crypt.Generate(1)
	k2, _ := crypt.Generate(2)
	url := apptest.DatabaseURL(t)
	cfg := apptest.Config(url)
	cfg.DataKeys = k1.String()
	cfg.FilesDir = t.TempDir()
	open := func(cfg config.Config) *app.App {
		t.Helper()
		a, err := app.Open(ctx, cfg, apptest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := open(cfg)
	// More users than a batch, each with a phone and a staff number.
	const n = 520
	for i := range n {
		if _, err := (store.Users{DB: a.DB}).CreateUser(ctx, user.Record{User: user.User{Username: fmt.Sprintf("u%d", i), Phone: fmt.Sprintf("1380013%04d", i), NationalID: idOf(i)},
			PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	under := func(a *app.App, id int) int {
		t.Helper()
		var c int
		if err := a.DB.SQL().QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM users WHERE phone LIKE 'v%d:%%'", id)).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := under(a, 1); got != n {
		t.Fatalf("%d phones under key 1, want %d", got, n)
	}
	_ = a.Close()

	cfg.DataKeys = crypt.Format([]crypt.Key{k2, k1})
	a = open(cfg)
	if _, err := a.DB.Reseal(ctx, apptest.Logger(t)); err != nil {
		t.Fatal(err)
	}
	if got1, got2 := under(a, 1), under(a, 2); got1 != 0 || got2 != n {
		t.Fatalf("after the rotation %d phones under key 1 and %d under key 2, want 0 and %d", got1, got2, n)
	}
	again, err := a.DB.Reseal(ctx, apptest.Logger(t))
	if err != nil || again != 0 {
		t.Fatalf("a second rotation: %d, %v; want nothing to do", again, err)
	}
	_ = a.Close()

	cfg.DataKeys = k2.String()
	a = open(cfg)
	defer a.Close()
	rec, err := store.Users{DB: a.DB}.Get(ctx, authz.ListScope{All: true}, n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rec.Phone, "1380013") || rec.NationalID != idOf(n-1) {
		t.Fatalf("user %d reads %q %q after the rotation", n, rec.Phone, rec.NationalID)
	}
	// Key 1 alone no longer opens anything.
	cfg.DataKeys = k1.String()
	if b, err := app.Open(ctx, cfg, apptest.Logger(t)); !errors.Is(err, store.ErrNoDataKey) {
		if b != nil {
			_ = b.Close()
		}
		t.Fatalf("open under the retired key: %v, want ErrNoDataKey", err)
	}
}

// idOf is a resident ID number for user i.
func idOf(i int) string { return fmt.Sprintf("41128219900101%04d", i) }
