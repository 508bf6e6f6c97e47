package httpapi_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// clock is a settable clock for the user service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func withClock(s *apptest.Server) *clock {
	c := &clock{t: time.Now()}
	s.App.Users.SetClock(c.now)
	return c
}

func login(s *apptest.Server, username, password string) *apptest.Response {
	return s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
}

func TestAccountLockoutAfterRepeatedFailures(t *testing.T) {
	s := apptest.NewServer(t)
	c := withClock(s)
	s.User("victim", "entrepreneur", "", "")
	for i := range 5 {
		login(s, "victim", "wrong-"+strconv.Itoa(i)).WantProblem(401, "auth.invalid_credentials")
	}
	r := login(s, "victim", apptest.Password).WantProblem(429, "rate_limited")
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 15*60 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// An unknown account locks the same way, so lockout does not reveal
	// which accounts exist.
	for range 5 {
		login(s, "ghost", "wrong").WantProblem(401, "auth.invalid_credentials")
	}
	login(s, "ghost", "wrong").WantProblem(429, "rate_limited")

	c.add(15*time.Minute + time.Second)
	login(s, "victim", apptest.Password).Want(200)
	// Success resets the count: four more failures do not lock.
	for range 4 {
		login(s, "victim", "wrong").WantProblem(401, "auth.invalid_credentials")
	}
	login(s, "victim", apptest.Password).Want(200)
}

