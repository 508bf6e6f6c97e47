package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/idnum"
	"chuangdai/internal/store"
)

// residentID builds a valid resident ID number for a birth date
// (YYYYMMDD) and a sequence; an odd sequence is a man, an even one a woman.
func residentID(birth string, seq int) string {
	body := "411282" + birth + fmt.Sprintf("%03d", seq)
	return idnum.WithCheckDigit(body)
}

// individual is a valid individual application in apptest.District and apptest.Bank.
func individual(nationalID string) map[string]any {
	return map[string]any{
		"borrower_type": "individual", "name": "张伟", "national_id": nationalID, "phone": "13800138000",
		"key_group": "returning_migrant_worker", "district_code": apptest.District, "bank_code": apptest.Bank,
		"amount": "200000.00", "term_months": 24, "business_name": "灵宝苹果合作社", "industry": "agriculture",
		"purpose": "cold storage", "jobs_planned": 3, "not_employed": true,
	}
}

// cast is the set of users an application test needs.
type cast struct {
	s                      *apptest.Server
	owner, other           string
	hrss, hrss2, hrssOther string
	guar, guar2, guarOther string
	bank, bank2, bankOther string
	auditor, admin         string
	seq                    int
}

func newCast(t *testing.T) *cast { return newCastOn(apptest.NewServer(t)) }

// newCastOn makes the users of a cast on s.
func newCastOn(s *apptest.Server) *cast {
	return &cast{
		s:         s,
		owner:     s.User("owner", "entrepreneur", "", ""),
		other:     s.User("other", "entrepreneur", "", ""),
		hrss:      s.User("hrss", "hrss_officer", apptest.District, ""),
		hrss2:     s.User("hrss2", "hrss_officer", apptest.District, ""),
		hrssOther: s.User("hrss.other", "hrss_officer", apptest.OtherDistrict, ""),
		guar:      s.User("guar", "guarantee_officer", apptest.District, ""),
		guar2:     s.User("guar2", "guarantee_officer", apptest.District, ""),
		guarOther: s.User("guar.other", "guarantee_officer", apptest.OtherDistrict, ""),
		bank:      s.User("bank", "bank_officer", "", apptest.Bank),
		bank2:     s.User("bank2", "bank_officer", "", apptest.Bank),
		bankOther: s.User("bank.other", "bank_officer", "", apptest.OtherBank),
		auditor:   s.User("auditor", "finance_auditor", "", ""),
		admin:     s.AdminToken,
	}
}

// nextID returns a resident ID nobody in the test used yet.
func (c *cast) nextID() string {
	c.seq++
	return residentID("19900101", c.seq)
}

func path(id any, suffix string) string {
	switch v := id.(type) {
	case float64:
		return "/api/v1/applications/" + strconv.FormatInt(int64(v), 10) + suffix
	case int64:
		return "/api/v1/applications/" + strconv.FormatInt(v, 10) + suffix
	}
	panic(fmt.Sprintf("id %v", id))
}

var contract = map[string]any{"decision": "approve", "approved_amount": "150000.00", "annual_rate": "0.0300", "term_months": 24}

// at creates an application of the owner with body (nil: a fresh
// individual) and drives it to status; it returns the id.
func (c *cast) at(t *testing.T, status string, body map[string]any) any {
	t.Helper()
	if body == nil {
		body = individual(c.nextID())
	}
	id := c.s.Do("POST", "/api/v1/applications", c.owner, body).Want(201).JSON()["id"]
	steps := map[string][]func(){
		"draft":     nil,
		"withdrawn": {func() { c.s.Do("POST", path(id, "/withdraw"), c.owner, nil).Want(200) }},
	}
	submit := func() { c.s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200) }
	approve := func(tok string, body map[string]any) func() {
		return func() { c.s.Do("POST", path(id, "/decisions"), tok, body).Want(200) }
	}
	elig := []func(){submit}
	guar := append(slices.Clone(elig), approve(c.hrss, map[string]any{"decision": "approve"}))
	bank := append(slices.Clone(guar), approve(c.guar, map[string]any{"decision": "approve", "comment": "counter-guarantee recorded"}))
	steps["eligibility_review"] = elig
	steps["guarantee_review"] = guar
	steps["bank_review"] = bank
	steps["approved"] = append(slices.Clone(bank), approve(c.bank, contract))
	steps["returned"] = append(slices.Clone(elig), approve(c.hrss, map[string]any{"decision": "return", "comment": "add the lease"}))
	steps["rejected"] = append(slices.Clone(elig), approve(c.hrss, map[string]any{"decision": "reject", "comment": "not a key group"}))
	todo, ok := steps[status]
	if !ok {
		t.Fatalf("no way to %s", status)
	}
	for _, f := range todo {
		f()
	}
	if got := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()["status"]; got != status {
		t.Fatalf("driven to %v, want %s", got, status)
	}
	return id
}

