package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/idnum"
)

// cast is the set of users a loan test needs.
// loanPersonID is a valid resident ID born in 1990, different for each n.
func loanPersonID(n int) string {
	body := fmt.Sprintf("41128219900101%03d", 500+n)
	return idnum.WithCheckDigit(body)
}

func jsonID(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case string:
		return x
	}
	panic(fmt.Sprintf("id %v", v))
}

// decidedFrom is when the applications of the loan tests are made and
// decided: before their disbursements in March 2024, since a bank disburses
// nothing before the day it approved it.
var decidedFrom = time.Date(2024, 3, 14, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// inPast runs fn with the application service's clock running from
// decidedFrom.
func (c *cast) inPast(fn func()) {
	c.decideInPast()
	defer c.s.App.Applications.SetClock(time.Now)
	fn()
}

// decideInPast sets the application service's clock running from
// decidedFrom, for the rest of the test.
func (c *cast) decideInPast() {
	start := time.Now()
	c.s.App.Applications.SetClock(func() time.Time { return decidedFrom.Add(time.Since(start)) })
}

// application makes an application of owner (a fresh person) and moves it
// through the review stages as far as status: "eligibility_review" or
// "approved", on 14 March 2024.
func (c *cast) application(t testing.TB, owner, status string) (id string) {
	t.Helper()
	c.inPast(func() { id = c.applicationNow(t, owner, status) })
	return id
}

func (c *cast) applicationNow(t testing.TB, owner, status string) string {
	t.Helper()
	c.seq++
	body := map[string]any{
		"borrower_type": "individual", "name": "张伟", "national_id": loanPersonID(c.seq), "phone": "13800138000",
		"key_group": "returning_migrant_worker", "district_code": apptest.District, "bank_code": apptest.Bank,
		"amount": "200000.00", "term_months": 24, "business_name": "灵宝苹果合作社", "industry": "agriculture",
		"purpose": "cold storage", "jobs_planned": 3, "not_employed": true,
	}
	id := jsonID(c.s.Do("POST", "/api/v1/applications", owner, body).Want(201).JSON()["id"])
	base := "/api/v1/applications/" + id
	c.s.Do("POST", base+"/submit", owner, nil).Want(200)
	if status == "eligibility_review" {
		return id
	}
	c.s.Do("POST", base+"/decisions", c.hrss, map[string]any{"decision": "approve", "comment": "eligible"}).Want(200)
	c.s.Do("POST", base+"/decisions", c.guar, map[string]any{"decision": "approve", "comment": "guaranteed"}).Want(200)
	c.s.Do("POST", base+"/decisions", c.bank, map[string]any{"decision": "approve", "comment": "ok",
		"approved_amount": "200000.00", "annual_rate": "0.0395", "term_months": 24}).Want(200)
	return id
}

func disbursement(amount, on, ref string) map[string]any {
	return map[string]any{"amount": amount, "disbursed_on": on, "bank_reference": ref}
}

// loan disburses an approved application (by bank2) on 2024-03-15 and returns the loan.
func (c *cast) loan(t testing.TB) map[string]any {
	t.Helper()
	app := c.application(t, c.owner, "approved")
	r := c.s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("200000.00", "2024-03-15", "D-"+app), "Idempotency-Key", "disb-"+app).Want(201)
	return r.JSON()["loan"].(map[string]any)
}

