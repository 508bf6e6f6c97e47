package store_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/store"
	"chuangdai/internal/user"
)

// Accounts: a user name is taken once; a user reads back by name and by id
// with its role bindings; the list searches user names and names without
// regard to case, a % in the search is a character and not a wildcard, and
// pages run in the order of creation.
func TestUsers(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	users := store.Users{DB: db}
	district(t, db, apptest.District, "灵宝市")
	now := time.Now().UTC().Truncate(time.Second)
	create := func(username, name string, b auth.Binding) (auth.UserID, error) {
		return users.CreateUser(ctx, user.Record{User: user.User{Username: username, Name: name, PasswordChangedAt: now, CreatedAt: now,
			Bindings: []auth.Binding{b}}, PasswordHash: "x"})
	}
	var ids []auth.UserID
	for _, u := range []struct {
		username, name string
		b              auth.Binding
	}{
		{"li.na", "李娜", auth.Binding{Role: auth.Entrepreneur}},
		{"Zhang.Wei", "张伟", auth.Binding{Role: auth.HRSSOfficer, District: apptest.District}},
		{"wang%1", "王芳", auth.Binding{Role: auth.FinanceAuditor}},
	} {
		id, err := create(u.username, u.name, u.b)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := create("li.na", "另一个李娜", auth.Binding{Role: auth.Entrepreneur}); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a taken user name: %v, want a conflict", err)
	}

	r, err := users.UserByUsername(ctx, "Zhang.Wei")
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != ids[1] || r.Name != "张伟" || len(r.Bindings) != 1 || r.Bindings[0] != (auth.Binding{Role: auth.HRSSOfficer, District: apptest.District}) {
		t.Fatalf("by user name = %+v", r.User)
	}
	if r, err := users.Get(ctx, authz.ListScope{All: true}, ids[0]); err != nil || r.Username != "li.na" || r.Bindings[0].Role != auth.Entrepreneur {
		t.Fatalf("by id = %+v, %v", r.User, err)
	}
	if _, err := users.UserByUsername(ctx, "nobody"); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("an unknown user name: %v, want not found", err)
	}
	if _, err := users.Get(ctx, authz.ListScope{All: true}, ids[2]+100); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("an unknown id: %v, want not found", err)
	}

	list := func(q string, offset, limit int) ([]string, int64) {
		t.Helper()
		us, total, err := users.ListUsers(ctx, user.Filter{Query: q}, authz.ListScope{All: true}, offset, limit)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range us {
			names = append(names, u.Username)
		}
		return names, total
	}
	for _, c := range []struct {
		q             string
		offset, limit int
		want          []string
		total         int64
	}{
		{"", 0, 10, []string{"li.na", "Zhang.Wei", "wang%1"}, 3},
		{"zhang", 0, 10, []string{"Zhang.Wei"}, 1},
		{"王", 0, 10, []string{"wang%1"}, 1},
		{"%", 0, 10, []string{"wang%1"}, 1},
		{"", 1, 1, []string{"Zhang.Wei"}, 3},
	} {
		got, total := list(c.q, c.offset, c.limit)
		if total != c.total || len(got) != len(c.want) {
			t.Fatalf("list %q from %d: %v of %d, want %v of %d", c.q, c.offset, got, total, c.want, c.total)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("list %q from %d: %v, want %v", c.q, c.offset, got, c.want)
			}
		}
	}
}