func TestApplicationIntake(t *testing.T) {
	c := newCast(t)
	nid := residentID("19900101", 12)
	body := individual(nid)
	body["other_loans"] = []map[string]any{{"holder": "spouse", "kind": "housing", "balance": "350000.00"}}
	r := c.s.Do("POST", "/api/v1/applications", c.owner, body).Want(201)
	a := r.JSON()
	if r.Header.Get("ETag") != `"1"` {
		t.Errorf("ETag %q", r.Header.Get("ETag"))
	}
	for k, v := range body {
		if k == "other_loans" || k == "term_months" || k == "jobs_planned" {
			continue
		}
		if a[k] != v {
			t.Errorf("%s = %v, want %v", k, a[k], v)
		}
	}
	if a["term_months"] != float64(24) || a["jobs_planned"] != float64(3) {
		t.Errorf("numbers %v %v", a["term_months"], a["jobs_planned"])
	}
	if !regexp.MustCompile(`^411282-\d{4}-000001$`).MatchString(a["number"].(string)) {
		t.Errorf("number %v", a["number"])
	}
	if _, ok := a["id"].(float64); !ok {
		t.Errorf("id %v is not a number", a["id"])
	}
	if a["status"] != "draft" || a["version"] != float64(1) || a["gender"] != "female" || a["birth_date"] != "1990-01-01" ||
		a["approved_amount"] != nil || a["annual_rate"] != nil || a["approved_term_months"] != nil || a["submitted_at"] != nil ||
		a["stage_deadline"] != nil || a["late"] != false || a["enterprise"] != nil {
		t.Errorf("new application %v", a)
	}
	loans := a["other_loans"].([]any)
	if len(loans) != 1 || loans[0].(map[string]any)["balance"] != "350000.00" || len(a["partners"].([]any)) != 0 {
		t.Errorf("other loans %v, partners %v", a["other_loans"], a["partners"])
	}
	hist := a["history"].([]any)
	if len(hist) != 1 || hist[0].(map[string]any)["to_status"] != "draft" || hist[0].(map[string]any)["from_status"] != nil || hist[0].(map[string]any)["actor"] != "owner" {
		t.Errorf("history %v", hist)
	}

	// One open application per person: the same resident ID again is refused,
	// until the first one is withdrawn. Another account's claim on the number
	// is not verified and blocks nobody (see TestTypedResidentID).
	dup := c.s.Do("POST", "/api/v1/applications", c.owner, individual(nid)).WantProblem(422, "validation_failed")
	if !slices.Equal(dup.FieldErrors(), []string{"national_id"}) || !strings.Contains(string(dup.Body), "已有一笔正在办理的申请") {
		t.Errorf("duplicate person errors %s", dup.Body)
	}
	c.s.Do("POST", path(a["id"], "/withdraw"), c.owner, map[string]any{"comment": "changed my mind"}).Want(200)
	second := c.s.Do("POST", "/api/v1/applications", c.owner, individual(nid)).Want(201).JSON()
	if !regexp.MustCompile(`^411282-\d{4}-000002$`).MatchString(second["number"].(string)) {
		t.Errorf("second number %v", second["number"])
	}

	// Every bad field at once.
	bad := c.s.Do("POST", "/api/v1/applications", c.owner, map[string]any{
		"borrower_type": "individual", "name": "", "national_id": "411282199001011234", "phone": "x",
		"key_group": "students", "district_code": "999999", "bank_code": "NOPE", "amount": "300000.001",
		"term_months": 37, "business_name": "",
		"other_loans": []map[string]any{{"holder": "applicant", "kind": "car", "balance": "1.00"}, {"holder": "spouse", "kind": "business", "balance": "1.00"}},
	}).WantProblem(422, "validation_failed")
	want := []string{"amount", "bank_code", "district_code", "key_group", "name", "national_id", "other_loans[1].kind", "phone", "term_months"}
	got := bad.FieldErrors()
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}

	over := individual(c.nextID())
	over["amount"] = "300000.01"
	if f := c.s.Do("POST", "/api/v1/applications", c.owner, over).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"amount"}) {
		t.Errorf("over the cap: %v", f)
	}
	// Consumer credit of 5万元以下 includes 50,000.00 itself.
	consumer := individual(c.nextID())
	consumer["other_loans"] = []map[string]any{{"holder": "applicant", "kind": "consumer", "balance": "50000.01"}}
	if f := c.s.Do("POST", "/api/v1/applications", c.owner, consumer).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"other_loans[0].balance"}) {
		t.Errorf("consumer credit: %v", f)
	}
	consumer["other_loans"] = []map[string]any{{"holder": "spouse", "kind": "consumer", "balance": "50000.00"}}
	accepted := c.s.Do("POST", "/api/v1/applications", c.other, consumer).Want(201).JSON()
	if l := accepted["other_loans"].([]any); len(l) != 1 || l[0].(map[string]any)["balance"] != "50000.00" || accepted["not_employed"] != true {
		t.Errorf("consumer credit of 50000.00: %v", accepted)
	}
	// Not employed by an organisation: declaring employment is refused on
	// its field; API.md's body, which has no declaration, is accepted as
	// not declared.
	emp := individual(c.nextID())
	emp["not_employed"] = false
	if f := c.s.Do("POST", "/api/v1/applications", c.owner, emp).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"not_employed"}) {
		t.Errorf("not_employed false: %v", f)
	}
	delete(emp, "not_employed")
	if a := c.s.Do("POST", "/api/v1/applications", c.owner, emp).Want(201).JSON(); a["not_employed"] != nil {
		t.Errorf("no declaration reads %v, want null", a["not_employed"])
	}
	numeric := individual(c.nextID())
	numeric["amount"] = 200000
	c.s.Do("POST", "/api/v1/applications", c.owner, numeric).WantProblem(422, "validation_failed")
	unknown := individual(c.nextID())
	unknown["status"] = "approved"
	if f := c.s.Do("POST", "/api/v1/applications", c.owner, unknown).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"status"}) {
		t.Errorf("unknown field: %v", f)
	}
	c.s.Do("POST", "/api/v1/applications", c.owner, "{").WantProblem(400, "bad_request")

	// Partnership: 110% × partners × individual cap.
	pship := individual(c.nextID())
	pship["borrower_type"], pship["amount"] = "partnership", "660000.00"
	pship["partners"] = []map[string]any{
		{"name": "张伟", "national_id": pship["national_id"], "key_group": "returning_migrant_worker", "not_employed": true},
		{"name": "李娜", "national_id": residentID("19920202", 22), "key_group": "college_graduate", "not_employed": true},
	}
	p := c.s.Do("POST", "/api/v1/applications", c.owner, pship).Want(201).JSON()
	if p["borrower_type"] != "partnership" || len(p["partners"].([]any)) != 2 || p["amount"] != "660000.00" {
		t.Errorf("partnership %v", p)
	}
	pship["national_id"], pship["amount"] = c.nextID(), "660000.01"
	pship["partners"] = []map[string]any{{"name": "A", "national_id": pship["national_id"], "key_group": "college_graduate", "not_employed": true},
		{"name": "B", "national_id": "411282199202020000", "key_group": "college_graduate", "not_employed": true}}
	if f := c.s.Do("POST", "/api/v1/applications", c.owner, pship).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"partners[1].national_id", "amount"}) {
		t.Errorf("partnership errors %v", f)
	}

	// Enterprise: credit code, hiring ratio, cap and term.
	ent := individual(c.nextID())
	ent["borrower_type"], ent["amount"], ent["term_months"] = "enterprise", "4000000.00", 24
	ent["enterprise"] = map[string]any{"name": "灵宝果业有限公司", "credit_code": "91350100M000100Y43", "employees": 120, "new_key_group_hires": 6}
	e := c.s.Do("POST", "/api/v1/applications", c.owner, ent).Want(201).JSON()
	if e["enterprise"].(map[string]any)["credit_code"] != "91350100M000100Y43" {
		t.Errorf("enterprise %v", e["enterprise"])
	}
	ent["national_id"], ent["term_months"] = c.nextID(), 36
	ent["enterprise"] = map[string]any{"name": "x", "credit_code": "91350100M000100Y44", "employees": 120, "new_key_group_hires": 5}
	f := c.s.Do("POST", "/api/v1/applications", c.owner, ent).WantProblem(422, "validation_failed").FieldErrors()
	sort.Strings(f)
	if !slices.Equal(f, []string{"enterprise.credit_code", "enterprise.new_key_group_hires", "term_months"}) {
		t.Errorf("enterprise errors %v", f)
	}

	// Only entrepreneurs apply.
	for _, tok := range []string{c.hrss, c.bank, c.auditor, c.s.AdminToken} {
		c.s.Do("POST", "/api/v1/applications", tok, individual(c.nextID())).WantProblem(403, "forbidden")
	}
	c.s.Do("POST", "/api/v1/applications", "", individual(c.nextID())).WantProblem(401, "auth.unauthenticated")
}

