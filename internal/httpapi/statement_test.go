package httpapi_test

import (
	"context"
	"testing"
	"time"
)

func statementOf(t *testing.T, c *cast, id, asOf string) map[string]any {
	t.Helper()
	return c.s.Do("GET", "/api/v1/loans/"+id+"/statement?as_of="+asOf, c.owner, nil).Want(200).JSON()
}

func wantFields(t *testing.T, what string, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %v, want %v", what, k, got[k], v)
		}
	}
}

// The statement shows what is due after the repayments really made, and the
// schedule's periods are the subsidy table's. The worked example loan:
// 200,000.00 at 3.95% (subsidy 1.975%) from 2024-03-15.
func TestStatementAfterAPartialRepayment(t *testing.T) {
	c := newCast(t)
	id := jsonID(c.loan(t)["id"])
	// 50,000.00 of principal and the 2024Q2 borrower part 1,064.30 on 20 June.
	c.s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("50000.00", "1064.30", "2024-06-20", "P1"), "Idempotency-Key", "p-1").Want(201)
	// On 2024-09-20 2024Q3 falls due: 150000 × 0.0395 × 92 / 360 = 1514.166… →
	// 1514.17, subsidy 150000 × 0.01975 × 92 / 360 = 757.083… → 757.08, the
	// borrower 757.09, all due that day; paying off takes 150000 + 757.09.
	st := statementOf(t, c, id, "2024-09-20")
	wantFields(t, "statement", st, map[string]any{"as_of": "2024-09-20", "outstanding_principal": "150000.00", "principal_due": "0.00",
		"interest_due": "757.09", "subsidy_withheld": "0.00", "overdue": false, "overdue_since": nil, "payoff_amount": "150757.09"})
	items := st["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("items %v", items)
	}
	wantFields(t, "2024Q2", items[0].(map[string]any), map[string]any{"period": "2024Q2", "state": "paid", "borrower_interest": "1064.30"})
	wantFields(t, "2024Q3", items[1].(map[string]any), map[string]any{"period": "2024Q3", "state": "due", "interest": "1514.17",
		"subsidy": "757.08", "borrower_interest": "757.09", "days": float64(92)})
	// Mid-quarter, 2024-08-01: nothing due; the running period accrued 42
	// days: 150000 × 0.0395 × 42 / 360 = 691.25, subsidy 345.625 → 345.63,
	// the borrower 345.62: payoff 150345.62.
	wantFields(t, "2024-08-01", statementOf(t, c, id, "2024-08-01"), map[string]any{"interest_due": "0.00", "principal_due": "0.00", "payoff_amount": "150345.62"})

	// One computation: every period of the subsidy table is a line of the
	// schedule with the same figures.
	sch := c.s.Do("GET", "/api/v1/loans/"+id+"/schedule", c.owner, nil).Want(200).JSON()["items"].([]any)
	sub := c.s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.owner, nil).Want(200).JSON()["items"].([]any)
	byPeriod := map[string]map[string]any{}
	for _, it := range sch {
		byPeriod[it.(map[string]any)["period"].(string)] = it.(map[string]any)
	}
	for _, it := range sub {
		q := it.(map[string]any)
		line := byPeriod[q["period"].(string)]
		for _, k := range []string{"days", "overdue_days", "interest", "subsidy", "borrower_interest"} {
			if line == nil || line[k] != q[k] {
				t.Errorf("%s %s: schedule %v, subsidy table %v", q["period"], k, line, q[k])
			}
		}
	}

	c.s.Do("GET", "/api/v1/loans/"+id+"/statement", c.other, nil).WantProblem(404, "not_found")
	for _, bad := range []string{"2024-13-01", "2024-03-14", "0001-01-01", "9999-12-31"} {
		if f := c.s.Do("GET", "/api/v1/loans/"+id+"/statement?as_of="+bad, c.owner, nil).WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "as_of") {
			t.Errorf("as_of=%s: errors %v", bad, f)
		}
	}
}

// An overdue loan is back to active only once the borrower has paid the
// whole interest of its overdue days too.
func TestOverdueLoanNeedsTheWholeInterest(t *testing.T) {
	c := newCast(t)
	ctx := context.Background()
	id := jsonID(c.loan(t)["id"])
	run := func(day string) {
		t.Helper()
		d, _ := time.Parse(time.DateOnly, day)
		if _, err := c.s.App.Loans.RunDaily(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	status := func() string {
		return c.s.Do("GET", "/api/v1/loans/"+id, c.owner, nil).Want(200).JSON()["status"].(string)
	}
	run("2024-07-01")
	if s := status(); s != "overdue" {
		t.Fatalf("unpaid 2024Q2: %s", s)
	}
	// 1 July: 1064.30 and the 10 overdue days 21–30 June, 200000 × 0.0395 ×
	// 10 / 360 = 219.444… → 219.44: 1283.74; their lost subsidy 200000 ×
	// 0.01975 × 10 / 360 = 109.722… → 109.72.
	wantFields(t, "1 July", statementOf(t, c, id, "2024-07-01"), map[string]any{"overdue": true, "overdue_since": "2024-06-21",
		"days_overdue": float64(11), "interest_due": "1283.74", "subsidy_withheld": "109.72"})
	// Only the subsidised borrower part on 2 July: still overdue, the 12
	// overdue days to 2 July are owed whole: 200000 × 0.0395 × 12 / 360 =
	// 263.333… → 263.33.
	c.s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("0.00", "1064.30", "2024-07-02", "O1"), "Idempotency-Key", "o-1").Want(201)
	run("2024-07-03")
	if s := status(); s != "overdue" {
		t.Fatalf("after the subsidised part only: %s", s)
	}
	wantFields(t, "3 July", statementOf(t, c, id, "2024-07-03"), map[string]any{"overdue": true, "interest_due": "263.33"})
	// The rest on 3 July: active again.
	c.s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("0.00", "263.33", "2024-07-03", "O2"), "Idempotency-Key", "o-2").Want(201)
	run("2024-07-04")
	if s := status(); s != "active" {
		t.Fatalf("after the whole interest: %s", s)
	}
	wantFields(t, "4 July", statementOf(t, c, id, "2024-07-04"), map[string]any{"overdue": false, "interest_due": "0.00", "days_overdue": float64(0)})
	// 2024Q3 (92 days) had 12 overdue days without subsidy: subsidy 200000 ×
	// 0.01975 × 80 / 360 = 877.777… → 877.78 of the interest 2018.89; the
	// borrower 1141.11, of which 263.33 is paid already.
	q3 := c.s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.owner, nil).Want(200).JSON()["items"].([]any)[1].(map[string]any)
	wantFields(t, "2024Q3", q3, map[string]any{"overdue_days": float64(12), "interest": "2018.89", "subsidy": "877.78", "borrower_interest": "1141.11"})
}
