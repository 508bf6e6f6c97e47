package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/identity"
	"chuangdai/internal/store"
	"chuangdai/internal/user"
)

// principalWorld is an account with a role and two sessions.
func principalWorld(t *testing.T, db *store.DB) (auth.UserID, store.Users) {
	t.Helper()
	ctx := context.Background()
	users := store.Users{DB: db}
	now := time.Now().UTC().Truncate(time.Second)
	id, err := users.CreateUser(ctx, user.Record{User: user.User{Username: "watched", Name: "W", PasswordChangedAt: now, CreatedAt: now,
		Bindings: []auth.Binding{{Role: auth.FinanceAuditor}}}, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"s1", "s2"} {
		if err := users.CreateSession(ctx, user.Session{ID: s, UserID: id, CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeenAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	return id, users
}

func principalCounter(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRow("SELECT n FROM principal_changes WHERE id = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Every change to what a signed-in caller may do moves the counter of
// migration 00028 in its own transaction, through the store or by SQL; a
// sign-in or a session's idle clock does not.
func TestPrincipalChangesCountEveryKind(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	id, users := principalWorld(t, db)
	now := time.Now().UTC()
	change := func(fn func(r *user.Record)) error {
		_, err := users.Update(ctx, authz.ListScope{All: true}, id, func(_ context.Context, r *user.Record) (audit.Event, error) {
			fn(r)
			return audit.Event{Action: "user.update"}, nil
		})
		return err
	}
	changes := []struct {
		what   string
		change func() error
		moves  bool
	}{
		{"a session touched", func() error { return users.TouchSession(ctx, "s1", now) }, false},
		{"a session opened", func() error {
			return users.CreateSession(ctx, user.Session{ID: "s3", UserID: id, CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeenAt: now})
		}, false},
		{"a session revoked", func() error { return users.RevokeSession(ctx, "s1", now) }, true},
		{"the account's sessions revoked", func() error { return users.RevokeUserSessions(ctx, id, now) }, true},
		{"a new password", func() error {
			return change(func(r *user.Record) { r.PasswordHash, r.PasswordChangedAt = "y", now })
		}, true},
		{"a new role", func() error {
			return change(func(r *user.Record) { r.Bindings = []auth.Binding{{Role: auth.Entrepreneur}} })
		}, true},
		{"an identity bound", func() error {
			return store.Identities{DB: db}.Bind(ctx, identity.Identity{NationalID: "11010519491231002X", UserID: id, Method: identity.RealName, VerifiedAt: now})
		}, true},
		{"an account disabled by SQL", func() error { _, err := db.SQL().Exec("UPDATE users SET disabled = true"); return err }, true},
		{"a role removed by SQL", func() error { _, err := db.SQL().Exec("DELETE FROM user_roles"); return err }, true},
		{"sessions deleted by SQL", func() error { _, err := db.SQL().Exec("DELETE FROM sessions"); return err }, true},
	}
	for _, c := range changes {
		before := principalCounter(t, db)
		if err := c.change(); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if moved := principalCounter(t, db) != before; moved != c.moves {
			t.Errorf("%s: the counter moved %v, want %v", c.what, moved, c.moves)
		}
	}
}

// A change made through this store moves the generation as soon as it has
// committed, never for a change rolled back.
func TestPrincipalGenerationMovesOnCommit(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	id, users := principalWorld(t, db)
	gen := func() uint64 {
		t.Helper()
		g, err := db.PrincipalGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g0 := gen()
	if err := users.TouchSession(ctx, "s1", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g != g0 {
		t.Fatalf("a touched session moved the generation from %d to %d", g0, g)
	}
	rollback := errors.New("rolled back")
	err := db.InTx(ctx, func(ctx context.Context) error {
		if err := users.RevokeUserSessions(ctx, id, time.Now().UTC()); err != nil {
			return err
		}
		if g := gen(); g != g0 {
			t.Errorf("the generation moved from %d to %d before the commit", g0, g)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if g := gen(); g != g0 {
		t.Fatalf("a rolled-back revocation moved the generation from %d to %d", g0, g)
	}
	if err := db.InTx(ctx, func(ctx context.Context) error { return users.RevokeSession(ctx, "s2", time.Now().UTC()) }); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g == g0 {
		t.Fatal("a committed revocation left the generation where it was")
	}
}

// A change committed through another store on the same database (another
// instance) moves this one's generation at its next reading of the
// counter, within store.PrincipalPoll.
func TestPrincipalGenerationSeesOtherInstances(t *testing.T) {
	a := apptest.New(t)
	here := a.DB
	ctx := context.Background()
	id, _ := principalWorld(t, here)
	dbc, err := config.ParseDatabaseURL(a.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	there, err := store.Open(ctx, dbc, store.Pool{MaxOpen: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer there.Close()
	g0, err := here.PrincipalGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := (store.Users{DB: there}).RevokeUserSessions(ctx, id, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * store.PrincipalPoll)
	for {
		g, err := here.PrincipalGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if g != g0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the generation still is %d %s after another instance revoked the sessions", g, 5*store.PrincipalPoll)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