func TestApplicationVisibility(t *testing.T) {
	c := newCast(t)
	id := c.at(t, "eligibility_review", nil)
	for name, tok := range map[string]string{"owner": c.owner, "hrss": c.hrss, "guarantee": c.guar, "bank": c.bank, "auditor": c.auditor} {
		if got := c.s.Do("GET", path(id, ""), tok, nil).Want(200).JSON()["id"]; got != id {
			t.Errorf("%s read %v", name, got)
		}
	}
	// Another entrepreneur, officers of another district or bank, the admin.
	for _, tok := range []string{c.other, c.hrssOther, c.guarOther, c.bankOther, c.s.AdminToken} {
		c.s.Do("GET", path(id, ""), tok, nil).WantProblem(404, "not_found")
		for _, suffix := range []string{"/submit", "/withdraw"} {
			c.s.Do("POST", path(id, suffix), tok, nil).WantProblem(404, "not_found")
		}
		c.s.Do("PATCH", path(id, ""), tok, map[string]any{"name": "x"}).WantProblem(404, "not_found")
		c.s.Do("POST", path(id, "/decisions"), tok, map[string]any{"decision": "approve"}).WantProblem(404, "not_found")
	}
	c.s.Do("GET", path(int64(999999), ""), c.auditor, nil).WantProblem(404, "not_found")
	c.s.Do("GET", "/api/v1/applications/abc", c.auditor, nil).WantProblem(404, "not_found")

	// Lists: the same scopes; a role with no read line gets 403.
	c.s.Do("GET", "/api/v1/applications", c.s.AdminToken, nil).WantProblem(403, "forbidden")
	for tok, want := range map[string]int{c.owner: 1, c.other: 0, c.hrss: 1, c.hrssOther: 0, c.guarOther: 0, c.bank: 1, c.bankOther: 0, c.auditor: 1} {
		var l struct {
			Items []map[string]any
			Total int
		}
		c.s.Do("GET", "/api/v1/applications", tok, nil).Want(200).Decode(&l)
		if l.Total != want || len(l.Items) != want {
			t.Errorf("list total %d items %d, want %d", l.Total, len(l.Items), want)
		}
	}
}