func TestAddressThrottling(t *testing.T) {
	s := apptest.NewServer(t)
	withClock(s)
	s.User("bystander", "entrepreneur", "", "")
	// Fifty failures spread over many accounts from one address.
	for i := range 50 {
		login(s, "spray"+strconv.Itoa(i), "wrong").WantProblem(401, "auth.invalid_credentials")
	}
	r := login(s, "bystander", apptest.Password).WantProblem(429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestPasswordChangeRevokesTokens(t *testing.T) {
	s := apptest.NewServer(t)
	tok := s.User("alice.w", "entrepreneur", "", "")
	other := s.Login("alice.w", apptest.Password)
	s.Do("POST", "/api/v1/me/password", tok, map[string]string{"current_password": "not-it-at-all", "new_password": "brand-new-pass-2"}).WantProblem(422, "validation_failed")
	r := s.Do("POST", "/api/v1/me/password", tok, map[string]string{"current_password": apptest.Password, "new_password": "short"}).WantProblem(422, "validation_failed")
	if f := r.FieldErrors(); len(f) != 1 || f[0] != "new_password" {
		t.Fatalf("fields %v", f)
	}
	s.Do("POST", "/api/v1/me/password", tok, map[string]string{"current_password": apptest.Password, "new_password": "brand-new-pass-2"}).Want(204)
	s.Do("GET", "/api/v1/me", tok, nil).WantProblem(401, "auth.unauthenticated")
	s.Do("GET", "/api/v1/me", other, nil).WantProblem(401, "auth.unauthenticated")
	login(s, "alice.w", apptest.Password).WantProblem(401, "auth.invalid_credentials")
	fresh := s.Login("alice.w", "brand-new-pass-2")
	s.Do("GET", "/api/v1/me", fresh, nil).Want(200)

	// An administrator's reset ends the sessions too.
	me := s.Do("GET", "/api/v1/me", fresh, nil).JSON()
	id := strconv.Itoa(int(me["id"].(float64)))
	s.Do("POST", "/api/v1/users/"+id+"/password", fresh, map[string]string{"new_password": "admin-chosen-1"}).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/users/"+id+"/password", s.AdminToken, map[string]string{"new_password": "admin-chosen-1"}).Want(204)
	s.Do("GET", "/api/v1/me", fresh, nil).WantProblem(401, "auth.unauthenticated")
	s.Login("alice.w", "admin-chosen-1")
}

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	s := apptest.NewServer(t)
	c := withClock(s)
	tok := s.User("idle.user", "entrepreneur", "", "")
	c.add(59 * time.Minute)
	s.Do("GET", "/api/v1/me", tok, nil).Want(200) // use keeps it alive
	c.add(59 * time.Minute)
	s.Do("GET", "/api/v1/me", tok, nil).Want(200)
	c.add(61 * time.Minute)
	s.Do("GET", "/api/v1/me", tok, nil).WantProblem(401, "auth.unauthenticated")

	busy := s.Login("idle.user", apptest.Password)
	for range 9 { // 9 × 55 min > the 8 h absolute lifetime
		c.add(55 * time.Minute)
		if r := s.Do("GET", "/api/v1/me", busy, nil); r.Status != 200 {
			r.WantProblem(401, "auth.unauthenticated")
			return
		}
	}
	t.Fatal("a session in constant use outlived the absolute lifetime")
}

func TestAdminChangesRoleAndDisables(t *testing.T) {
	s := apptest.NewServer(t)
	tok := s.User("mover", "hrss_officer", apptest.District, "")
	me := s.Do("GET", "/api/v1/me", tok, nil).JSON()
	id := strconv.Itoa(int(me["id"].(float64)))
	s.Do("GET", "/api/v1/audit-events", tok, nil).WantProblem(403, "forbidden")

	r := s.Do("PATCH", "/api/v1/users/"+id, s.AdminToken, map[string]any{"role": "finance_auditor", "district_code": ""}).Want(200).JSON()
	if r["district_code"] != nil || r["roles"].([]any)[0] != "finance_auditor" {
		t.Fatalf("updated user = %v", r)
	}
	// The same token now carries the new role: roles come from the database.
	s.Do("GET", "/api/v1/audit-events", tok, nil).Want(200)

	s.Do("PATCH", "/api/v1/users/"+id, s.AdminToken, map[string]any{"role": "bank_officer"}).WantProblem(422, "validation_failed")
	s.Do("PATCH", "/api/v1/users/"+id, tok, map[string]any{"disabled": true}).WantProblem(403, "forbidden")
	s.Do("PATCH", "/api/v1/users/999999", s.AdminToken, map[string]any{"disabled": true}).WantProblem(404, "not_found")

	s.Do("PATCH", "/api/v1/users/"+id, s.AdminToken, map[string]any{"disabled": true}).Want(200)
	s.Do("GET", "/api/v1/me", tok, nil).WantProblem(401, "auth.unauthenticated")
	login(s, "mover", apptest.Password).WantProblem(401, "auth.invalid_credentials")
	s.Do("PATCH", "/api/v1/users/"+id, s.AdminToken, map[string]any{"disabled": false}).Want(200)
	s.Login("mover", apptest.Password)

	admin := s.Do("GET", "/api/v1/me", s.AdminToken, nil).JSON()
	adminID := strconv.Itoa(int(admin["id"].(float64)))
	s.Do("PATCH", "/api/v1/users/"+adminID, s.AdminToken, map[string]any{"disabled": true}).WantProblem(422, "validation_failed")
}

// The daily job deletes ended sessions and spent sign-in throttles, so the
// tables do not grow without bound; live sessions stay.
func TestPurgeEndedSessions(t *testing.T) {
	s := apptest.NewServer(t)
	c := withClock(s)
	s.User("old.user", "entrepreneur", "", "")
	gone := s.Login("old.user", apptest.Password)
	s.Do("POST", "/api/v1/auth/logout", gone, nil).Want(204)
	login(s, "nobody", "wrong").WantProblem(401, "auth.invalid_credentials")
	count := func(table string) int {
		var n int
		if err := s.App.DB.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count("sessions")
	c.add(9 * time.Hour) // past every token's 8 h lifetime
	c.add(25 * time.Hour)
	live := s.Login("old.user", apptest.Password)
	n, err := s.App.Users.Purge(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != before || count("sessions") != 1 || count("login_throttle") != 0 {
		t.Fatalf("purged %d of %d sessions; %d sessions and %d throttles left", n, before, count("sessions"), count("login_throttle"))
	}
	s.Do("GET", "/api/v1/me", live, nil).Want(200)
}
