package httpapi_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/httpapi"
)

func TestRegisterLoginMe(t *testing.T) {
	s := apptest.NewServer(t)
	r := s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": "zhang.wei", "password": "long-enough-1", "name": "张伟", "phone": "13800138000"}).Want(201).JSON()
	if r["username"] != "zhang.wei" || !slices.Equal(toStrings(r["roles"]), []string{"entrepreneur"}) || r["id"] == nil {
		t.Fatalf("register answered %v", r)
	}
	s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": "ZHANG.WEI", "password": "long-enough-1", "name": "x"}).WantProblem(409, "conflict")
	bad := s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": "x", "password": "short", "name": "", "phone": "abc"}).WantProblem(422, "validation_failed")
	for _, f := range []string{"username", "password", "name", "phone"} {
		if !slices.Contains(bad.FieldErrors(), f) {
			t.Errorf("register errors %v miss %s", bad.FieldErrors(), f)
		}
	}
	// Registration cannot pick a role.
	s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": "sneaky", "password": "long-enough-1", "name": "x", "role": "admin"}).WantProblem(422, "validation_failed")

	login := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "zhang.wei", "password": "long-enough-1"}).Want(200).JSON()
	token, _ := login["token"].(string)
	if token == "" || login["expires_at"] == nil || login["user"].(map[string]any)["username"] != "zhang.wei" {
		t.Fatalf("login answered %v", login)
	}
	wrongPW := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "zhang.wei", "password": "wrong-password"}).WantProblem(401, "auth.invalid_credentials")
	unknown := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody", "password": "wrong-password"}).WantProblem(401, "auth.invalid_credentials")
	if stripID(wrongPW.Body) != stripID(unknown.Body) {
		t.Fatalf("wrong password and unknown user answer differently:\n%s\n%s", wrongPW.Body, unknown.Body)
	}

	me := s.Do("GET", "/api/v1/me", token, nil).Want(200).JSON()
	if me["username"] != "zhang.wei" || me["district_code"] != nil || me["bank_code"] != nil {
		t.Fatalf("me = %v", me)
	}
	s.Do("GET", "/api/v1/me", "", nil).WantProblem(401, "auth.unauthenticated")
	s.Do("GET", "/api/v1/me", token+"x", nil).WantProblem(401, "auth.unauthenticated")
	s.Do("GET", "/api/v1/me", "garbage", nil).WantProblem(401, "auth.unauthenticated")

	s.Do("POST", "/api/v1/auth/logout", token, nil).Want(204)
	s.Do("GET", "/api/v1/me", token, nil).WantProblem(401, "auth.unauthenticated")
}