// TestApplicationDecisions walks one application through every stage and
// tries each role at each stage.
func TestApplicationDecisions(t *testing.T) {
	c := newCast(t)
	id := c.at(t, "draft", nil)
	decide := func(tok string, body map[string]any) *apptest.Response {
		return c.s.Do("POST", path(id, "/decisions"), tok, body)
	}
	approve := map[string]any{"decision": "approve"}

	// A draft is decided by nobody; the applicant never decides.
	decide(c.hrss, approve).WantProblem(409, "application.invalid_state")
	decide(c.owner, approve).WantProblem(403, "four_eyes")
	decide(c.auditor, approve).WantProblem(403, "forbidden")
	c.s.Do("POST", path(id, "/submit"), c.hrss, nil).WantProblem(403, "forbidden")
	sub := c.s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200).JSON()
	if sub["status"] != "eligibility_review" || sub["submitted_at"] == nil || sub["stage_deadline"] == nil || sub["late"] != false {
		t.Fatalf("submitted %v", sub)
	}
	c.s.Do("POST", path(id, "/submit"), c.owner, nil).WantProblem(409, "application.invalid_state")

	// Eligibility: the district's hrss officer.
	decide(c.owner, approve).WantProblem(403, "four_eyes")
	decide(c.guar, approve).WantProblem(403, "forbidden")
	decide(c.bank, approve).WantProblem(403, "forbidden")
	decide(c.auditor, approve).WantProblem(403, "forbidden")
	decide(c.hrssOther, approve).WantProblem(404, "not_found")
	if f := decide(c.hrss, map[string]any{"decision": "maybe"}).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"decision"}) {
		t.Errorf("bad decision: %v", f)
	}
	decide(c.hrss, map[string]any{"decision": "approve", "approved_amount": "1.00"}).WantProblem(422, "validation_failed")
	decide(c.hrss, map[string]any{"decision": "approve", "version": 1}).WantProblem(409, "conflict")
	c.s.Do("POST", path(id, "/decisions"), c.hrss, approve, "If-Match", `"1"`).WantProblem(409, "conflict")
	decide(c.hrss, map[string]any{"decision": "approve", "version": 2}).Want(200)
	decide(c.hrss, approve).WantProblem(409, "application.invalid_state") // its stage is over

	// Guarantee: the district's guarantee officer; the hrss officer who
	// decided eligibility may not.
	decide(c.owner, approve).WantProblem(403, "four_eyes")
	decide(c.bank, approve).WantProblem(403, "forbidden")
	decide(c.guarOther, approve).WantProblem(404, "not_found")
	decide(c.guar, approve).Want(200)

	// Bank: an officer of the chosen bank sets the contract.
	decide(c.owner, approve).WantProblem(403, "four_eyes")
	decide(c.guar, approve).WantProblem(409, "application.invalid_state")
	decide(c.bankOther, approve).WantProblem(404, "not_found")
	f := decide(c.bank, approve).WantProblem(422, "validation_failed").FieldErrors()
	sort.Strings(f)
	if !slices.Equal(f, []string{"annual_rate", "approved_amount", "term_months"}) {
		t.Errorf("approve without contract: %v", f)
	}
	bad := decide(c.bank, map[string]any{"decision": "approve", "approved_amount": "200000.01", "annual_rate": "0.0451", "term_months": 37}).WantProblem(422, "validation_failed").FieldErrors()
	sort.Strings(bad)
	if !slices.Equal(bad, []string{"annual_rate", "approved_amount", "term_months"}) {
		t.Errorf("contract over the limits: %v", bad)
	}
	a := decide(c.bank, map[string]any{"decision": "approve", "approved_amount": "180000.00", "annual_rate": "0.0450", "term_months": 36}).Want(200).JSON()
	if a["status"] != "approved" || a["approved_amount"] != "180000.00" || a["annual_rate"] != "0.0450" || a["approved_term_months"] != float64(36) ||
		a["amount"] != "200000.00" || a["stage_deadline"] != nil || a["version"] != float64(5) {
		t.Errorf("approved %v", a)
	}
	decide(c.bank2, approve).WantProblem(409, "application.invalid_state")
	c.s.Do("POST", path(id, "/withdraw"), c.owner, nil).WantProblem(409, "application.invalid_state")
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"name": "x"}).WantProblem(409, "application.invalid_state")

	var actions []string
	for _, h := range a["history"].([]any) {
		e := h.(map[string]any)
		actions = append(actions, fmt.Sprintf("%s:%v>%v:%v", e["action"], e["from_status"], e["to_status"], e["actor"]))
	}
	want := []string{"create:<nil>>draft:owner", "submit:draft>eligibility_review:owner", "approve:eligibility_review>guarantee_review:hrss",
		"approve:guarantee_review>bank_review:guar", "approve:bank_review>approved:bank"}
	if !slices.Equal(actions, want) {
		t.Errorf("history %v", actions)
	}

	// Every transition is in the audit trail too.
	var events struct {
		Items []struct{ Action string }
	}
	c.s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+strconv.FormatInt(int64(id.(float64)), 10), c.auditor, nil).Want(200).Decode(&events)
	var got []string
	for _, e := range events.Items {
		got = append(got, e.Action)
	}
	sort.Strings(got)
	if !slices.Equal(got, []string{"application.approve", "application.approve", "application.approve", "application.create", "application.submit"}) {
		t.Errorf("audit actions %v", got)
	}
}

