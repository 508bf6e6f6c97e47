package httpapi_test

import (
	"strconv"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
)

// weakPasswords are refused for user name "carol.k" by one rule each.
var weakPasswords = map[string]string{
	"Sh0rt-pw!":       "shorter than 10 characters",
	"onlylowercase":   "one character class",
	"lower-and-dash":  "two character classes",
	"Password123":     "a common password",
	"Iloveyou2024!":   "a common password with digits and symbols around it",
	"my-Carol.K-2024": "contains the user name",
}

// Every way a password is set applies the same rules: registration, an
// administrator creating an account or resetting a password, and a user
// changing their own.
func TestPasswordRulesEverywhere(t *testing.T) {
	s := apptest.NewServer(t)
	for pw, why := range weakPasswords {
		r := s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": "carol.k", "password": pw, "name": "卡罗尔", "phone": "13800138000"})
		if r.WantProblem(422, "validation_failed"); !equal(r.FieldErrors(), "password") {
			t.Errorf("register with %q (%s): %s", pw, why, r.Body)
		}
		r = s.Do("POST", "/api/v1/users", s.AdminToken, map[string]string{"username": "carol.k", "password": pw, "role": "finance_auditor"})
		if r.WantProblem(422, "validation_failed"); !equal(r.FieldErrors(), "password") {
			t.Errorf("create with %q (%s): %s", pw, why, r.Body)
		}
	}
	s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": "carol.k", "password": apptest.Password, "name": "卡罗尔", "phone": "13800138000"}).Want(201)
	tok := s.Login("carol.k", apptest.Password)
	id := strconv.Itoa(int(s.Do("GET", "/api/v1/me", tok, nil).Want(200).JSON()["id"].(float64)))
	for pw, why := range weakPasswords {
		r := s.Do("POST", "/api/v1/me/password", tok, map[string]string{"current_password": apptest.Password, "new_password": pw})
		if r.WantProblem(422, "validation_failed"); !equal(r.FieldErrors(), "new_password") {
			t.Errorf("change to %q (%s): %s", pw, why, r.Body)
		}
		r = s.Do("POST", "/api/v1/users/"+id+"/password", s.AdminToken, map[string]string{"new_password": pw})
		if r.WantProblem(422, "validation_failed"); !equal(r.FieldErrors(), "new_password") {
			t.Errorf("reset to %q (%s): %s", pw, why, r.Body)
		}
	}
	// The current password is no new one.
	s.Do("POST", "/api/v1/me/password", tok, map[string]string{"current_password": apptest.Password, "new_password": apptest.Password}).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/me", tok, nil).Want(200)
	s.Do("POST", "/api/v1/me/password", tok, map[string]string{"current_password": apptest.Password, "new_password": "Gantry-Lamp-42"}).Want(204)
	s.Login("carol.k", "Gantry-Lamp-42")
}

func equal(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// With CHUANGDAI_PASSWORD_EXPIRY_DAYS, a user whose password is older signs
// in only to change it: the token reads the account and changes the
// password, every other route answers 403 auth.password_expired.
func TestExpiredPasswordMustBeChangedFirst(t *testing.T) {
	s := apptest.NewServerWith(t, func(c *config.Config) { c.PasswordExpiryDays = 90 })
	c := withClock(s)
	s.User("dave.m", "hrss_officer", apptest.District, "")
	r := login(s, "dave.m", apptest.Password).Want(200).JSON()
	if r["password_expired"] != false {
		t.Fatalf("a fresh password expired: %v", r)
	}
	c.add(90*24*time.Hour - 30*time.Minute)
	tok := s.Login("dave.m", apptest.Password)
	s.Do("GET", "/api/v1/applications", tok, nil).Want(200)

	c.add(40 * time.Minute)
	// The token signed in before the expiry is held back as well.
	s.Do("GET", "/api/v1/applications", tok, nil).WantProblem(403, "auth.password_expired")
	r = login(s, "dave.m", apptest.Password).Want(200).JSON()
	if r["password_expired"] != true {
		t.Fatalf("sign-in after 90 days: %v", r)
	}
	expired := r["token"].(string)
	for _, call := range [][2]string{{"GET", "/api/v1/applications"}, {"GET", "/api/v1/loans"}, {"GET", "/api/v1/districts"}, {"POST", "/api/v1/training-records"}} {
		var body any
		if call[0] == "POST" {
			body = map[string]any{}
		}
		s.Do(call[0], call[1], expired, body).WantProblem(403, "auth.password_expired")
	}
	if me := s.Do("GET", "/api/v1/me", expired, nil).Want(200).JSON(); me["password_expired"] != true {
		t.Fatalf("me: %v", me)
	}
	s.Do("POST", "/api/v1/me/password", expired, map[string]string{"current_password": apptest.Password, "new_password": "Fresh-Spring-77"}).Want(204)
	s.Do("GET", "/api/v1/me", expired, nil).WantProblem(401, "auth.unauthenticated")
	r = login(s, "dave.m", "Fresh-Spring-77").Want(200).JSON()
	if r["password_expired"] != false {
		t.Fatalf("sign-in after the change: %v", r)
	}
	s.Do("GET", "/api/v1/applications", r["token"].(string), nil).Want(200)
}

// By default passwords never expire.
func TestPasswordsNeverExpireByDefault(t *testing.T) {
	s := apptest.NewServer(t)
	c := withClock(s)
	s.User("erin.q", "finance_auditor", "", "")
	c.add(10 * 365 * 24 * time.Hour)
	r := login(s, "erin.q", apptest.Password).Want(200).JSON()
	if r["password_expired"] != false {
		t.Fatalf("login after ten years: %v", r)
	}
	s.Do("GET", "/api/v1/applications", r["token"].(string), nil).Want(200)
}
