package httpapi_test

import (
	"strconv"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
)

// behindProxy is a server that believes X-Forwarded-For from loopback, so
// that a test can speak from several addresses.
func behindProxy(t *testing.T) (*apptest.Server, *clock) {
	s := apptest.NewServerWith(t, func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	return s, withClock(s)
}

func loginFrom(s *apptest.Server, addr, username, password string) *apptest.Response {
	return s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, "X-Forwarded-For", addr)
}

func retryAfter(t *testing.T, r *apptest.Response) time.Duration {
	t.Helper()
	r.WantProblem(429, "rate_limited")
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

const attacker, owner = "203.0.113.66", "198.51.100.7"

// From the fifth failure in a row, the address that failed waits before its
// next try, twice as long after every further failure; the account's owner
// from another address signs in meanwhile. Administrators see the failures
// and the delay in the users list and detail, and a password reset lifts it.
func TestSignInDelayGrowsAndAdminsSeeIt(t *testing.T) {
	s, c := behindProxy(t)
	s.User("victim.a", "entrepreneur", "", "")
	for i := range 5 {
		loginFrom(s, attacker, "victim.a", "Wrong-guess-"+strconv.Itoa(i)).WantProblem(401, "auth.invalid_credentials")
	}
	if d := retryAfter(t, loginFrom(s, attacker, "victim.a", apptest.Password)); d != time.Minute {
		t.Fatalf("first delay %s, want 1m", d)
	}
	for _, want := range []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute} {
		c.add(retryAfter(t, loginFrom(s, attacker, "victim.a", "Wrong-again-1")))
		loginFrom(s, attacker, "victim.a", "Wrong-again-1").WantProblem(401, "auth.invalid_credentials")
		if d := retryAfter(t, loginFrom(s, attacker, "victim.a", apptest.Password)); d != want {
			t.Fatalf("delay %s, want %s", d, want)
		}
	}
	// Eight failures: the administrator is told.
	var list struct {
		Items []map[string]any `json:"items"`
	}
	s.Do("GET", "/api/v1/users?page_size=200", s.AdminToken, nil).Want(200).Decode(&list)
	var id string
	for _, u := range list.Items {
		if u["username"] == "victim.a" {
			id = jsonID(u["id"])
			if u["failed_sign_ins"] != 8.0 || u["sign_in_delayed_until"] == nil {
				t.Fatalf("users list: %v", u)
			}
		} else if u["failed_sign_ins"] != 0.0 || u["sign_in_delayed_until"] != nil {
			t.Fatalf("users list shows failures of %v", u)
		}
	}
	detail := s.Do("GET", "/api/v1/users/"+id, s.AdminToken, nil).Want(200).JSON()
	until, err := time.Parse(time.RFC3339, detail["sign_in_delayed_until"].(string))
	if err != nil || until.Sub(c.now()) < 7*time.Minute || detail["failed_sign_ins"] != 8.0 {
		t.Fatalf("user detail: %v", detail)
	}

	// The owner, from their own address, is not held back.
	loginFrom(s, owner, "victim.a", apptest.Password).Want(200)
	// The attacker's address still is.
	retryAfter(t, loginFrom(s, attacker, "victim.a", apptest.Password))
	// A reset lifts every delay of the account.
	s.Do("POST", "/api/v1/users/"+id+"/password", s.AdminToken, map[string]string{"new_password": "Reset-by-admin-9"}).Want(204)
	loginFrom(s, attacker, "victim.a", "Reset-by-admin-9").Want(200)
	detail = s.Do("GET", "/api/v1/users/"+id, s.AdminToken, nil).Want(200).JSON()
	if detail["failed_sign_ins"] != 0.0 || detail["sign_in_delayed_until"] != nil {
		t.Fatalf("after the reset: %v", detail)
	}
}

// An attacker failing on purpose, from one address or from many, cannot keep
// the administrator out: a delay that holds the administrator's own address
// back is never longer than a minute.
func TestNobodyLocksTheAdministratorOut(t *testing.T) {
	s, c := behindProxy(t)
	// The administrator signs in from their own address: at once, or after
	// at most a minute.
	ownerSignsIn := func() {
		t.Helper()
		r := loginFrom(s, owner, "admin", apptest.Password)
		if r.Status == 429 {
			d := retryAfter(t, r)
			if d > time.Minute {
				t.Fatalf("the administrator's own address waits %s", d)
			}
			c.add(d)
			r = loginFrom(s, owner, "admin", apptest.Password)
		}
		r.Want(200)
	}
	// One address, waiting out each delay: 30 failures over days.
	for range 30 {
		r := loginFrom(s, attacker, "admin", "Guess-guess-1")
		if r.Status == 429 {
			c.add(retryAfter(t, r))
			r = loginFrom(s, attacker, "admin", "Guess-guess-1")
		}
		r.WantProblem(401, "auth.invalid_credentials")
	}
	if d := retryAfter(t, loginFrom(s, attacker, "admin", apptest.Password)); d != time.Hour {
		t.Fatalf("the attacker's address waits %s, want the 1h cap", d)
	}
	ownerSignsIn()

	// Many addresses, one failure each: from the tenth in a row every
	// address waits a little (at most a minute), which bounds guessing.
	held := 0
	for i := range 40 {
		addr := "192.0.2." + strconv.Itoa(i+1)
		r := loginFrom(s, addr, "admin", "Guess-guess-2")
		if r.Status == 429 {
			held++
			if d := retryAfter(t, r); d > time.Minute {
				t.Fatalf("address %s waits %s", addr, d)
			}
			continue
		}
		r.WantProblem(401, "auth.invalid_credentials")
	}
	if held == 0 {
		t.Fatal("forty failures in a row from forty addresses were never held back")
	}
	ownerSignsIn()
}

// Registration is throttled per address: twenty accounts an hour by
// default (a taken name tried counts too), then 429 until the hour is over;
// other addresses are not affected.
func TestRegistrationThrottledPerAddress(t *testing.T) {
	s, c := behindProxy(t)
	register := func(addr, username string) *apptest.Response {
		return s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": username, "password": apptest.Password, "name": "申请人", "phone": "13800138000"}, "X-Forwarded-For", addr)
	}
	for i := range 19 {
		register(attacker, "bulk"+strconv.Itoa(i)).Want(201)
	}
	register(attacker, "bulk0").WantProblem(409, "conflict")
	if d := retryAfter(t, register(attacker, "bulk-more")); d > time.Hour {
		t.Fatalf("Retry-After %s", d)
	}
	register(owner, "someone.else").Want(201)
	c.add(time.Hour + time.Second)
	register(attacker, "bulk-more").Want(201)
}
