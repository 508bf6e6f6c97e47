package httpapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// escapeQuery escapes the value of q, the last parameter of a query string.
func escapeQuery(q string) string {
	if i := strings.Index(q, "q="); i >= 0 {
		v, _ := url.QueryUnescape(q[i+2:])
		return q[:i+2] + url.QueryEscape(v)
	}
	return q
}

// TestSubsidyWorkListsSort: the subsidy work lists sort on the server by
// the loan's number, name, district and bank (pending quarters) and also by
// quarter, amounts and dates (claims), ties by id in the same direction; a
// key the list does not sort by is 422 on sort. q finds the start of the
// loan's number (any case) or of the borrower's name.
func TestSubsidyWorkListsSort(t *testing.T) {
	c := newCast(t)
	s := c.s
	first := c.loan(t)
	app := c.application(t, c.owner2(t), "approved")
	second := s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("200000.00", "2024-03-15", "D2-"+app),
		"Idempotency-Key", "disb2-"+app).Want(201).JSON()["loan"].(map[string]any)
	n1, n2 := first["number"].(string), second["number"].(string)
	if n1 >= n2 {
		t.Fatalf("loan numbers %s, %s: want the first one first", n1, n2)
	}
	type line struct {
		LoanNumber string `json:"loan_number"`
		Period     string
		Subsidy    string
	}
	list := func(tok, q string) []line {
		t.Helper()
		var l struct{ Items []line }
		s.Do("GET", "/api/v1/subsidy-claims?"+q, tok, nil).Want(200).Decode(&l)
		return l.Items
	}
	keys := func(ls []line) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.LoanNumber+"/"+l.Period)
		}
		return out
	}
	for q, want := range map[string][]string{
		"status=pending&period=2024Q2":                          {n1 + "/2024Q2", n2 + "/2024Q2"},
		"status=pending&period=2024Q2&sort=-loan_number":        {n2 + "/2024Q2", n1 + "/2024Q2"},
		"status=pending&period=2024Q2&sort=bank_code":           {n1 + "/2024Q2", n2 + "/2024Q2"},
		"status=pending&period=2024Q2&q=" + n2:                  {n2 + "/2024Q2"},
		"status=pending&period=2024Q2&q=" + strings.ToLower(n1): {n1 + "/2024Q2"},
		"status=pending&period=2024Q2&q=张":                      {n1 + "/2024Q2", n2 + "/2024Q2"},
		"status=pending&period=2024Q2&q=李":                      nil,
	} {
		if got := keys(list(c.bank, escapeQuery(q))); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	for _, it := range [][2]string{{jsonID(first["id"]), "2024Q2"}, {jsonID(first["id"]), "2024Q3"}, {jsonID(second["id"]), "2024Q2"}} {
		s.Do("POST", "/api/v1/loans/"+it[0]+"/subsidy/"+it[1]+"/claim", c.bank, nil).Want(200)
	}
	for q, want := range map[string][]string{
		"status=claimed":                               {n1 + "/2024Q2", n2 + "/2024Q2", n1 + "/2024Q3"},
		"status=claimed&sort=-period":                  {n1 + "/2024Q3", n2 + "/2024Q2", n1 + "/2024Q2"},
		"status=claimed&sort=loan_number":              {n1 + "/2024Q2", n1 + "/2024Q3", n2 + "/2024Q2"},
		"status=claimed&sort=-loan_number":             {n2 + "/2024Q2", n1 + "/2024Q3", n1 + "/2024Q2"},
		"status=claimed&sort=claimed_at":               {n1 + "/2024Q2", n1 + "/2024Q3", n2 + "/2024Q2"},
		"status=claimed&sort=-name&page=2&page_size=2": {n1 + "/2024Q2"},
		"status=claimed&q=" + n1:                       {n1 + "/2024Q2", n1 + "/2024Q3"},
		"status=claimed&sort=-period&q=张":              {n1 + "/2024Q3", n2 + "/2024Q2", n1 + "/2024Q2"},
		"status=claimed&q=%25":                         nil,
	} {
		if got := keys(list(c.hrss, escapeQuery(q))); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"sort=subsidy", "sort=-subsidy", "sort=interest"} {
		ls := list(c.hrss, "status=claimed&"+q)
		ok := slices.IsSortedFunc(ls, func(a, b line) int {
			d := decimal.RequireFromString(a.Subsidy).Cmp(decimal.RequireFromString(b.Subsidy))
			if q == "sort=-subsidy" {
				return -d
			}
			return d
		})
		if len(ls) != 3 || (q != "sort=interest" && !ok) {
			t.Errorf("%s: %+v", q, ls)
		}
	}
	for _, q := range []string{"status=pending&period=2024Q2&sort=subsidy", "status=claimed&sort=soonest"} {
		if f := s.Do("GET", "/api/v1/subsidy-claims?"+q, c.hrss, nil).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"sort"}) {
			t.Errorf("%s: fields %v, want sort", q, f)
		}
	}
}

// TestAuditTrailSort: the audit trail sorts on the server by time, actor,
// action and entity type, newest first by default; the download follows.
func TestAuditTrailSort(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := jsonID(c.at(t, "returned", nil))
	actions := func(q string) []string {
		t.Helper()
		var l struct{ Items []auditItem }
		s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+app+q, c.auditor, nil).Want(200).Decode(&l)
		var out []string
		for _, e := range l.Items {
			out = append(out, e.Action)
		}
		return out
	}
	const create, submit, ret = "application.create", "application.submit", "application.return"
	for q, want := range map[string][]string{
		"":                              {ret, submit, create},
		"&sort=at":                      {create, submit, ret},
		"&sort=-at":                     {ret, submit, create},
		"&sort=action":                  {create, ret, submit},
		"&sort=-action":                 {submit, ret, create},
		"&sort=actor":                   {ret, create, submit}, // hrss before owner, ties oldest first
		"&sort=-actor":                  {submit, create, ret},
		"&sort=entity_type&page_size=1": {create},
	} {
		if got := actions(q); !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
	rows := csvRecords(t, s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+app+"&sort=at&format=csv", c.auditor, nil).Want(200).Body)
	if got := column(t, rows, "action"); !slices.Equal(got, []string{create, submit, ret}) {
		t.Errorf("download in the list's order: %v", got)
	}
	if f := s.Do("GET", "/api/v1/audit-events?sort=hash", c.auditor, nil).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"sort"}) {
		t.Errorf("sort=hash: fields %v", f)
	}
}
