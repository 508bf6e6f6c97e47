package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/idnum"
)

// unusable is the only thing an account hears about a resident ID number it
// is not verified for.
const unusable = "此身份证号码无法在本账号使用：请联系所在区县的人社部门"

// wantUnusable checks a 422 on national_id that says what to do and nothing
// about the person.
func wantUnusable(t *testing.T, r *apptest.Response) {
	t.Helper()
	r.WantProblem(422, "validation_failed")
	body := string(r.Body)
	if !slices.Equal(r.FieldErrors(), []string{"national_id"}) || !strings.Contains(body, unusable) {
		t.Fatalf("want the neutral answer on national_id: %s", body)
	}
	for _, leak := range []string{"loan", "repa", "overdue", "progress", "held", "贷款", "还款", "逾期", "办理", "享受"} {
		if strings.Contains(strings.ToLower(body), leak) {
			t.Fatalf("the answer tells about the person (%q): %s", leak, body)
		}
	}
}

// TestTypedResidentID is the attack of issue 12 item 2: a self-registered
// account types someone else's resident ID number into an application.
func TestTypedResidentID(t *testing.T) {
	c := newCast(t)
	s := c.s
	impostor := c.other

	// The victim is verified (their eligibility was approved), holds an
	// unpaid loan and has a training record.
	c.loan(t)
	victim := loanPersonID(c.seq)
	s.Do("POST", "/api/v1/training-records", c.hrss, training(victim, "SYB-V-1", apptest.District)).Want(201)
	wantUnusable(t, s.Do("POST", "/api/v1/applications", impostor, individual(victim)))
	// The victim's own account hears the reason.
	own := s.Do("POST", "/api/v1/applications", c.owner, individual(victim)).WantProblem(422, "validation_failed")
	if !strings.Contains(string(own.Body), "已有一笔尚未还清的贷款") {
		t.Errorf("the person's own account is told why: %s", own.Body)
	}

	// A person known only by records, and a loan imported from the legacy
	// system (bound to no account): the claim is refused without a reason.
	legacy := loanPersonID(91)
	s.Do("POST", "/api/v1/imports/loans", c.admin, legacyHeader+"LEG-1,王五,"+legacy+",male,retired_soldier,individual,"+
		apptest.District+","+apptest.Bank+",100000.00,0.0395,24,2023-01-10,2\n", "Content-Type", "text/csv").Want(200)
	wantUnusable(t, s.Do("POST", "/api/v1/applications", impostor, individual(legacy)))

	w := c.nextID()
	s.Do("POST", "/api/v1/training-records", c.hrss, training(w, "SYB-W-1", apptest.District)).Want(201)
	s.Do("POST", "/api/v1/service-records", c.hrss, map[string]any{"national_id": w, "kind": "mentoring", "date": "2024-04-02", "notes": "开业指导"}).Want(201)
	fake := path(s.Do("POST", "/api/v1/applications", impostor, individual(w)).Want(201).JSON()["id"], "")
	if p := s.Do("GET", fake+"/support", impostor, nil).Want(200).JSON(); count(p, "training") != 0 || count(p, "services") != 0 || count(p, "loans") != 0 {
		t.Fatalf("the impostor reads the person's records: %v", p)
	}
	s.Do("GET", "/api/v1/people/"+w+"/support", impostor, nil).WantProblem(403, "forbidden")
	s.Do("POST", fake+"/submit", impostor, nil).Want(200)

	// The real person is not blocked by the claim.
	realTok := s.User("real", "entrepreneur", "", "")
	real := path(s.Do("POST", "/api/v1/applications", realTok, individual(w)).Want(201).JSON()["id"], "")
	s.Do("POST", real+"/submit", realTok, nil).Want(200)
	if p := s.Do("GET", real+"/support", realTok, nil).Want(200).JSON(); count(p, "training") != 0 {
		t.Fatalf("records before verification: %v", p)
	}

	// The HRSS officer sees both claims; nobody else does.
	claims := func(url, tok string) []any {
		t.Helper()
		a := s.Do("GET", url, tok, nil).Want(200).JSON()
		if a["identity_verified"] != false {
			t.Fatalf("verified before the review: %v", a["identity_verified"])
		}
		cl, _ := a["identity_claims"].([]any)
		return cl
	}
	fakeNumber := s.Do("GET", fake, impostor, nil).Want(200).JSON()["number"]
	if cl := claims(real, c.hrss); len(cl) != 1 || cl[0].(map[string]any)["number"] != fakeNumber || cl[0].(map[string]any)["applicant"] != "other" {
		t.Fatalf("claims beside the real application: %v", cl)
	}
	if cl := claims(fake, c.hrss2); len(cl) != 1 || cl[0].(map[string]any)["applicant"] != "real" {
		t.Fatalf("claims beside the impostor's: %v", cl)
	}
	for _, tok := range []string{realTok, c.guar, c.bank, c.auditor} {
		if raw := string(s.Do("GET", real, tok, nil).Want(200).Body); strings.Contains(raw, "identity_claims") {
			t.Fatalf("claims shown to someone who does not decide eligibility: %s", raw)
		}
	}
	if raw := string(s.Do("GET", "/api/v1/applications", c.hrss, nil).Want(200).Body); strings.Contains(raw, "identity_claims") {
		t.Fatal("claims in a list")
	}

	// Approving eligibility verifies the real person; the impostor's claim
	// can then only be rejected.
	if a := s.Do("POST", real+"/decisions", c.hrss, map[string]any{"decision": "approve"}).Want(200).JSON(); a["identity_verified"] != true {
		t.Fatalf("approved but not verified: %v", a["identity_verified"])
	}
	s.Do("POST", fake+"/decisions", c.hrss2, map[string]any{"decision": "approve"}).WantProblem(409, "identity.conflict")
	s.Do("POST", fake+"/decisions", c.hrss2, map[string]any{"decision": "reject", "comment": "身份证与本人不符"}).Want(200)
	if p := s.Do("GET", real+"/support", realTok, nil).Want(200).JSON(); count(p, "training") != 1 || count(p, "services") != 1 {
		t.Fatalf("the verified applicant's own profile: %v", p)
	}
	wantUnusable(t, s.Do("POST", "/api/v1/applications", impostor, individual(w)))
	ev := s.Do("GET", "/api/v1/audit-events?entity_type=user&page_size=200", c.auditor, nil).Want(200).JSON()["items"].([]any)
	verified := 0
	for _, e := range ev {
		if e.(map[string]any)["action"] == "identity.verify" {
			verified++
		}
	}
	if verified != 2 {
		t.Errorf("identity.verify events: %d, want 2 (the victim's and the real person's)", verified)
	}
}