func TestApplicationReturnEditResubmit(t *testing.T) {
	c := newCast(t)
	id := c.at(t, "guarantee_review", nil)
	decide := func(tok string, body map[string]any) *apptest.Response {
		return c.s.Do("POST", path(id, "/decisions"), tok, body)
	}
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"name": "x"}).WantProblem(409, "application.invalid_state")
	for _, d := range []string{"return", "reject"} {
		if f := decide(c.guar, map[string]any{"decision": d, "comment": "  "}).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"comment"}) {
			t.Errorf("%s without comment: %v", d, f)
		}
	}
	r := decide(c.guar, map[string]any{"decision": "return", "comment": "add the shop lease"}).Want(200).JSON()
	if r["status"] != "returned" || r["stage_deadline"] != nil {
		t.Fatalf("returned %v", r)
	}
	decide(c.guar, map[string]any{"decision": "approve"}).WantProblem(409, "application.invalid_state")

	// Edits: the owner only, on the current version.
	get := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200)
	etag := get.Header.Get("ETag")
	if etag != `"4"` {
		t.Fatalf("ETag %q", etag)
	}
	c.s.Do("PATCH", path(id, ""), c.hrss, map[string]any{"name": "x"}).WantProblem(403, "forbidden")
	c.s.Do("PATCH", path(id, ""), c.auditor, map[string]any{"name": "x"}).WantProblem(403, "forbidden")
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"amount": "1.001"}).WantProblem(422, "validation_failed")
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"term_months": 99}, "If-Match", `"3"`).WantProblem(409, "conflict")
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"term_months": 99, "version": 3}).WantProblem(409, "conflict")
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"term_months": 30}, "If-Match", "nonsense").WantProblem(400, "bad_request")
	e := c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"amount": "250000.00", "purpose": "lease and cold storage"}, "If-Match", etag).Want(200)
	if e.Header.Get("ETag") != `"5"` || e.JSON()["amount"] != "250000.00" || e.JSON()["purpose"] != "lease and cold storage" || e.JSON()["name"] != "张伟" {
		t.Fatalf("edited %s", e.Body)
	}
	// The stale copy can no longer be written.
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"amount": "100000.00"}, "If-Match", etag).WantProblem(409, "conflict")
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"amount": "100000.00", "version": 5}).Want(200)
	// Becoming a partnership needs partners; the partners then come back.
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"borrower_type": "partnership"}).WantProblem(422, "validation_failed")
	p := c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"borrower_type": "partnership", "partners": []map[string]any{
		{"name": "张伟", "national_id": residentID("19900101", 1), "key_group": "returning_migrant_worker", "not_employed": true},
		{"name": "李娜", "national_id": residentID("19920202", 22), "key_group": "college_graduate", "not_employed": true},
	}}).Want(200).JSON()
	if p["borrower_type"] != "partnership" || len(p["partners"].([]any)) != 2 || p["version"] != float64(7) {
		t.Fatalf("partnership edit %v", p)
	}
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"borrower_type": "individual"}).Want(200)

	// Resubmitted, it starts again at eligibility; the hrss officer who
	// approved the first time decides again (same stage).
	c.s.Do("POST", path(id, "/submit"), c.owner, map[string]any{"version": 5}).WantProblem(409, "conflict")
	sub := c.s.Do("POST", path(id, "/submit"), c.owner, nil, "If-Match", `"8"`).Want(200).JSON()
	if sub["borrower_type"] != "individual" || len(sub["partners"].([]any)) != 0 {
		t.Fatalf("submitted %v", sub)
	}
	decide(c.hrss, map[string]any{"decision": "approve"}).Want(200)
	// The guarantee officer who returned it decides the guarantee stage again.
	decide(c.guar, map[string]any{"decision": "reject", "comment": "the lease is forged"}).Want(200)
	final := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()
	if final["status"] != "rejected" {
		t.Fatalf("final %v", final["status"])
	}
	for _, s := range []string{"/submit", "/withdraw"} {
		c.s.Do("POST", path(id, s), c.owner, nil).WantProblem(409, "application.invalid_state")
	}
	decide(c.bank, map[string]any{"decision": "approve"}).WantProblem(409, "application.invalid_state")
	hist := final["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	// Seven transitions, and the four edits after the return.
	if len(hist) != 11 || last["action"] != "reject" || last["comment"] != "the lease is forged" || last["actor"] != "guar" {
		t.Errorf("history %v", hist)
	}
}

