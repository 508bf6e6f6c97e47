package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/crypt"
	"chuangdai/internal/store"
)

// With nothing configured, SQLite makes its key file (0600) beside a fresh
// database and finds it again; a database whose key file is gone, or that
// another key cannot open, does not start.
func TestDefaultKeyFile(t *testing.T) {
	dir := t.TempDir()
	cfg := apptest.Config("sqlite://" + filepath.Join(dir, "chuangdai.db"))
	cfg.DataKeys = ""
	ctx := context.Background()
	open := func(cfg config.Config) error {
		a, err := app.Open(ctx, cfg, apptest.Logger(t))
		if err == nil {
			_ = a.Close()
		}
		return err
	}
	if err := open(cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, config.KeyFileName)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s: %v, %v", path, st, err)
	}
	if err := open(cfg); err != nil {
		t.Fatalf("second start: %v", err)
	}
	keys, err := crypt.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := open(cfg); !errors.Is(err, store.ErrNoDataKey) {
		t.Fatalf("start without the key file: %v, want ErrNoDataKey", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a start without the key file made a new one")
	}
	other, _ := crypt.Generate(1)
	cfg.DataKeys = other.String()
	if err := open(cfg); !errors.Is(err, store.ErrNoDataKey) {
		t.Fatalf("start under another key 1: %v, want ErrNoDataKey", err)
	}
	// The newest key of a ring seals from then on; the older must stay
	// configured until a rotation, and the ring without it is refused.
	k2, _ := crypt.Generate(2)
	cfg.DataKeys = crypt.Format([]crypt.Key{k2, keys[0]})
	if err := open(cfg); err != nil {
		t.Fatalf("start with a new key 2: %v", err)
	}
	cfg.DataKeys = k2.String()
	if err := open(cfg); !errors.Is(err, store.ErrNoDataKey) {
		t.Fatalf("start without key 1 before a rotation: %v, want ErrNoDataKey", err)
	}
}

// TestDefaultKeyFileOfEachEngine: with no keys configured, a fresh database
// of either engine starts, making its default key file (beside a SQLite
// database; data/chuangdai.keys in the working directory for PostgreSQL),
// and starts again with it. A PostgreSQL instance started elsewhere, whose
// own new key would open nothing of the now encrypted database, refuses to
// start and makes no key.
func TestDefaultKeyFileOfEachEngine(t *testing.T) {
	ctx := context.Background()
	first := t.TempDir()
	t.Chdir(first)
	cfg := apptest.Config(apptest.DatabaseURL(t))
	cfg.DataKeys, cfg.DataKeyFile = "", ""
	dbc, err := config.ParseDatabaseURL(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	path, made := cfg.KeyFile(dbc)
	if !made {
		t.Fatalf("default key file %q is not made", path)
	}
	for i := range 2 {
		a, err := app.Open(ctx, cfg, apptest.Logger(t))
		if err != nil {
			t.Fatalf("start %d without configured keys: %v", i+1, err)
		}
		_ = a.Close()
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s: %v, %v", path, st, err)
	}
	if apptest.Engine() != "postgres" {
		return
	}
	if path != filepath.Join("data", config.KeyFileName) {
		t.Fatalf("PostgreSQL's default key file %q", path)
	}
	t.Chdir(t.TempDir())
	if _, err := app.Open(ctx, cfg, apptest.Logger(t)); !errors.Is(err, store.ErrNoDataKey) {
		t.Fatalf("second instance without the keys: %v, want ErrNoDataKey", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the second instance made a key of its own")
	}
}