func stripID(b []byte) string {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "request_id")
	out, _ := json.Marshal(m)
	return string(out)
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestAdminUserManagement(t *testing.T) {
	s := apptest.NewServer(t)
	officer := s.Do("POST", "/api/v1/users", s.AdminToken, map[string]string{
		"username": "hrss.lb", "password": "long-enough-1", "name": "王敏", "role": "hrss_officer", "district_code": apptest.District,
	}).Want(201).JSON()
	if officer["district_code"] != apptest.District || !slices.Equal(toStrings(officer["roles"]), []string{"hrss_officer"}) {
		t.Fatalf("created %v", officer)
	}
	tok := s.Login("hrss.lb", "long-enough-1")
	if me := s.Do("GET", "/api/v1/me", tok, nil).Want(200).JSON(); me["district_code"] != apptest.District {
		t.Fatalf("me = %v", me)
	}
	bankTok := s.User("bank.a", "bank_officer", "", apptest.Bank)
	if me := s.Do("GET", "/api/v1/me", bankTok, nil).Want(200).JSON(); me["bank_code"] != apptest.Bank {
		t.Fatalf("me = %v", me)
	}

	cases := []struct {
		name   string
		body   map[string]string
		fields []string
	}{
		{"district officer without district", map[string]string{"username": "g1_user", "password": "long-enough-1", "role": "guarantee_officer"}, []string{"district_code"}},
		{"bank officer without bank", map[string]string{"username": "b1_user", "password": "long-enough-1", "role": "bank_officer"}, []string{"bank_code"}},
		{"unknown district and bank", map[string]string{"username": "h2_user", "password": "long-enough-1", "role": "hrss_officer", "district_code": "999999", "bank_code": "NOPE"}, []string{"district_code", "bank_code"}},
		{"unknown role", map[string]string{"username": "x1_user", "password": "long-enough-1", "role": "root"}, []string{"role"}},
		{"auditor bound to a bank", map[string]string{"username": "a1_user", "password": "long-enough-1", "role": "finance_auditor", "bank_code": apptest.Bank}, []string{"bank_code"}},
	}
	for _, c := range cases {
		got := s.Do("POST", "/api/v1/users", s.AdminToken, c.body).WantProblem(422, "validation_failed").FieldErrors()
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
	s.Do("POST", "/api/v1/users", s.AdminToken, map[string]string{"username": "hrss.lb", "password": "long-enough-1", "role": "finance_auditor"}).WantProblem(409, "conflict")
	s.Do("POST", "/api/v1/users", tok, map[string]string{"username": "x2", "password": "long-enough-1", "role": "admin"}).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/users", tok, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/users", "", nil).WantProblem(401, "auth.unauthenticated")

	list := s.Do("GET", "/api/v1/users?page=1&page_size=2", s.AdminToken, nil).Want(200).JSON()
	if list["total"].(float64) != 3 || len(list["items"].([]any)) != 2 || list["page_size"].(float64) != 2 {
		t.Fatalf("users list = %v", list)
	}
	if got := s.Do("GET", "/api/v1/users?page_size=500", s.AdminToken, nil).Want(200).JSON()["page_size"]; got != 200.0 {
		t.Fatalf("page_size 500 served as %v, want it capped at 200", got)
	}
	s.Do("GET", "/api/v1/users?page_size=0", s.AdminToken, nil).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/users?page_size=ten", s.AdminToken, nil).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/users?page=zero", s.AdminToken, nil).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/users/999999", s.AdminToken, nil).WantProblem(404, "not_found")
	s.Do("GET", "/api/v1/users/abc", s.AdminToken, nil).WantProblem(404, "not_found")
}