func TestApplicationWithdraw(t *testing.T) {
	c := newCast(t)
	for _, st := range []string{"draft", "returned", "eligibility_review", "guarantee_review", "bank_review"} {
		id := c.at(t, st, nil)
		c.s.Do("POST", path(id, "/withdraw"), c.hrss, nil).WantProblem(403, "forbidden")
		c.s.Do("POST", path(id, "/withdraw"), c.auditor, nil).WantProblem(403, "forbidden")
		w := c.s.Do("POST", path(id, "/withdraw"), c.owner, map[string]any{"comment": "found other money"}).Want(200).JSON()
		if w["status"] != "withdrawn" {
			t.Errorf("%s withdrawn to %v", st, w["status"])
		}
		c.s.Do("POST", path(id, "/withdraw"), c.owner, nil).WantProblem(409, "application.invalid_state")
		c.s.Do("POST", path(id, "/submit"), c.owner, nil).WantProblem(409, "application.invalid_state")
	}
	for _, st := range []string{"approved", "rejected"} {
		id := c.at(t, st, nil)
		c.s.Do("POST", path(id, "/withdraw"), c.owner, nil).WantProblem(409, "application.invalid_state")
	}
}

// TestApplicationFourEyes gives one user two roles: having decided one
// stage, they may not decide another.
func TestApplicationFourEyes(t *testing.T) {
	c := newCast(t)
	id := c.at(t, "eligibility_review", nil)
	ctx := context.Background()
	var me struct {
		ID auth.UserID `json:"id"`
	}
	c.s.Do("GET", "/api/v1/me", c.hrss, nil).Want(200).Decode(&me)
	both := apptest.Principal(me.ID, "hrss",
		auth.Binding{Role: auth.HRSSOfficer, District: apptest.District},
		auth.Binding{Role: auth.GuaranteeOfficer, District: apptest.District},
		auth.Binding{Role: auth.BankOfficer, Bank: apptest.Bank})
	appID := application.ID(id.(float64))
	svc := c.s.App.Applications
	if _, err := svc.Decide(ctx, both, appID, application.DecisionInput{Decision: "approve"}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Decide(ctx, both, appID, application.DecisionInput{Decision: "approve"})
	if apperr.CodeOf(err) != "four_eyes" {
		t.Fatalf("second stage by the same user: %v", err)
	}
	c.s.Do("POST", path(id, "/decisions"), c.guar, map[string]any{"decision": "approve"}).Want(200)
	_, err = svc.Decide(ctx, both, appID, application.DecisionInput{Decision: "approve",
		Contract: application.ContractInput{ApprovedAmount: ptr("1000.00"), AnnualRate: ptr("0.03"), TermMonths: ptr(12)}})
	if apperr.CodeOf(err) != "four_eyes" {
		t.Fatalf("third stage by the same user: %v", err)
	}

	// The applicant decides nothing even when they hold an officer's role.
	var owner struct {
		ID auth.UserID `json:"id"`
	}
	c.s.Do("GET", "/api/v1/me", c.owner, nil).Want(200).Decode(&owner)
	ownerBank := apptest.Principal(owner.ID, "owner", auth.Binding{Role: auth.Entrepreneur}, auth.Binding{Role: auth.BankOfficer, Bank: apptest.Bank})
	_, err = svc.Decide(ctx, ownerBank, appID, application.DecisionInput{Decision: "reject", Comment: "no"})
	if apperr.CodeOf(err) != "four_eyes" {
		t.Fatalf("applicant deciding: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestApplicationConcurrentDecisions sends two decisions on the same
// application at once, several times: exactly one wins, the other gets 409.
func TestApplicationConcurrentDecisions(t *testing.T) {
	c := newCast(t)
	for round := range 4 {
		id := c.at(t, "eligibility_review", nil)
		bodies := []map[string]any{{"decision": "approve"}, {"decision": "return", "comment": "round " + strconv.Itoa(round)}}
		tokens := []string{c.hrss, c.hrss2}
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = c.s.Do("POST", path(id, "/decisions"), tokens[i], bodies[i]).Status
			}()
		}
		close(start)
		wg.Wait()
		sort.Ints(statuses)
		if !slices.Equal(statuses, []int{200, 409}) {
			t.Fatalf("round %d: statuses %v, want one 200 and one 409", round, statuses)
		}
		a := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()
		if a["version"] != float64(3) || len(a["history"].([]any)) != 3 {
			t.Fatalf("round %d: version %v, history %v", round, a["version"], a["history"])
		}
	}

	// Two edits on the same copy: one is written, the other refused.
	id := c.at(t, "draft", nil)
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, amount := range []string{"100000.00", "120000.00"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"amount": amount}, "If-Match", `"1"`).Status
		}()
	}
	wg.Wait()
	sort.Ints(statuses)
	if !slices.Equal(statuses, []int{200, 409}) {
		t.Fatalf("edits: %v", statuses)
	}
	if v := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()["version"]; v != float64(2) {
		t.Fatalf("version %v", v)
	}
}

