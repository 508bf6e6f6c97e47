package httpapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// partnership is a partnership application led by the first of ids, every
// one of them a partner.
func partnership(amount string, ids ...string) map[string]any {
	body := individual(ids[0])
	body["borrower_type"], body["amount"], body["term_months"] = "partnership", amount, 24
	var ps []map[string]any
	for _, id := range ids {
		ps = append(ps, map[string]any{"name": "合伙人", "national_id": id, "key_group": "retired_soldier", "not_employed": true})
	}
	body["partners"] = ps
	return body
}

// TestPartnersArePersons: every partner passes the lead's person checks,
// the lead is listed, a partner of an application the HRSS officer verified
// or of an unpaid partnership loan may not apply again, alone or in another
// partnership, and an overdue partnership loan bars every partner.
func TestPartnersArePersons(t *testing.T) {
	c := newCast(t)
	c.decideInPast()
	s := c.s
	refused := func(tok string, body map[string]any, want ...string) {
		t.Helper()
		r := s.Do("POST", "/api/v1/applications", tok, body).WantProblem(422, "validation_failed")
		if f := r.FieldErrors(); !slices.Equal(f, want) {
			t.Fatalf("errors %v, want %v: %s", f, want, r.Body)
		}
	}
	lead, x, m := c.nextID(), c.nextID(), c.nextID()
	owner3 := c.owner3(t)

	// The lead must be one of the partners; every partner is of working age.
	notListed := partnership("500000.00", x, m)
	notListed["national_id"] = lead
	refused(c.owner, notListed, "partners")
	refused(c.owner, partnership("500000.00", lead, x, residentID("19500101", 41)), "partners[2].national_id")

	// A draft naming x blocks nobody else (anyone can type a number), and
	// another account's draft naming x is no obstacle to this one.
	draft := s.Do("POST", "/api/v1/applications", c.other, partnership("500000.00", m, x)).Want(201).JSON()["id"]
	p1 := c.at(t, "eligibility_review", partnership("660000.00", lead, x))
	// The HRSS officer checked everyone's ID card: from now on the
	// application counts for x whichever account asks.
	s.Do("POST", path(p1, "/decisions"), c.hrss, map[string]any{"decision": "approve"}).Want(200)
	refused(c.owner2(t), individual(x), "national_id")
	other := s.User("other.lead", "entrepreneur", "", "")
	refused(other, partnership("500000.00", c.nextID(), x), "partners[1].national_id")
	// The other account's draft is checked again when submitted.
	if f := s.Do("POST", path(draft, "/submit"), c.other, nil).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"partners[1].national_id"}) {
		t.Fatalf("submit errors %v", f)
	}

	// Disbursed: x holds the loan.
	s.Do("POST", path(p1, "/decisions"), c.guar, map[string]any{"decision": "approve", "comment": "counter-guarantee recorded"}).Want(200)
	s.Do("POST", path(p1, "/decisions"), c.bank, map[string]any{"decision": "approve", "approved_amount": "660000.00", "annual_rate": "0.0395", "term_months": 24}).Want(200)
	app := jsonID(p1)
	l := s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("660000.00", "2024-03-15", "P-"+app), "Idempotency-Key", "p-"+app).Want(201).JSON()["loan"].(map[string]any)
	refused(owner3, individual(x), "national_id")
	refused(other, partnership("500000.00", c.nextID(), x), "partners[1].national_id")

	// Overdue (the interest due on 20 June unpaid): every partner is barred,
	// still after the loan is repaid; a loan repaid on time would not bar.
	if _, err := s.App.Loans.RunDaily(context.Background(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	id := jsonID(l["id"])
	if st := s.Do("GET", "/api/v1/loans/"+id, c.auditor, nil).Want(200).JSON()["status"]; st != "overdue" {
		t.Fatalf("loan %v", st)
	}
	settle := func(everOverdue string) {
		t.Helper()
		sqlRows(t, s, "UPDATE loans SET status = 'settled', outstanding_fen = 0, settled_on = '2024-09-20', days_overdue = 0, overdue_since = NULL, ever_overdue = "+everOverdue+" WHERE id = "+id)
	}
	settle("true")
	refused(c.owner, individual(lead), "national_id")
	refused(owner3, individual(x), "national_id")
	refused(other, partnership("500000.00", c.nextID(), x), "partners[1].national_id")
	settle("false")
	s.Do("POST", "/api/v1/applications", other, partnership("500000.00", c.nextID(), x)).Want(201)
}

// TestPartnershipSubsidisedOnWholePrincipal: the subsidy cap of a loan is the
// cap of its borrower type, a partnership's own computed cap, on both
// creation paths.
func TestPartnershipSubsidisedOnWholePrincipal(t *testing.T) {
	c := newCast(t)
	c.decideInPast()
	s := c.s
	// Normal path: 2 partners → cap 1.1 × 2 × 300,000.00 = 660,000.00, the
	// whole principal. Disbursed 2024-03-15 at 3.95% (share regime: treasury
	// 1.975%); 2024Q2 is 97 days (16 March – 20 June):
	// interest 660,000 × 0.0395 × 97 / 360 = 7,024.4166… → 7,024.42;
	// subsidy 660,000 × 0.01975 × 97 / 360 = 3,512.2083… → 3,512.21 (with the
	// individual cap it was 300,000 × 0.01975 × 97 / 360 = 1,596.46);
	// borrower 7,024.42 − 3,512.21 = 3,512.21.
	id := c.at(t, "bank_review", partnership("660000.00", c.nextID(), c.nextID()))
	s.Do("POST", path(id, "/decisions"), c.bank, map[string]any{"decision": "approve", "approved_amount": "660000.00", "annual_rate": "0.0395", "term_months": 24}).Want(200)
	app := jsonID(id)
	l := s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("660000.00", "2024-03-15", "S-"+app), "Idempotency-Key", "s-"+app).Want(201).JSON()["loan"].(map[string]any)
	if l["subsidy_cap"] != "660000.00" {
		t.Fatalf("subsidy_cap %v, want 660000.00", l["subsidy_cap"])
	}
	q2 := s.Do("GET", "/api/v1/loans/"+jsonID(l["id"])+"/subsidy", c.auditor, nil).Want(200).JSON()["items"].([]any)[0].(map[string]any)
	for k, v := range map[string]any{"period": "2024Q2", "days": float64(97), "interest": "7024.42", "subsidy": "3512.21", "borrower_interest": "3512.21"} {
		if q2[k] != v {
			t.Errorf("2024Q2 %s = %v, want %v", k, q2[k], v)
		}
	}

	// Legacy path: the partners column gives the partnership's own cap
	// (3 partners: 990,000.00); without it the principal is subsidised whole.
	header := "external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created,partners\n"
	row := func(ref string, n int, borrower, principal, partners string) string {
		gender := map[bool]string{true: "male", false: "female"}[n%2 == 1]
		return ref + ",李四," + reportPersonID(n) + "," + gender + ",retired_soldier," + borrower + "," + apptest.District + "," + apptest.Bank + "," + principal + ",0.0395,24,2024-03-15,2," + partners + "\n"
	}
	bad := importLegacy(s, c.admin, header+row("P-1", 1, "partnership", "990000.01", "3")+row("P-2", 3, "individual", "100000.00", "2")+row("P-3", 5, "partnership", "500000.00", "1"))
	bad.WantProblem(422, "validation_failed")
	if f := bad.FieldErrors(); !slices.Equal(f, []string{"principal", "partners", "partners"}) {
		t.Fatalf("legacy errors %v", f)
	}
	importLegacy(s, c.admin, header+row("P-1", 1, "partnership", "990000.00", "3")+row("P-2", 3, "partnership", "500000.00", "")).Want(200)
	caps := sqlRows(t, s, "SELECT external_ref, subsidy_cap_fen FROM loans WHERE external_ref IS NOT NULL ORDER BY external_ref")
	if len(caps) != 2 || caps[0][1] != "99000000" || caps[1][1] != "50000000" {
		t.Fatalf("imported caps %v", caps)
	}
}

