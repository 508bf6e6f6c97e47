package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
)

// listed returns the values of field of a list's items, in order.
func listed(t *testing.T, s *apptest.Server, token, path, field string) []string {
	t.Helper()
	var out struct {
		Items []map[string]any
	}
	s.Do("GET", path, token, nil).Want(200).Decode(&out)
	vals := make([]string, len(out.Items))
	for i, it := range out.Items {
		vals[i] = jsonID(it[field])
	}
	return vals
}

// TestApplicationListSortsFiltersAndSearches: sort by a column either way,
// several statuses at once, a whole resident ID number as the search, and a
// 422 naming the parameter for anything else.
func TestApplicationListSortsFiltersAndSearches(t *testing.T) {
	c := newCast(t)
	ids := map[string]string{}
	for _, amount := range []string{"150000.00", "50000.00", "250000.00"} {
		body := individual(c.nextID())
		body["amount"] = amount
		ids[amount] = jsonID(c.s.Do("POST", "/api/v1/applications", c.owner, body).Want(201).JSON()["id"])
	}
	submitted := ids["250000.00"]
	c.s.Do("POST", "/api/v1/applications/"+submitted+"/submit", c.owner, nil).Want(200)

	const base = "/api/v1/applications?sort="
	if got := listed(t, c.s, c.owner, base+"amount", "amount"); !slices.Equal(got, []string{"50000.00", "150000.00", "250000.00"}) {
		t.Errorf("sort=amount: %v", got)
	}
	if got := listed(t, c.s, c.owner, base+"-amount", "amount"); !slices.Equal(got, []string{"250000.00", "150000.00", "50000.00"}) {
		t.Errorf("sort=-amount: %v", got)
	}
	// Drafts have no submission time: they come last either way.
	if got := listed(t, c.s, c.owner, base+"-submitted_at", "id"); got[0] != submitted {
		t.Errorf("sort=-submitted_at: %v", got)
	}
	if got := listed(t, c.s, c.owner, "/api/v1/applications?status=draft,eligibility_review", "id"); len(got) != 3 {
		t.Errorf("two statuses: %v", got)
	}
	if got := listed(t, c.s, c.owner, "/api/v1/applications?status=eligibility_review", "id"); !slices.Equal(got, []string{submitted}) {
		t.Errorf("one status: %v", got)
	}
	nid := c.s.Do("GET", "/api/v1/applications/"+ids["50000.00"], c.owner, nil).Want(200).JSON()["national_id"].(string)
	if got := listed(t, c.s, c.owner, "/api/v1/applications?q="+strings.ToLower(nid), "id"); !slices.Equal(got, []string{ids["50000.00"]}) {
		t.Errorf("q=<resident ID>: %v", got)
	}
	// The officer's queue sorts too, within its scope only.
	if got := listed(t, c.s, c.hrss, base+"-amount", "id"); !slices.Equal(got, []string{submitted, ids["150000.00"], ids["50000.00"]}) {
		t.Errorf("officer: %v", got)
	}
	if got := listed(t, c.s, c.hrssOther, base+"-amount", "id"); len(got) != 0 {
		t.Errorf("officer of another district: %v", got)
	}
	for _, bad := range []string{"sort=national_id", "sort=--amount", "status=draft,paid"} {
		var p problemBody
		c.s.Do("GET", "/api/v1/applications?"+bad, c.owner, nil).WantProblem(422, "validation_failed").Decode(&p)
		if field := strings.SplitN(bad, "=", 2)[0]; len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %+v", bad, p)
		}
	}
}

// TestLoanListSortsFiltersAndSearches: the loan list finds a loan by its
// number or the start of it, the bank's reference, the start of the name or
// a whole resident ID number, filters by status, dates and groups, sorts by
// its columns and refuses anything else naming the parameter.
func TestLoanListSortsFiltersAndSearches(t *testing.T) {
	c := newCast(t)
	first := c.loan(t)
	second := c.loan(t)
	c.s.Do("POST", "/api/v1/loans/"+jsonID(second["id"])+"/repayments", c.bank2, repayment("50000.00", "0.00", "2024-04-01", "R-1"),
		"Idempotency-Key", "r-1").Want(201)
	one, two := jsonID(first["id"]), jsonID(second["id"])
	number := first["number"].(string)
	search := func(q string) []string {
		return listed(t, c.s, c.auditor, "/api/v1/loans?sort=number&q="+q, "id")
	}
	for q, want := range map[string][]string{
		number:                           {one},
		strings.ToLower(number[:9]):      {one, two},
		first["bank_reference"].(string): {one},
		"张":                              {one, two},
		"伟":                              nil, // the start of the name, not any part of it
		loanPersonID(2):                  {two},
		strings.ToLower(loanPersonID(1)): {one},
		"nothing":                        nil,
	} {
		if got := search(q); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Errorf("q=%s: %v, want %v", q, got, want)
		}
	}
	if got := listed(t, c.s, c.auditor, "/api/v1/loans?sort=outstanding_principal", "id"); !slices.Equal(got, []string{two, one}) {
		t.Errorf("sort=outstanding_principal: %v", got)
	}
	if got := listed(t, c.s, c.auditor, "/api/v1/loans?sort=-outstanding_principal", "id"); !slices.Equal(got, []string{one, two}) {
		t.Errorf("sort=-outstanding_principal: %v", got)
	}
	for query, n := range map[string]int{
		"status=active,overdue":                                     2,
		"status=settled,written_off":                                0,
		"disbursed_from=2024-03-15&disbursed_to=2024-03-15":         2,
		"disbursed_from=2024-03-16":                                 0,
		"maturity_to=2026-03-15&key_group=returning_migrant_worker": 2,
		"maturity_to=2026-03-14":                                    0,
		"borrower_type=partnership":                                 0,
		"bank_code=" + apptest.OtherBank:                            0,
	} {
		if got := listed(t, c.s, c.auditor, "/api/v1/loans?"+query, "id"); len(got) != n {
			t.Errorf("%s: %v, want %d loans", query, got, n)
		}
	}
	// A bank officer of another bank finds nothing, even by number.
	if got := listed(t, c.s, c.bankOther, "/api/v1/loans?q="+number, "id"); len(got) != 0 {
		t.Errorf("other bank: %v", got)
	}
	for bad, field := range map[string]string{
		"sort=borrower_id":                                "sort",
		"status=active,lost":                              "status",
		"disbursed_from=15.3.2024":                        "disbursed_from",
		"maturity_from=2025-01-02&maturity_to=2025-01-01": "maturity_to",
		"key_group=nobody":                                "key_group",
		"q=" + strings.Repeat("x", 101):                   "q",
	} {
		var p problemBody
		c.s.Do("GET", "/api/v1/loans?"+bad, c.auditor, nil).WantProblem(422, "validation_failed").Decode(&p)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %+v", bad, p)
		}
	}
}