func TestDisbursementCreatesTheLoanOnce(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.application(t, c.owner, "approved")
	url := "/api/v1/applications/" + app + "/disbursement"
	body := disbursement("200000.00", "2024-03-15", "ICBC-2024-0001")

	s.Do("POST", url, c.bank2, body).WantProblem(400, "idempotency.key_required")
	// Who may disburse: not visible → 404; visible but not a bank officer → 403;
	// the bank officer who approved → 403 four_eyes.
	s.Do("POST", url, c.bankOther, body, "Idempotency-Key", "k-x").WantProblem(404, "not_found")
	s.Do("POST", url, c.other, body, "Idempotency-Key", "k-x").WantProblem(404, "not_found")
	s.Do("POST", url, c.owner, body, "Idempotency-Key", "k-x").WantProblem(403, "forbidden")
	s.Do("POST", url, c.hrss, body, "Idempotency-Key", "k-x").WantProblem(403, "forbidden")
	s.Do("POST", url, c.auditor, body, "Idempotency-Key", "k-x").WantProblem(403, "forbidden")
	s.Do("POST", url, c.bank, body, "Idempotency-Key", "k-x").WantProblem(403, "four_eyes")
	// Field rules: the approved amount exactly, a real date not in the future.
	bad := s.Do("POST", url, c.bank2, disbursement("150000.00", "2999-01-01", ""), "Idempotency-Key", "k-bad").WantProblem(422, "validation_failed")
	for _, f := range []string{"amount", "disbursed_on", "bank_reference"} {
		if !contains(bad.FieldErrors(), f) {
			t.Errorf("errors %v miss %s", bad.FieldErrors(), f)
		}
	}
	s.Do("POST", url, c.bank2, disbursement("200000.001", "2024-02-30", "R"), "Idempotency-Key", "k-bad2").WantProblem(422, "validation_failed")

	first := s.Do("POST", url, c.bank2, body, "Idempotency-Key", "k-1").Want(201)
	l := first.JSON()["loan"].(map[string]any)
	want := map[string]any{
		"status": "active", "principal": "200000.00", "annual_rate": "0.0395", "borrower_rate": "0.01975", "subsidy_rate": "0.01975",
		"term_months": float64(24), "disbursed_on": "2024-03-15", "maturity_date": "2026-03-15", "outstanding_principal": "200000.00",
		"district_code": apptest.District, "bank_code": apptest.Bank, "repayment_method": "quarterly_interest",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("loan %s = %v, want %v", k, l[k], v)
		}
	}
	if jsonID(l["application_id"]) != app || len(l["repayments"].([]any)) != 0 {
		t.Errorf("loan = %v", l)
	}
	if !regexp.MustCompile(`^DK411282-2024-\d{6}$`).MatchString(l["number"].(string)) {
		t.Errorf("number %v", l["number"])
	}
	if st := s.Do("GET", "/api/v1/applications/"+app, c.owner, nil).Want(200).JSON()["status"]; st != "disbursed" {
		t.Errorf("application status %v, want disbursed", st)
	}
	// The same key and body replay the first answer byte for byte.
	again := s.Do("POST", url, c.bank2, body, "Idempotency-Key", "k-1").Want(201)
	if !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	// The same key with another body → 422; another key → 409.
	s.Do("POST", url, c.bank2, disbursement("200000.00", "2024-03-16", "ICBC-2024-0001"), "Idempotency-Key", "k-1").WantProblem(422, "idempotency.mismatch")
	s.Do("POST", url, c.bank2, body, "Idempotency-Key", "k-2").WantProblem(409, "application.invalid_state")
	// Keys are per user: another officer's k-1 is a new request (and a second disbursement).
	s.Do("POST", url, c.bank, body, "Idempotency-Key", "k-1").WantProblem(409, "application.invalid_state")

	// A bank reference is unique per bank.
	app2 := c.application(t, c.owner2(t), "approved")
	s.Do("POST", "/api/v1/applications/"+app2+"/disbursement", c.bank2, body, "Idempotency-Key", "k-3").WantProblem(409, "conflict")
	// The failed attempt left nothing: the application is still approved, the
	// loan number was not used up, and the key is free for the corrected request.
	if st := s.Do("GET", "/api/v1/applications/"+app2, c.bank2, nil).Want(200).JSON()["status"]; st != "approved" {
		t.Fatalf("after a failed disbursement the application is %v", st)
	}
	l2 := s.Do("POST", "/api/v1/applications/"+app2+"/disbursement", c.bank2, disbursement("200000.00", "2024-04-01", "ICBC-2024-0002"), "Idempotency-Key", "k-3").Want(201).JSON()["loan"].(map[string]any)
	if l2["number"] != "DK411282-2024-000002" || l["number"] != "DK411282-2024-000001" {
		t.Fatalf("numbers %v and %v", l["number"], l2["number"])
	}
	// Not yet approved → 409.
	app3 := c.application(t, c.owner3(t), "eligibility_review")
	s.Do("POST", "/api/v1/applications/"+app3+"/disbursement", c.bank2, body, "Idempotency-Key", "k-4").WantProblem(409, "application.invalid_state")
	s.Do("POST", "/api/v1/applications/999999/disbursement", c.bank2, body, "Idempotency-Key", "k-5").WantProblem(404, "not_found")

	// Reading: the borrower, the district's and bank's officers and auditors; nobody else.
	id := jsonID(l["id"])
	for _, tok := range []string{c.owner, c.hrss, c.guar, c.bank, c.auditor} {
		if got := s.Do("GET", "/api/v1/loans/"+id, tok, nil).Want(200).JSON(); got["number"] != l["number"] {
			t.Errorf("read loan: %v", got)
		}
	}
	for _, tok := range []string{c.other, c.hrssOther, c.guarOther, c.bankOther, c.admin} {
		s.Do("GET", "/api/v1/loans/"+id, tok, nil).WantProblem(404, "not_found")
	}
	s.Do("GET", "/api/v1/loans/nope", c.owner, nil).WantProblem(404, "not_found")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// owner2 and owner3 are further entrepreneurs (one open application each).
func (c *cast) owner2(t *testing.T) string { return c.s.User("owner2", "entrepreneur", "", "") }
func (c *cast) owner3(t *testing.T) string { return c.s.User("owner3", "entrepreneur", "", "") }