// TestUnverifiedClaimsDoNotBlock: two accounts claim one number; each may
// go on until an officer verifies one of them, and the other's edits and
// resubmission are then refused without a reason.
func TestUnverifiedClaimsDoNotBlock(t *testing.T) {
	c := newCast(t)
	s := c.s
	w := c.nextID()
	first := path(s.Do("POST", "/api/v1/applications", c.owner, individual(w)).Want(201).JSON()["id"], "")
	second := path(s.Do("POST", "/api/v1/applications", c.other, individual(w)).Want(201).JSON()["id"], "")
	s.Do("POST", second+"/submit", c.other, nil).Want(200)
	s.Do("POST", second+"/decisions", c.hrss, map[string]any{"decision": "return", "comment": "请补充租赁合同"}).Want(200)
	s.Do("POST", first+"/submit", c.owner, nil).Want(200)
	s.Do("POST", first+"/decisions", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	wantUnusable(t, s.Do("POST", second+"/submit", c.other, nil))
	// An edit that keeps the number is fine; moving to another number is
	// checked as a new claim.
	s.Do("PATCH", second, c.other, map[string]any{"purpose": "cold storage, bigger"}).Want(200)
	s.Do("PATCH", second, c.other, map[string]any{"national_id": c.nextID()}).Want(200)
	wantUnusable(t, s.Do("PATCH", second, c.other, map[string]any{"national_id": w}))
}

// register opens an entrepreneur account and returns its token.
func register(s *apptest.Server, username, name, phone string) string {
	s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": username, "password": apptest.Password, "name": name, "phone": phone}).Want(201)
	return s.Login(username, apptest.Password)
}

// TestRealNameCheck verifies an account through the IdentityVerifier port,
// against a real-name check service served locally.
func TestRealNameCheck(t *testing.T) {
	person := residentID("19900101", 77)
	var mu sync.Mutex
	var asked []map[string]string
	down := false
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer verifier-token-0123" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var in map[string]string
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		asked = append(asked, in)
		isDown := down
		mu.Unlock()
		if isDown {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		match := in["national_id"] == person && in["name"] == "张伟" && in["phone"] == "13800138000"
		_ = json.NewEncoder(w).Encode(map[string]bool{"match": match})
	}))
	defer service.Close()
	s := apptest.NewServerWith(t, func(c *config.Config) {
		c.IdentityVerifierURL, c.IdentityVerifierToken = service.URL, "verifier-token-0123"
	})
	calls := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(asked)
	}
	tok := register(s, "zhangwei", "张伟", "13800138000")
	if me := s.Do("GET", "/api/v1/me", tok, nil).Want(200).JSON(); me["real_name_check"] != true || len(me["identities"].([]any)) != 0 {
		t.Fatalf("me before: %v", me)
	}
	hrss := s.User("hrss", "hrss_officer", apptest.District, "")
	s.Do("POST", "/api/v1/training-records", hrss, training(person, "SYB-RN-1", apptest.District)).Want(201)
	app := path(s.Do("POST", "/api/v1/applications", tok, individual(person)).Want(201).JSON()["id"], "")
	if p := s.Do("GET", app+"/support", tok, nil).Want(200).JSON(); count(p, "training") != 0 {
		t.Fatalf("records before verification: %v", p)
	}

	bad := s.Do("POST", "/api/v1/me/identities", tok, map[string]any{"national_id": "123", "name": " "}).WantProblem(422, "validation_failed")
	if f := bad.FieldErrors(); !slices.Equal(f, []string{"national_id", "name"}) {
		t.Errorf("bad input: %v", f)
	}
	if calls() != 0 {
		t.Fatal("the service was asked about input that was not valid")
	}
	wrong := s.Do("POST", "/api/v1/me/identities", tok, map[string]any{"national_id": person, "name": "李四"}).WantProblem(422, "validation_failed")
	if !slices.Equal(wrong.FieldErrors(), []string{"national_id"}) {
		t.Errorf("a check that does not confirm: %s", wrong.Body)
	}
	r := s.Do("POST", "/api/v1/me/identities", tok, map[string]any{"national_id": person, "name": "张伟", "evidence": "certify-42"}).Want(201).JSON()
	if r["national_id"] != idnum.Mask(person) || r["method"] != "realname" || r["verified_at"] == nil {
		t.Fatalf("verified: %v", r)
	}
	mu.Lock()
	last := asked[len(asked)-1]
	mu.Unlock()
	if last["phone"] != "13800138000" || last["evidence"] != "certify-42" || last["national_id"] != person {
		t.Errorf("the service was asked %v", last)
	}
	s.Do("POST", "/api/v1/me/identities", tok, map[string]any{"national_id": person, "name": "张伟"}).Want(200)
	if p := s.Do("GET", app+"/support", tok, nil).Want(200).JSON(); count(p, "training") != 1 {
		t.Fatalf("records after verification: %v", p)
	}
	if a := s.Do("GET", app, tok, nil).Want(200).JSON(); a["identity_verified"] != true {
		t.Fatalf("application after verification: %v", a["identity_verified"])
	}
	if me := s.Do("GET", "/api/v1/me", tok, nil).Want(200).JSON(); len(me["identities"].([]any)) != 1 ||
		me["identities"].([]any)[0].(map[string]any)["national_id"] != idnum.Mask(person) {
		t.Fatalf("me after: %v", me)
	}

	// Another account: the number is bound, and the service is not asked.
	other := register(s, "lisi", "李四", "13900139000")
	before := calls()
	wantUnusable(t, s.Do("POST", "/api/v1/me/identities", other, map[string]any{"national_id": person, "name": "张伟"}))
	if calls() != before {
		t.Error("the service was asked about a number bound to another account")
	}
	s.Do("POST", "/api/v1/me/identities", hrss, map[string]any{"national_id": person, "name": "张伟"}).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/me/identities", "", map[string]any{"national_id": person, "name": "张伟"}).WantProblem(401, "auth.unauthenticated")

	// The service down, then guesses: five checks that do not confirm a day.
	mu.Lock()
	down = true
	mu.Unlock()
	s.Do("POST", "/api/v1/me/identities", other, map[string]any{"national_id": residentID("19900101", 78), "name": "李四"}).WantProblem(503, "identity.verifier_unavailable")
	mu.Lock()
	down = false
	mu.Unlock()
	for range 5 {
		s.Do("POST", "/api/v1/me/identities", other, map[string]any{"national_id": residentID("19900101", 79), "name": "王五"}).WantProblem(422, "validation_failed")
	}
	before = calls()
	limited := s.Do("POST", "/api/v1/me/identities", other, map[string]any{"national_id": residentID("19900101", 79), "name": "王五"}).WantProblem(429, "rate_limited")
	if limited.Header.Get("Retry-After") == "" || calls() != before {
		t.Errorf("the limit: Retry-After %q, service asked %d times more", limited.Header.Get("Retry-After"), calls()-before)
	}

	// Without a service configured.
	plain := apptest.NewServer(t)
	ptok := register(plain, "wangwu", "王五", "13700137000")
	if me := plain.Do("GET", "/api/v1/me", ptok, nil).Want(200).JSON(); me["real_name_check"] != false {
		t.Fatalf("me without a service: %v", me)
	}
	plain.Do("POST", "/api/v1/me/identities", ptok, map[string]any{"national_id": person, "name": "王五"}).WantProblem(409, "identity.no_verifier")
}