func TestReferenceData(t *testing.T) {
	s := apptest.NewServer(t)
	ent := s.User("ent1", "entrepreneur", "", "")
	aud := s.User("aud1", "finance_auditor", "", "")

	s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": "411224", "name": "卢氏县"}).Want(201)
	s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": "411224", "name": "卢氏县"}).WantProblem(409, "conflict")
	got := s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": "41A", "name": ""}).WantProblem(422, "validation_failed").FieldErrors()
	if !slices.Equal(got, []string{"code", "name"}) {
		t.Fatalf("fields %v", got)
	}
	s.Do("POST", "/api/v1/districts", ent, map[string]string{"code": "411221", "name": "渑池县"}).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/districts", aud, map[string]string{"code": "411221", "name": "渑池县"}).WantProblem(403, "forbidden")
	ds := s.Do("GET", "/api/v1/districts", ent, nil).Want(200).JSON()["items"].([]any)
	if len(ds) != 3 || ds[0].(map[string]any)["code"] != "411224" {
		t.Fatalf("districts = %v", ds)
	}
	s.Do("GET", "/api/v1/districts", "", nil).WantProblem(401, "auth.unauthenticated")

	s.Do("POST", "/api/v1/banks", s.AdminToken, map[string]string{"code": "ABC-SMX", "name": "中国农业银行三门峡分行"}).Want(201)
	s.Do("POST", "/api/v1/banks", s.AdminToken, map[string]string{"code": "ABC-SMX", "name": "x"}).WantProblem(409, "conflict")
	s.Do("POST", "/api/v1/banks", s.AdminToken, map[string]string{"code": "lower case", "name": "x"}).WantProblem(422, "validation_failed")
	s.Do("POST", "/api/v1/banks", aud, map[string]string{"code": "BOC", "name": "x"}).WantProblem(403, "forbidden")
	if bs := s.Do("GET", "/api/v1/banks", aud, nil).Want(200).JSON()["items"].([]any); len(bs) != 3 {
		t.Fatalf("banks = %v", bs)
	}

	targets := map[string]any{"items": []map[string]any{
		{"district_code": apptest.District, "loan_amount": "255000000.00", "returnee_loan_amount": "60000000.00", "jobs": 2550},
		{"district_code": apptest.OtherDistrict, "loan_amount": "50000000.5"},
	}}
	put := s.Do("PUT", "/api/v1/targets/2024", s.AdminToken, targets).Want(200).JSON()
	items := put["items"].([]any)
	if put["year"].(float64) != 2024 || len(items) != 2 {
		t.Fatalf("targets = %v", put)
	}
	first := items[0].(map[string]any)
	if first["district_code"] != apptest.OtherDistrict || first["loan_amount"] != "50000000.50" || first["returnee_loan_amount"] != nil {
		t.Fatalf("target = %v", first)
	}
	second := items[1].(map[string]any)
	if second["loan_amount"] != "255000000.00" || second["returnee_loan_amount"] != "60000000.00" || second["jobs"].(float64) != 2550 || second["district_name"] != "灵宝市" {
		t.Fatalf("target = %v", second)
	}
	// Replacing drops what is not listed again.
	s.Do("PUT", "/api/v1/targets/2024", s.AdminToken, map[string]any{"items": []map[string]any{{"district_code": apptest.District, "loan_amount": "1.00"}}}).Want(200)
	if got := s.Do("GET", "/api/v1/targets/2024", ent, nil).Want(200).JSON()["items"].([]any); len(got) != 1 {
		t.Fatalf("after replace: %v", got)
	}
	badTargets := map[string]any{"items": []map[string]any{
		{"district_code": "999999", "loan_amount": "1.005"},
		{"district_code": apptest.District, "loan_amount": "-1.00", "jobs": -3},
		{"district_code": apptest.District, "loan_amount": "1.00"},
	}}
	fields := s.Do("PUT", "/api/v1/targets/2024", s.AdminToken, badTargets).WantProblem(422, "validation_failed").FieldErrors()
	want := []string{"items[0].district_code", "items[0].loan_amount", "items[1].loan_amount", "items[1].jobs", "items[2].district_code"}
	if !slices.Equal(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
	s.Do("PUT", "/api/v1/targets/2024", ent, targets).WantProblem(403, "forbidden")
	s.Do("PUT", "/api/v1/targets/1999", s.AdminToken, targets).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/targets/abc", ent, nil).WantProblem(422, "validation_failed")
	if got := s.Do("GET", "/api/v1/targets/2030", ent, nil).Want(200).JSON()["items"].([]any); len(got) != 0 {
		t.Fatalf("empty year: %v", got)
	}
}

func TestAuditTrail(t *testing.T) {
	s := apptest.NewServer(t)
	ent := s.User("ent1", "entrepreneur", "", "")
	aud := s.User("aud1", "finance_auditor", "", "")
	s.Do("PUT", "/api/v1/targets/2024", s.AdminToken, map[string]any{"items": []map[string]any{{"district_code": apptest.District, "loan_amount": "100.00"}}}).Want(200)

	list := s.Do("GET", "/api/v1/audit-events?entity_type=targets&entity_id=2024", aud, nil).Want(200).JSON()
	items := list["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("events = %v", list)
	}
	ev := items[0].(map[string]any)
	if ev["action"] != "targets.replace" || ev["actor"] != "admin" || ev["request_id"] == "" || ev["after"] == nil {
		t.Fatalf("event = %v", ev)
	}
	all := s.Do("GET", "/api/v1/audit-events?page_size=200", aud, nil).Want(200).JSON()
	// admin, 2 districts, 2 banks, 2 users, targets
	if all["total"].(float64) != 8 {
		t.Fatalf("total events = %v", all["total"])
	}
	for _, e := range all["items"].([]any) {
		if strings.Contains(string(mustJSON(e)), "$2a$") {
			t.Fatalf("a password hash reached the audit trail: %v", e)
		}
	}
	s.Do("GET", "/api/v1/audit-events", ent, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/audit-events/verify", ent, nil).WantProblem(403, "forbidden")
	s.Do("DELETE", "/api/v1/audit-events", s.AdminToken, nil).WantProblem(405, "method_not_allowed")

	v := s.Do("GET", "/api/v1/audit-events/verify", aud, nil).Want(200).JSON()
	if v["ok"] != true || v["events"].(float64) != 8 {
		t.Fatalf("verify = %v", v)
	}
	// An edit made in the database afterwards breaks the chain.
	if _, err := s.App.DB.SQL().Exec("UPDATE audit_events SET after = '{\"loan_amount\":\"999.00\"}' WHERE action = 'targets.replace'"); err != nil {
		t.Fatal(err)
	}
	v = s.Do("GET", "/api/v1/audit-events/verify", s.AdminToken, nil).Want(200).JSON()
	if v["ok"] != false || v["bad_event_id"] == nil {
		t.Fatalf("verify after tampering = %v", v)
	}
}

func TestAuditChainDetectsDeletion(t *testing.T) {
	s := apptest.NewServer(t)
	if _, err := s.App.DB.SQL().Exec("DELETE FROM audit_events WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	if v := s.Do("GET", "/api/v1/audit-events/verify", s.AdminToken, nil).Want(200).JSON(); v["ok"] != false {
		t.Fatalf("verify after deletion = %v", v)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestErrorsAreProblems(t *testing.T) {
	s := apptest.NewServer(t)
	s.Do("GET", "/api/v1/nothing-here", "", nil).WantProblem(404, "not_found")
	s.Do("GET", "/no/such/page", "", nil).WantProblem(404, "not_found")
	s.Do("PATCH", "/api/v1/districts", s.AdminToken, nil).WantProblem(405, "method_not_allowed")
	s.Do("POST", "/api/v1/districts", s.AdminToken, "{not json").WantProblem(400, "bad_request")
	s.Do("POST", "/api/v1/districts", s.AdminToken, "").WantProblem(400, "bad_request")
	s.Do("POST", "/api/v1/districts", s.AdminToken, "[1,2]").WantProblem(400, "bad_request")
	r := s.Do("POST", "/api/v1/districts", s.AdminToken, `{"code":411224,"name":"x"}`).WantProblem(422, "validation_failed")
	if !slices.Equal(r.FieldErrors(), []string{"code"}) {
		t.Fatalf("fields %v", r.FieldErrors())
	}
	r = s.Do("POST", "/api/v1/districts", s.AdminToken, `{"code":"411224","name":"x","extra":1}`).WantProblem(422, "validation_failed")
	if !slices.Equal(r.FieldErrors(), []string{"extra"}) {
		t.Fatalf("fields %v", r.FieldErrors())
	}
	big := bytes.Repeat([]byte("a"), 11<<20)
	s.Do("POST", "/api/v1/districts", s.AdminToken, big).WantProblem(413, "request_too_large")
	p := s.Do("GET", "/api/v1/me", "", nil).JSON()
	for _, k := range []string{"type", "title", "status", "detail", "code", "request_id"} {
		if _, ok := p[k]; !ok {
			t.Errorf("problem lacks %s: %v", k, p)
		}
	}
}

func TestOperations(t *testing.T) {
	s := apptest.NewServer(t)
	s.Do("GET", "/healthz", "", nil).Want(200)
	s.Do("GET", "/readyz", "", nil).Want(200)
	s.Do("GET", "/api/v1/me", s.AdminToken, nil).Want(200)
	m := s.Do("GET", "/metrics", "", nil).Want(200)
	if !strings.Contains(string(m.Body), `chuangdai_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1`) ||
		!strings.Contains(string(m.Body), "chuangdai_http_request_duration_seconds_bucket") {
		t.Fatalf("metrics lack request counters:\n%s", m.Body)
	}
	page := s.Do("GET", "/", "", nil).Want(200)
	if !strings.Contains(string(page.Body), "创贷") || page.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("UI page: %s", page.Body)
	}
	for _, r := range []*apptest.Response{page, s.Do("GET", "/api/v1/me", s.AdminToken, nil), s.Do("GET", "/nope", "", nil)} {
		h := r.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("Server") != "" {
			t.Fatalf("security headers missing or a version leaked: %v", h)
		}
	}
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %s", csp)
	}
	// The database going away makes readiness fail.
	if err := s.App.DB.Close(); err != nil {
		t.Fatal(err)
	}
	s.Do("GET", "/readyz", "", nil).WantProblem(503, "unavailable")
	s.Do("GET", "/healthz", "", nil).Want(200)
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s := apptest.NewServer(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	s.Do("GET", "/api/openapi.json", "", nil).Want(200).Decode(&doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	if !strings.Contains(string(s.Do("GET", "/api/openapi.json", "", nil).Body), "Idempotency-Key") {
		t.Error("the Idempotency-Key header of money actions is undocumented")
	}
	if len(s.App.Server.Routes) < 10 {
		t.Fatalf("route table has only %d routes", len(s.App.Server.Routes))
	}
	for _, r := range s.App.Server.Routes {
		op, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s missing from the OpenAPI document", r.Method, r.Path)
			continue
		}
		if _, ok := op.(map[string]any)["responses"].(map[string]any)[itoa(r.Status)]; !ok {
			t.Errorf("%s %s: success status %d undocumented", r.Method, r.Path, r.Status)
		}
		params, _ := op.(map[string]any)["parameters"].([]any)
		for _, h := range r.Headers {
			found := false
			for _, p := range params {
				pm := p.(map[string]any)
				found = found || (pm["in"] == "header" && pm["name"] == h.Name)
			}
			if !found {
				t.Errorf("%s %s: header %s undocumented", r.Method, r.Path, h.Name)
			}
		}
	}
	// Every API route gin serves is in the route table, and so documented.
	documented := map[string]bool{}
	for _, r := range s.App.Server.Routes {
		documented[r.Method+" "+r.Path] = true
	}
	for _, r := range s.App.Server.Served() {
		if strings.HasPrefix(r, "GET /api/openapi.json") || !strings.Contains(r, " /api/") {
			continue
		}
		if !documented[r] {
			t.Errorf("%s is served but not in the route table", r)
		}
	}
}

// TestOpenAPIFitsTheValidators: kin-openapi loads and validates the served
// document (apptest then checks every answer of every HTTP test against
// it), and no schema says "nullable" without a "type", which ajv refuses
// (make openapi-check compiles the whole document in ajv and oapi-codegen).
func TestOpenAPIFitsTheValidators(t *testing.T) {
	s := apptest.NewServer(t)
	body := s.Do("GET", "/api/openapi.json", "", nil).Want(200).Body
	if _, _, err := apptest.LoadOpenAPI(body); err != nil {
		t.Fatalf("kin-openapi refuses the document: %v", err)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if _, typed := x["type"]; x["nullable"] == true && !typed {
				t.Errorf("%s: nullable without a type (ajv refuses it)", at)
			}
			for k, e := range x {
				walk(e, at+"/"+k)
			}
		case []any:
			for i, e := range x {
				walk(e, at+"/"+itoa(i))
			}
		}
	}
	walk(doc, "#")
	if !bytes.Equal(body, httpapi.Document()) {
		t.Error("chuangdai openapi prints another document than the server serves")
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