func TestLoanListIsScoped(t *testing.T) {
	c := newCast(t)
	l := c.loan(t)
	count := func(tok, query string) float64 {
		return c.s.Do("GET", "/api/v1/loans"+query, tok, nil).Want(200).JSON()["total"].(float64)
	}
	for tok, n := range map[string]float64{c.owner: 1, c.other: 0, c.hrss: 1, c.hrssOther: 0, c.bank: 1, c.bankOther: 0, c.guarOther: 0, c.auditor: 1} {
		if got := count(tok, ""); got != n {
			t.Errorf("list total %v, want %v", got, n)
		}
	}
	if count(c.auditor, "?status=active&district_code="+apptest.District) != 1 || count(c.auditor, "?status=settled") != 0 {
		t.Error("list filters")
	}
	items := c.s.Do("GET", "/api/v1/loans", c.owner, nil).Want(200).JSON()["items"].([]any)
	if items[0].(map[string]any)["number"] != l["number"] {
		t.Errorf("items %v", items)
	}
	c.s.Do("GET", "/api/v1/loans", c.admin, nil).WantProblem(403, "forbidden")
	c.s.Do("GET", "/api/v1/loans?status=lost", c.auditor, nil).WantProblem(422, "validation_failed")
}

func TestScheduleAndSubsidyOfTheWorkedExample(t *testing.T) {
	c := newCast(t)
	l := c.loan(t)
	id := jsonID(l["id"])
	sch := c.s.Do("GET", "/api/v1/loans/"+id+"/schedule", c.owner, nil).Want(200).JSON()
	items := sch["items"].([]any)
	first := items[0].(map[string]any)
	for k, v := range map[string]any{"due_on": "2024-06-20", "principal": "0.00", "interest": "2128.61", "subsidy": "1064.31", "borrower_interest": "1064.30"} {
		if first[k] != v {
			t.Errorf("first line %s = %v, want %v", k, first[k], v)
		}
	}
	last := items[len(items)-1].(map[string]any)
	if last["due_on"] != "2026-03-15" || last["principal"] != "200000.00" || sch["sums"].(map[string]any)["principal"] != "200000.00" {
		t.Errorf("last line %v, sums %v", last, sch["sums"])
	}
	c.s.Do("GET", "/api/v1/loans/"+id+"/schedule", c.other, nil).WantProblem(404, "not_found")

	sub := c.s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.owner, nil).Want(200).JSON()
	q2 := sub["items"].([]any)[0].(map[string]any)
	for k, v := range map[string]any{"period": "2024Q2", "days": float64(97), "interest": "2128.61", "subsidy": "1064.31", "borrower_interest": "1064.30", "status": "pending"} {
		if q2[k] != v {
			t.Errorf("2024Q2 %s = %v, want %v", k, q2[k], v)
		}
	}
	if sub["total_subsidy"] == nil {
		t.Error("no total_subsidy")
	}
	c.s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.bankOther, nil).WantProblem(404, "not_found")
}

func repayment(principal, interest, on, ref string) map[string]any {
	return map[string]any{"principal": principal, "interest": interest, "paid_on": on, "bank_reference": ref}
}

