package app_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
)

// Two instances on one database, each keeping the principals it has read
// (user.PrincipalTTL): a role change, a disabled account, a sign-out and a
// new password made through one are enforced by the other within the
// 5-second agreement of several instances (its next reading of the change
// counter, store.PrincipalPoll, a second), and from then on for good; on the
// instance that made the change, at once.
func TestKeptPrincipalsFollowChangesOnAnotherInstance(t *testing.T) {
	ctx := context.Background()
	one := apptest.New(t)
	other, err := app.Open(ctx, one.Config, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	a, b := apptest.Attach(t, one), apptest.Attach(t, other)
	for _, u := range []user.CreateInput{
		{Username: "admin", Password: apptest.Password, Name: "Admin", Role: "admin"},
		{Username: "auditor", Password: apptest.Password, Name: "Auditor", Role: "finance_auditor"},
	} {
		if _, err := one.Users.CreateFromCLI(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	admin := a.Login("admin", apptest.Password)
	id := strconv.Itoa(int(b.Do("GET", "/api/v1/me", b.Login("auditor", apptest.Password), nil).Want(200).JSON()["id"].(float64)))

	// within waits until b answers want to token on path, and checks that
	// it keeps answering it.
	within := func(what, path, token string, want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := b.Do("GET", path, token, nil)
			if r.Status == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the other instance still answers %d 5 s later, want %d", what, r.Status, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
		for range 3 {
			b.Do("GET", path, token, nil).Want(want)
		}
	}

	// cached signs the auditor in and has both instances keep its
	// principal.
	cached := func() string {
		t.Helper()
		tok := b.Login("auditor", apptest.Password)
		for _, s := range []*apptest.Server{a, b} {
			s.Do("GET", "/api/v1/audit-events", tok, nil).Want(200)
		}
		return tok
	}

	tok := cached()
	a.Do("PATCH", "/api/v1/users/"+id, admin, map[string]any{"role": "entrepreneur"}).Want(200)
	a.Do("GET", "/api/v1/me", tok, nil).Want(200)
	a.Do("GET", "/api/v1/audit-events", tok, nil).WantProblem(403, "forbidden")
	within("role change", "/api/v1/audit-events", tok, 403)
	a.Do("PATCH", "/api/v1/users/"+id, admin, map[string]any{"role": "finance_auditor"}).Want(200)
	within("role given back", "/api/v1/audit-events", tok, 200)

	a.Do("PATCH", "/api/v1/users/"+id, admin, map[string]any{"disabled": true}).Want(200)
	a.Do("GET", "/api/v1/me", tok, nil).WantProblem(401, "auth.unauthenticated")
	within("disabled account", "/api/v1/me", tok, 401)
	a.Do("PATCH", "/api/v1/users/"+id, admin, map[string]any{"disabled": false}).Want(200)

	tok = cached()
	a.Do("POST", "/api/v1/auth/logout", tok, nil).Want(204)
	a.Do("GET", "/api/v1/me", tok, nil).WantProblem(401, "auth.unauthenticated")
	within("sign-out", "/api/v1/me", tok, 401)

	tok = cached()
	a.Do("POST", "/api/v1/users/"+id+"/password", admin, map[string]string{"new_password": "Other-Pass-word-9"}).Want(204)
	a.Do("GET", "/api/v1/me", tok, nil).WantProblem(401, "auth.unauthenticated")
	within("new password", "/api/v1/me", tok, 401)
}