func TestApplicationQueue(t *testing.T) {
	c := newCast(t)
	type item struct {
		ID            float64
		Number        string
		Status        string
		StageDeadline *string `json:"stage_deadline"`
		Late          bool
		History       []any
	}
	list := func(tok, query string) ([]item, int) {
		t.Helper()
		var l struct {
			Items    []item
			Total    int
			Page     int
			PageSize int `json:"page_size"`
		}
		c.s.Do("GET", "/api/v1/applications"+query, tok, nil).Want(200).Decode(&l)
		ids := l.Items
		return ids, l.Total
	}
	idsOf := func(items []item) []float64 {
		var out []float64
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	first := c.at(t, "eligibility_review", nil).(float64)
	second := c.at(t, "guarantee_review", nil).(float64)
	other := individual(c.nextID())
	other["district_code"], other["bank_code"], other["name"], other["business_name"] = apptest.OtherDistrict, apptest.OtherBank, "王芳", "义马电商"
	other["key_group"] = "online_merchant"
	third := c.s.Do("POST", "/api/v1/applications", c.owner, other).Want(201).JSON()["id"].(float64)
	c.s.Do("POST", path(third, "/submit"), c.owner, nil).Want(200)
	draft := c.at(t, "draft", nil).(float64)

	// Officers see their scope, oldest submission first, drafts last.
	items, total := list(c.hrss, "")
	if total != 3 || !slices.Equal(idsOf(items), []float64{first, second, draft}) {
		t.Errorf("hrss queue %v (%d)", idsOf(items), total)
	}
	if items[0].StageDeadline == nil || items[0].Late || items[2].StageDeadline != nil || items[0].History != nil {
		t.Errorf("queue item %+v", items[0])
	}
	if items, _ := list(c.hrssOther, ""); !slices.Equal(idsOf(items), []float64{third}) {
		t.Errorf("other district queue %v", idsOf(items))
	}
	if items, _ := list(c.bankOther, ""); !slices.Equal(idsOf(items), []float64{third}) {
		t.Errorf("other bank queue %v", idsOf(items))
	}
	if items, _ := list(c.auditor, "?status=eligibility_review"); !slices.Equal(idsOf(items), []float64{first, third}) {
		t.Errorf("auditor eligibility %v", idsOf(items))
	}
	// The applicant sees their own, newest first.
	if items, _ := list(c.owner, ""); !slices.Equal(idsOf(items), []float64{draft, third, second, first}) {
		t.Errorf("owner list %v", idsOf(items))
	}
	if items, _ := list(c.other, ""); len(items) != 0 {
		t.Errorf("other entrepreneur sees %v", idsOf(items))
	}

	today := time.Now().In(beijing.Zone).Format(time.DateOnly)
	filters := map[string][]float64{
		"?district_code=" + apptest.OtherDistrict:           {third},
		"?bank_code=" + apptest.Bank:                        {first, second, draft},
		"?key_group=online_merchant":                        {third},
		"?borrower_type=individual&status=guarantee_review": {second},
		"?borrower_type=enterprise":                         nil,
		"?from=" + today + "&to=" + today:                   {first, second, third},
		"?to=2000-01-01":                                    nil,
		"?q=" + url.QueryEscape("义马"):                       {third},
		"?q=" + url.QueryEscape("王芳"):                       {third},
		"?q=" + url.QueryEscape(items[0].Number):            {first},
		"?q=" + url.QueryEscape("%"):                        nil,
		"?page=2&page_size=3":                               {draft},
	}
	for q, want := range filters {
		items, _ := list(c.auditor, q)
		if !slices.Equal(idsOf(items), want) {
			t.Errorf("auditor %s: %v, want %v", q, idsOf(items), want)
		}
	}
	for q, field := range map[string]string{"?status=paid": "status", "?district_code=1": "district_code", "?key_group=x": "key_group",
		"?borrower_type=x": "borrower_type", "?from=2024-02-30": "from", "?to=tomorrow": "to", "?page=0": "page", "?page_size=0": "page_size"} {
		if f := c.s.Do("GET", "/api/v1/applications"+q, c.auditor, nil).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{field}) {
			t.Errorf("%s: fields %v, want %s", q, f, field)
		}
	}

	// A stage entered long ago is late; its deadline counts working days.
	entered := time.Date(2024, 9, 27, 1, 0, 0, 0, time.UTC) // Friday 09:00 in Shanghai
	if _, err := c.s.App.DB.SQL().Exec(sqlRebind("UPDATE applications SET stage_entered_at = ? WHERE id = ?"), entered, int64(second)); err != nil {
		t.Fatal(err)
	}
	items, _ = list(c.guar, "?status=guarantee_review")
	if len(items) != 1 || !items[0].Late || items[0].StageDeadline == nil || *items[0].StageDeadline != "2024-10-10" {
		t.Errorf("late item %+v", items)
	}
}