func TestRepaymentsSettleTheLoan(t *testing.T) {
	c := newCast(t)
	s := c.s
	l := c.loan(t)
	id := jsonID(l["id"])
	url := "/api/v1/loans/" + id + "/repayments"
	s.Do("POST", url, c.bank, repayment("50000.00", "1064.30", "2024-06-20", "R1")).WantProblem(400, "idempotency.key_required")
	s.Do("POST", url, c.bankOther, repayment("50000.00", "1064.30", "2024-06-20", "R1"), "Idempotency-Key", "r-1").WantProblem(404, "not_found")
	s.Do("POST", url, c.owner, repayment("50000.00", "1064.30", "2024-06-20", "R1"), "Idempotency-Key", "r-1").WantProblem(403, "forbidden")
	s.Do("POST", url, c.guar, repayment("50000.00", "1064.30", "2024-06-20", "R1"), "Idempotency-Key", "r-1").WantProblem(403, "forbidden")
	over := s.Do("POST", url, c.bank, repayment("200000.01", "-1.00", "2024-03-14", "R1"), "Idempotency-Key", "r-0").WantProblem(422, "validation_failed")
	for _, f := range []string{"principal", "interest", "paid_on"} {
		if !contains(over.FieldErrors(), f) {
			t.Errorf("errors %v miss %s", over.FieldErrors(), f)
		}
	}

	first := s.Do("POST", url, c.bank, repayment("50000.00", "1064.30", "2024-06-20", "R1"), "Idempotency-Key", "r-1").Want(201)
	got := first.JSON()
	if got["loan"].(map[string]any)["outstanding_principal"] != "150000.00" || got["repayment"].(map[string]any)["principal"] != "50000.00" {
		t.Fatalf("repayment answered %s", first.Body)
	}
	if again := s.Do("POST", url, c.bank, repayment("50000.00", "1064.30", "2024-06-20", "R1"), "Idempotency-Key", "r-1").Want(201); !bytes.Equal(again.Body, first.Body) {
		t.Fatal("replayed repayment differs")
	}
	s.Do("POST", url, c.bank, repayment("50000.00", "1064.30", "2024-06-21", "R1"), "Idempotency-Key", "r-1").WantProblem(422, "idempotency.mismatch")
	s.Do("POST", url, c.bank, repayment("1.00", "0.00", "2024-06-21", "R1"), "Idempotency-Key", "r-2").WantProblem(409, "conflict")
	s.Do("POST", url, c.bank, repayment("150000.01", "0.00", "2024-07-01", "R2"), "Idempotency-Key", "r-3").WantProblem(422, "validation_failed")

	// Q3 accrues on 150000 for 92 days: 150000 × 0.0395 × 92 / 360 = 1514.1666… → 1514.17.
	sub := s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.owner, nil).Want(200).JSON()["items"].([]any)
	if q3 := sub[1].(map[string]any); q3["period"] != "2024Q3" || q3["interest"] != "1514.17" || q3["subsidy"] != "757.08" || q3["borrower_interest"] != "757.09" {
		t.Errorf("2024Q3 = %v", q3)
	}

	done := s.Do("POST", url, c.bank2, repayment("150000.00", "757.09", "2024-09-20", "R3"), "Idempotency-Key", "r-4").Want(201).JSON()
	settled := done["loan"].(map[string]any)
	if settled["status"] != "settled" || settled["outstanding_principal"] != "0.00" || settled["settled_on"] != "2024-09-20" || len(settled["repayments"].([]any)) != 2 {
		t.Fatalf("after full repayment: %v", settled)
	}
	s.Do("POST", url, c.bank, repayment("0.00", "1.00", "2024-09-21", "R4"), "Idempotency-Key", "r-5").WantProblem(409, "loan.invalid_state")
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=loan&entity_id="+id, c.auditor, nil).Want(200).JSON()["total"].(float64); n != 3 {
		t.Errorf("%v audit events for the loan, want 3 (disburse, two repayments)", n)
	}
}

type rawAnswer struct {
	status int
	body   []byte
	err    error
}