// TestNotEmployedDeclaration: a partner declaring employment by an
// organisation is refused on their own field; a partner or an application
// without the declaration (API.md's body has none; drafts written before it
// was asked) is not declared, reads null and goes through; declaring it
// later by an edit is kept.
func TestNotEmployedDeclaration(t *testing.T) {
	c := newCast(t)
	s := c.s
	body := partnership("500000.00", c.nextID(), c.nextID())
	ps := body["partners"].([]map[string]any)
	ps[0]["not_employed"], ps[1]["not_employed"] = true, false
	r := s.Do("POST", "/api/v1/applications", c.owner, body).WantProblem(422, "validation_failed")
	if f := r.FieldErrors(); !slices.Equal(f, []string{"partners[1].not_employed"}) {
		t.Fatalf("errors %v", f)
	}
	ps[0]["not_employed"], ps[1]["not_employed"] = true, true
	p := s.Do("POST", "/api/v1/applications", c.owner, body).Want(201).JSON()
	if p["partners"].([]any)[1].(map[string]any)["not_employed"] != true {
		t.Fatalf("partners %v", p["partners"])
	}
	s.Do("POST", path(p["id"], "/withdraw"), c.owner, nil).Want(200)

	// An old draft (no declaration) reads null and is submitted; a later
	// declaration by an edit is kept, and declaring employment is refused.
	id := c.at(t, "draft", nil)
	sqlRows(t, s, "UPDATE applications SET not_employed = NULL WHERE id = "+jsonID(id))
	if a := s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON(); a["not_employed"] != nil {
		t.Fatalf("old draft not_employed %v", a["not_employed"])
	}
	if f := s.Do("PATCH", path(id, ""), c.owner, map[string]any{"not_employed": false}).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"not_employed"}) {
		t.Fatalf("patch false: %v", f)
	}
	if a := s.Do("PATCH", path(id, ""), c.owner, map[string]any{"not_employed": true}).Want(200).JSON(); a["not_employed"] != true {
		t.Fatalf("declared by an edit: %v", a["not_employed"])
	}
	s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200)
}