// sqlRebind writes ? placeholders as $n on PostgreSQL.
func sqlRebind(q string) string {
	if apptest.Engine() != "postgres" {
		return q
	}
	n := 0
	out := []byte{}
	for i := range len(q) {
		if q[i] == '?' {
			n++
			out = append(out, []byte("$"+strconv.Itoa(n))...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// TestApplicationDisbursedHolds checks the store's Update as the loans
// capability calls it to record a disbursement, and that a disbursed
// application counts as a loan.
func TestApplicationDisbursedHolds(t *testing.T) {
	c := newCast(t)
	body := individual(c.nextID())
	id := c.at(t, "approved", body)
	ctx := context.Background()
	apps := store.Applications{DB: c.s.App.DB}
	appID := application.ID(id.(float64))
	clerk := apptest.Principal(1, "admin")
	disburse := func(ctx context.Context, a *application.Application) (audit.Event, error) {
		if _, err := a.Move(clerk, application.ActDisburse, time.Now(), "", nil); err != nil {
			return audit.Event{}, err
		}
		now := time.Now()
		a.DisbursedAt = &now
		return audit.NewEvent(ctx, clerk, "application.disburse", nil, nil)
	}
	if _, err := apps.Update(ctx, authz.ListScope{Banks: []string{"no such bank"}}, appID, disburse); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("outside the scope: %v", err)
	}
	a, err := apps.Update(ctx, authz.ListScope{All: true}, appID, disburse)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != application.Disbursed || a.Version != 6 || a.History[len(a.History)-1].Action != application.ActDisburse {
		t.Fatalf("disbursed: %s v%d %+v", a.Status, a.Version, a.History[len(a.History)-1])
	}
	if _, err := apps.Update(ctx, authz.ListScope{All: true}, appID, disburse); apperr.CodeOf(err) != "application.invalid_state" {
		t.Fatalf("twice: %v", err)
	}
	got := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()
	if got["status"] != "disbursed" || got["disbursed_at"] == nil || got["version"] != float64(6) {
		t.Fatalf("disbursed %v", got)
	}
	// The loan is not repaid: the same person may not apply again.
	if f := c.s.Do("POST", "/api/v1/applications", c.owner, body).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"national_id"}) {
		t.Fatalf("second loan: %v", f)
	}
}

func TestApplicationOpenAPI(t *testing.T) {
	s := apptest.NewServer(t)
	doc := s.Do("GET", "/api/openapi.json", "", nil).Want(200).JSON()
	paths := doc["paths"].(map[string]any)
	for p, methods := range map[string][]string{
		"/api/v1/applications":                {"get", "post"},
		"/api/v1/applications/{id}":           {"get", "patch"},
		"/api/v1/applications/{id}/submit":    {"post"},
		"/api/v1/applications/{id}/withdraw":  {"post"},
		"/api/v1/applications/{id}/decisions": {"post"},
	} {
		for _, m := range methods {
			if _, ok := paths[p].(map[string]any)[m]; !ok {
				t.Errorf("OpenAPI misses %s %s", m, p)
			}
		}
	}
}

// A submit without a body works however the client sends "nothing": no
// body, an empty chunked body, or {}.
func TestSubmitWithoutABody(t *testing.T) {
	c := newCast(t)
	for _, body := range []io.Reader{nil, io.MultiReader(), strings.NewReader("{}")} {
		id := c.s.Do("POST", "/api/v1/applications", c.owner, individual(c.nextID())).Want(201).JSON()["id"]
		req, err := http.NewRequest("POST", c.s.URL+path(id, "/submit"), body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+c.owner)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("submit with body %T: %d", body, resp.StatusCode)
		}
		c.s.Do("POST", path(id, "/withdraw"), c.owner, nil).Want(200)
	}
}

// The guarantee centre records the counter-guarantee (反担保) when it
// approves; it is kept on the application and in the audit trail, and
// refused at any other decision.
func TestCounterGuaranteeRecordedAtTheGuaranteeStage(t *testing.T) {
	c := newCast(t)
	id := c.at(t, "eligibility_review", nil)
	c.s.Do("POST", path(id, "/decisions"), c.hrss, map[string]any{"decision": "approve", "counter_guarantee": "房产抵押"}).WantProblem(422, "validation_failed")
	c.s.Do("POST", path(id, "/decisions"), c.hrss, map[string]any{"decision": "approve"}).Want(200)
	c.s.Do("POST", path(id, "/decisions"), c.guar, map[string]any{"decision": "return", "comment": "x", "counter_guarantee": "房产抵押"}).WantProblem(422, "validation_failed")
	got := c.s.Do("POST", path(id, "/decisions"), c.guar, map[string]any{
		"decision": "approve", "comment": "反担保已落实", "counter_guarantee": "房产抵押：灵宝市函谷路12号，评估价48万元",
	}).Want(200).JSON()
	if got["counter_guarantee"] != "房产抵押：灵宝市函谷路12号，评估价48万元" || got["status"] != "bank_review" {
		t.Fatalf("after the guarantee approval: %v", got)
	}
	if c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()["counter_guarantee"] != got["counter_guarantee"] {
		t.Fatal("the applicant does not see the counter-guarantee")
	}
	events := c.s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+jsonID(id), c.auditor, nil).Want(200)
	if !strings.Contains(string(events.Body), "评估价48万元") {
		t.Fatalf("the audit trail does not keep the counter-guarantee: %s", events.Body)
	}
}