func rawPost(url, token, key string, body any) rawAnswer {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", url, bytes.NewReader(b))
	if err != nil {
		return rawAnswer{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rawAnswer{err: err}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return rawAnswer{status: resp.StatusCode, body: out, err: err}
}

func TestConcurrentDisbursementsLeaveOneLoan(t *testing.T) {
	c := newCast(t)
	for _, sameKey := range []bool{true, false} {
		owner := c.s.User(fmt.Sprintf("conc.%v", sameKey), "entrepreneur", "", "")
		app := c.application(t, owner, "approved")
		url := c.s.URL + "/api/v1/applications/" + app + "/disbursement"
		const n = 8
		answers := make([]rawAnswer, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := "same"
				if !sameKey {
					key = "key-" + strconv.Itoa(i)
				}
				answers[i] = rawPost(url, c.bank2, key, disbursement("200000.00", "2024-03-15", "CONC-"+app))
			}()
		}
		wg.Wait()
		created := 0
		var firstBody []byte
		for _, a := range answers {
			if a.err != nil {
				t.Fatal(a.err)
			}
			switch a.status {
			case 201:
				created++
				if firstBody != nil && !bytes.Equal(firstBody, a.body) {
					t.Fatalf("two different 201 answers:\n%s\n%s", firstBody, a.body)
				}
				firstBody = a.body
			case 409:
			default:
				t.Fatalf("status %d: %s", a.status, a.body)
			}
		}
		if created == 0 || (!sameKey && created != 1) {
			t.Fatalf("sameKey=%v: %d answers 201", sameKey, created)
		}
		list := c.s.Do("GET", "/api/v1/loans", owner, nil).Want(200).JSON()
		if list["total"].(float64) != 1 {
			t.Fatalf("sameKey=%v: %v loans, want exactly 1", sameKey, list["total"])
		}
	}
}

func TestSubsidyClaimCheckPay(t *testing.T) {
	c := newCast(t)
	s := c.s
	id := jsonID(c.loan(t)["id"])
	base := "/api/v1/loans/" + id + "/subsidy/2024Q2/"
	s.Do("POST", base+"check", c.hrss, map[string]any{"decision": "approve"}).WantProblem(409, "subsidy.invalid_state")
	s.Do("POST", base+"claim", c.hrss, nil).WantProblem(403, "forbidden")
	s.Do("POST", base+"claim", c.bankOther, nil).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/loans/"+id+"/subsidy/2023Q1/claim", c.bank, nil).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/loans/"+id+"/subsidy/bogus/claim", c.bank, nil).WantProblem(404, "not_found")
	claimed := s.Do("POST", base+"claim", c.bank, nil).Want(200).JSON()
	if claimed["status"] != "claimed" || claimed["subsidy"] != "1064.31" {
		t.Fatalf("claim answered %v", claimed)
	}
	s.Do("POST", base+"claim", c.bank2, nil).WantProblem(409, "subsidy.invalid_state")
	s.Do("POST", base+"pay", c.hrss, nil).WantProblem(409, "subsidy.invalid_state")
	s.Do("POST", base+"check", c.auditor, map[string]any{"decision": "approve"}).WantProblem(403, "forbidden")
	s.Do("POST", base+"check", c.hrssOther, map[string]any{"decision": "approve"}).WantProblem(404, "not_found")
	s.Do("POST", base+"check", c.hrss, map[string]any{"decision": "refuse"}).WantProblem(422, "validation_failed")
	s.Do("POST", base+"check", c.hrss, map[string]any{"decision": "maybe"}).WantProblem(422, "validation_failed")
	if got := s.Do("POST", base+"check", c.hrss, map[string]any{"decision": "approve"}).Want(200).JSON(); got["status"] != "checked" {
		t.Fatalf("check answered %v", got)
	}
	s.Do("POST", base+"pay", c.hrss, nil).WantProblem(403, "four_eyes")
	if got := s.Do("POST", base+"pay", c.hrss2, nil).Want(200).JSON(); got["status"] != "paid" {
		t.Fatalf("pay answered %v", got)
	}
	// Another quarter refused with a reason.
	q3 := "/api/v1/loans/" + id + "/subsidy/2024Q3/"
	s.Do("POST", q3+"claim", c.bank, nil).Want(200)
	if got := s.Do("POST", q3+"check", c.hrss, map[string]any{"decision": "refuse", "reason": "逾期"}).Want(200).JSON(); got["status"] != "refused" || got["reason"] != "逾期" {
		t.Fatalf("refuse answered %v", got)
	}
	items := s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.owner, nil).Want(200).JSON()["items"].([]any)
	if items[0].(map[string]any)["status"] != "paid" || items[1].(map[string]any)["status"] != "refused" || items[2].(map[string]any)["status"] != "pending" {
		t.Errorf("statuses %v", items)
	}

	tot := s.Do("GET", "/api/v1/subsidies?period=2024Q2", c.auditor, nil).Want(200).JSON()
	total := tot["total"].(map[string]any)
	if total["paid"] != "1064.31" || total["subsidy"] != "1064.31" || total["claims"].(float64) != 1 || len(tot["rows"].([]any)) != 1 {
		t.Errorf("totals %v", tot)
	}
	// The loan is unpaid since 20 June: of 2024Q3 only 20 June is not overdue,
	// 200000 × 0.01975 / 360 = 10.972… → 10.97, and that was refused.
	if q := s.Do("GET", "/api/v1/subsidies?period=2024Q3", c.auditor, nil).Want(200).JSON()["total"].(map[string]any); q["refused"] != "10.97" || q["subsidy"] != "0.00" || q["claims"].(float64) != 1 {
		t.Errorf("2024Q3 totals %v", q)
	}
	if rows := s.Do("GET", "/api/v1/subsidies?period=2024Q2", c.hrssOther, nil).Want(200).JSON()["rows"].([]any); len(rows) != 0 {
		t.Errorf("another district's officer sees %v", rows)
	}
	s.Do("GET", "/api/v1/subsidies?period=2024Q2", c.owner, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/subsidies?period=2024-2", c.auditor, nil).WantProblem(422, "validation_failed")
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=subsidy&entity_id="+id+"/2024Q2", c.auditor, nil).Want(200).JSON()["total"].(float64); n != 3 {
		t.Errorf("%v audit events for the subsidy, want 3", n)
	}
}