// TestPartnershipLoansCountTowardEachPartnersLimit: a partnership loan
// counts toward max_loans_per_person (3) of each of its partners.
func TestPartnershipLoansCountTowardEachPartnersLimit(t *testing.T) {
	c := newCast(t)
	c.decideInPast()
	s := c.s
	lead, x, y := c.nextID(), c.nextID(), c.nextID()
	for i := 1; i <= 3; i++ {
		ids := []string{lead, x}
		if i == 3 {
			ids = append(ids, y)
		}
		id := c.at(t, "bank_review", partnership("200000.00", ids...))
		s.Do("POST", path(id, "/decisions"), c.bank, map[string]any{"decision": "approve", "approved_amount": "200000.00", "annual_rate": "0.0395", "term_months": 24}).Want(200)
		app := jsonID(id)
		l := s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("200000.00", "2024-03-15", "C-"+app), "Idempotency-Key", "c-"+app).Want(201).JSON()["loan"].(map[string]any)
		// Repaid in full on the day: settled on time, never overdue.
		s.Do("POST", "/api/v1/loans/"+jsonID(l["id"])+"/repayments", c.bank, repayment("200000.00", "0.00", "2024-03-15", "CP-"+app), "Idempotency-Key", "cp-"+app).Want(201)
	}
	// x held 3 partnership loans: no fourth, alone or as a partner; y held one.
	if f := s.Do("POST", "/api/v1/applications", c.owner2(t), individual(x)).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"national_id"}) {
		t.Fatalf("x alone: %v", f)
	}
	if f := s.Do("POST", "/api/v1/applications", c.other, partnership("200000.00", c.nextID(), x)).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"partners[1].national_id"}) {
		t.Fatalf("x as a partner: %v", f)
	}
	s.Do("POST", "/api/v1/applications", c.owner3(t), individual(y)).Want(201)
}