func TestOverdueCompensationRecoveryWriteOff(t *testing.T) {
	c := newCast(t)
	s := c.s
	l := c.loan(t)
	id := jsonID(l["id"])
	ctx := context.Background()
	// Compensation needs an overdue loan.
	s.Do("POST", "/api/v1/loans/"+id+"/compensation", c.guar, map[string]any{"compensated_on": "2024-08-01"}).WantProblem(409, "loan.invalid_state")

	day := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	res, err := s.App.Loans.RunDaily(ctx, day)
	if err != nil || res.BecameOverdue != 1 || res.AlreadyRunning {
		t.Fatalf("daily job: %+v %v", res, err)
	}
	got := s.Do("GET", "/api/v1/loans/"+id, c.guar, nil).Want(200).JSON()
	if got["status"] != "overdue" || got["days_overdue"].(float64) != 11 || got["overdue_since"] != "2024-06-21" {
		t.Fatalf("after the job: %v", got)
	}
	events := func() float64 {
		return s.Do("GET", "/api/v1/audit-events?entity_type=loan&entity_id="+id, c.auditor, nil).Want(200).JSON()["total"].(float64)
	}
	before := events()
	again, err := s.App.Loans.RunDaily(ctx, day)
	if err != nil || again.BecameOverdue != 0 || again.Overdue != 1 {
		t.Fatalf("second run: %+v %v", again, err)
	}
	if after := s.Do("GET", "/api/v1/loans/"+id, c.guar, nil).Want(200).JSON(); after["days_overdue"].(float64) != 11 || after["updated_at"] != got["updated_at"] || events() != before {
		t.Fatalf("a second run for the same day changed the loan: %v", after)
	}
	// An earlier day does not turn the clock back.
	if _, err := s.App.Loans.RunDaily(ctx, day.AddDate(0, 0, -5)); err != nil {
		t.Fatal(err)
	}
	if d := s.Do("GET", "/api/v1/loans/"+id, c.guar, nil).Want(200).JSON()["days_overdue"].(float64); d != 11 {
		t.Fatalf("days overdue %v after an earlier run", d)
	}
	// Catching up cures the loan on the next run, but it stays marked as once overdue.
	if rl := cureAndCheck(t, c, id, day); rl["status"] != "active" || rl["days_overdue"].(float64) != 0 || rl["ever_overdue"] != true {
		t.Fatalf("after catching up: %v", rl)
	}
	// Unpaid again on 20 September: overdue again from 21 September.
	if _, err := s.App.Loans.RunDaily(ctx, time.Date(2024, 9, 25, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if rl := s.Do("GET", "/api/v1/loans/"+id, c.guar, nil).Want(200).JSON(); rl["status"] != "overdue" || rl["overdue_since"] != "2024-09-21" || rl["days_overdue"].(float64) != 5 {
		t.Fatalf("overdue again: %v", rl)
	}
	// The person had an overdue loan: a new application is refused.
	newApp := map[string]any{
		"borrower_type": "individual", "name": "张伟", "national_id": loanPersonID(1), "phone": "13800138000",
		"key_group": "returning_migrant_worker", "district_code": apptest.District, "bank_code": apptest.Bank,
		"amount": "100000.00", "term_months": 12, "business_name": "x", "industry": "agriculture", "purpose": "y", "jobs_planned": 1, "not_employed": true,
	}
	if f := s.Do("POST", "/api/v1/applications", c.owner, newApp).WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "national_id") {
		t.Errorf("re-application errors %v", f)
	}

	comp := "/api/v1/loans/" + id + "/compensation"
	s.Do("POST", comp, c.guarOther, map[string]any{"compensated_on": "2024-10-08"}).WantProblem(404, "not_found")
	s.Do("POST", comp, c.bank, map[string]any{"compensated_on": "2024-10-08"}).WantProblem(403, "forbidden")
	s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "soon"}).WantProblem(422, "validation_failed")
	// Not before the loan fell overdue (21 September), nor after today.
	for _, on := range []string{"2024-09-20", "2999-01-01"} {
		if f := s.Do("POST", comp, c.guar, map[string]any{"compensated_on": on}).WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "compensated_on") {
			t.Errorf("compensated on %s: errors %v", on, f)
		}
	}
	cl := s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "2024-10-08"}).Want(200).JSON()["loan"].(map[string]any)
	cm := cl["compensation"].(map[string]any)
	if cl["status"] != "compensated" || cm["amount"] != "200000.00" || cm["fund_amount"] != "160000.00" || cm["bank_amount"] != "40000.00" || cm["fund_share"] != "0.80" && cm["fund_share"] != "0.8000" {
		t.Fatalf("compensated: %v", cl)
	}
	s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "2024-10-08"}).WantProblem(409, "loan.invalid_state")
	s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("1.00", "0.00", "2024-10-09", "X1"), "Idempotency-Key", "late").WantProblem(409, "loan.invalid_state")

	rec := "/api/v1/loans/" + id + "/recoveries"
	s.Do("POST", rec, c.bank, map[string]any{"amount": "1.00", "recovered_on": "2024-11-01"}).WantProblem(403, "forbidden")
	s.Do("POST", rec, c.guar, map[string]any{"amount": "200000.01", "recovered_on": "2024-11-01"}).WantProblem(422, "validation_failed")
	s.Do("POST", rec, c.guar, map[string]any{"amount": "1.00", "recovered_on": "2024-07-01"}).WantProblem(422, "validation_failed")
	r := s.Do("POST", rec, c.guar, map[string]any{"amount": "50000.00", "recovered_on": "2024-11-01", "note": "抵押物处置"}).Want(201).JSON()
	if rl := r["loan"].(map[string]any); rl["recovered"] != "50000.00" || len(rl["recoveries"].([]any)) != 1 || r["recovery"].(map[string]any)["amount"] != "50000.00" {
		t.Fatalf("recovery answered %v", r)
	}

	wo := "/api/v1/loans/" + id + "/write-off"
	s.Do("POST", wo+"/confirm", c.guar2, nil).WantProblem(409, "loan.invalid_state")
	s.Do("POST", wo, c.guar, map[string]any{"reason": ""}).WantProblem(422, "validation_failed")
	s.Do("POST", wo, c.guar, map[string]any{"reason": "借款人无财产可供执行"}).Want(200)
	s.Do("POST", wo, c.guar2, map[string]any{"reason": "again"}).WantProblem(409, "conflict")
	s.Do("POST", wo+"/confirm", c.guar, nil).WantProblem(403, "four_eyes")
	s.Do("POST", wo+"/confirm", c.auditor, nil).WantProblem(403, "forbidden")
	done := s.Do("POST", wo+"/confirm", c.guar2, nil).Want(200).JSON()["loan"].(map[string]any)
	if done["status"] != "written_off" || *strPtr(done["write_off"].(map[string]any)["amount"]) != "150000.00" {
		t.Fatalf("written off: %v", done)
	}

	exp := s.Do("GET", "/api/v1/guarantee/exposure", c.guar, nil).Want(200).JSON()
	// The fund's side: it paid 160,000.00, recovered 80% of 50,000.00 and
	// wrote off the rest of what it paid.
	if tot := exp["total"].(map[string]any); tot["compensated"] != "160000.00" || tot["recovered"] != "40000.00" || tot["written_off"] != "120000.00" || tot["outstanding"] != "0.00" {
		t.Errorf("exposure %v", exp)
	}
	if rows := s.Do("GET", "/api/v1/guarantee/exposure", c.guarOther, nil).Want(200).JSON()["rows"].([]any); len(rows) != 0 {
		t.Errorf("another district sees %v", rows)
	}
	s.Do("GET", "/api/v1/guarantee/exposure", c.bank, nil).WantProblem(403, "forbidden")
}

func strPtr(v any) *string {
	s, _ := v.(string)
	return &s
}

func TestExposureCountsOpenLoans(t *testing.T) {
	c := newCast(t)
	c.loan(t)
	c.loan(t)
	exp := c.s.Do("GET", "/api/v1/guarantee/exposure", c.auditor, nil).Want(200).JSON()
	row := exp["rows"].([]any)[0].(map[string]any)
	if row["district_code"] != apptest.District || row["loans"].(float64) != 2 || row["outstanding"] != "400000.00" || row["overdue"] != "0.00" {
		t.Errorf("exposure %v", exp)
	}
	total := exp["total"].(map[string]any)
	if total["loans"].(float64) != 2 || total["outstanding"] != "400000.00" || total["compensated"] != "0.00" {
		t.Errorf("exposure total %v", total)
	}
	// A guarantee officer sees their district only; an entrepreneur none of it.
	if rows := c.s.Do("GET", "/api/v1/guarantee/exposure", c.guarOther, nil).Want(200).JSON()["rows"].([]any); len(rows) != 0 {
		t.Errorf("another district's guarantee officer sees %v", rows)
	}
	c.s.Do("GET", "/api/v1/guarantee/exposure", c.owner, nil).WantProblem(403, "forbidden")
}

func TestEqualPrincipalSchedule(t *testing.T) {
	c := newCast(t)
	app := c.application(t, c.owner, "approved")
	url := "/api/v1/applications/" + app + "/disbursement"
	body := disbursement("200000.00", "2024-03-15", "EP-1")
	body["repayment_method"] = "balloon"
	c.s.Do("POST", url, c.bank2, body, "Idempotency-Key", "ep-0").WantProblem(422, "validation_failed")
	body["repayment_method"] = "equal_principal"
	l := c.s.Do("POST", url, c.bank2, body, "Idempotency-Key", "ep-1").Want(201).JSON()["loan"].(map[string]any)
	// The first instalment and its interest paid on time, nothing after.
	c.s.Do("POST", "/api/v1/loans/"+jsonID(l["id"])+"/repayments", c.bank, repayment("25000.00", "1064.30", "2024-06-20", "EP-R1"), "Idempotency-Key", "ep-r1").Want(201)
	sch := c.s.Do("GET", "/api/v1/loans/"+jsonID(l["id"])+"/schedule", c.owner, nil).Want(200).JSON()
	items := sch["items"].([]any)
	if len(items) != 8 || sch["repayment_method"] != "equal_principal" {
		t.Fatalf("schedule %v", sch)
	}
	// Eight instalments of 25000.00; the second period accrues on 175000.00 for
	// 92 days: 175000 × 0.0395 × 92 / 360 = 1766.527… → 1766.53, subsidy
	// 175000 × 0.01975 × 92 / 360 = 883.263… → 883.26, borrower 883.27.
	for _, it := range items {
		if it.(map[string]any)["principal"] != "25000.00" {
			t.Fatalf("instalment %v", it)
		}
	}
	second := items[1].(map[string]any)
	if second["due_on"] != "2024-09-20" || second["interest"] != "1766.53" || second["subsidy"] != "883.26" || second["borrower_interest"] != "883.27" ||
		second["overdue_days"] != float64(0) || items[0].(map[string]any)["state"] != "paid" || second["state"] != "overdue" {
		t.Errorf("second line %v", second)
	}
	// The third period (20 September – 20 December, 91 days) runs on
	// 175000.00 with every day but the due day 20 September overdue: interest
	// 175000 × 0.0395 × 91 / 360 = 1747.326… → 1747.33, subsidy only for 20
	// September 175000 × 0.01975 / 360 = 9.600… → 9.60, the borrower 1737.73.
	if third := items[2].(map[string]any); third["days"] != float64(91) || third["overdue_days"] != float64(90) || third["interest"] != "1747.33" ||
		third["subsidy"] != "9.60" || third["borrower_interest"] != "1737.73" {
		t.Errorf("third line %v", third)
	}
	if sch["sums"].(map[string]any)["principal"] != "200000.00" {
		t.Errorf("sums %v", sch["sums"])
	}
}

// A person may borrow again after repaying on time, at most three times.
func TestReloansCountRealLoans(t *testing.T) {
	c := newCast(t)
	c.decideInPast()
	person := loanPersonID(77)
	apply := func(amount string) *apptest.Response {
		return c.s.Do("POST", "/api/v1/applications", c.owner, map[string]any{
			"borrower_type": "individual", "name": "张伟", "national_id": person, "phone": "13800138000",
			"key_group": "returning_migrant_worker", "district_code": apptest.District, "bank_code": apptest.Bank,
			"amount": amount, "term_months": 12, "business_name": "x", "industry": "agriculture", "purpose": "y", "jobs_planned": 1, "not_employed": true,
		})
	}
	for i := 1; i <= 3; i++ {
		id := jsonID(apply("100000.00").Want(201).JSON()["id"])
		base := "/api/v1/applications/" + id
		c.s.Do("POST", base+"/submit", c.owner, nil).Want(200)
		c.s.Do("POST", base+"/decisions", c.hrss, map[string]any{"decision": "approve", "comment": "ok"}).Want(200)
		c.s.Do("POST", base+"/decisions", c.guar, map[string]any{"decision": "approve", "comment": "ok"}).Want(200)
		c.s.Do("POST", base+"/decisions", c.bank, map[string]any{"decision": "approve", "comment": "ok",
			"approved_amount": "100000.00", "annual_rate": "0.0395", "term_months": 12}).Want(200)
		l := c.s.Do("POST", base+"/disbursement", c.bank2, disbursement("100000.00", "2024-03-15", "RL-"+id), "Idempotency-Key", "rl-"+id).Want(201).JSON()["loan"].(map[string]any)
		// While the loan is open, no new application.
		if f := apply("100000.00").WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "national_id") {
			t.Fatalf("loan %d open: errors %v", i, f)
		}
		// Repaid in full before any due date: settled on time.
		c.s.Do("POST", "/api/v1/loans/"+jsonID(l["id"])+"/repayments", c.bank, repayment("100000.00", "0.00", "2024-03-15", "RLP-"+id), "Idempotency-Key", "rlp-"+id).Want(201)
	}
	if f := apply("100000.00").WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "national_id") {
		t.Fatalf("a fourth loan: errors %v", f)
	}
}

// Imported loans keep their repayment history in the legacy system: the
// daily job leaves them active.
func TestDailyJobLeavesImportedLoansAlone(t *testing.T) {
	c := newCast(t)
	csv := "external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created\n" +
		"LEG-1,王五," + loanPersonID(90) + ",female,retired_soldier,individual," + apptest.District + "," + apptest.Bank + ",100000.00,0.0395,24,2023-01-10,2\n"
	c.s.Do("POST", "/api/v1/imports/loans", c.admin, csv, "Content-Type", "text/csv").Want(200)
	res, err := c.s.App.Loans.RunDaily(context.Background(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || res.Checked != 0 {
		t.Fatalf("daily job: %+v %v", res, err)
	}
	items := c.s.Do("GET", "/api/v1/loans", c.auditor, nil).Want(200).JSON()["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["status"] != "active" || items[0].(map[string]any)["external_ref"] != "LEG-1" {
		t.Fatalf("imported loans %v", items)
	}
}

// cureAndCheck pays the 2024Q2 borrower interest late (2 July) with the
// whole interest of the 11 overdue days 21 June – 1 July (200000 × 0.0395 ×
// 11 / 360 = 241.388… → 241.39): 1064.30 + 241.39 = 1305.69, and runs the
// job for 3 July.
func cureAndCheck(t *testing.T, c *cast, id string, day time.Time) map[string]any {
	t.Helper()
	c.s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("0.00", "1305.69", "2024-07-02", "CURE-"+id), "Idempotency-Key", "cure-"+id).Want(201)
	res, err := c.s.App.Loans.RunDaily(context.Background(), day.AddDate(0, 0, 2))
	if err != nil || res.Cured != 1 {
		t.Fatalf("cure run: %+v %v", res, err)
	}
	return c.s.Do("GET", "/api/v1/loans/"+id, c.auditor, nil).Want(200).JSON()
}
