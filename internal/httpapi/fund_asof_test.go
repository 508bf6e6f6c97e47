package httpapi_test

import (
	"testing"
	"time"
)

// GET /guarantee/fund?as_of= answers the fund's figures at the end of that
// day, computed here by hand: contributions of 100,000.00 (2024-01-10) and
// 50,000.00 (2025-06-30); loan A of 150,000.00 for 12 months disbursed
// 2024-03-15 and repaid whole on 2025-03-10, before its maturity
// 2025-03-15; loan B of 150,000.00 for 24 months disbursed 2024-06-20,
// 50,000.00 repaid on 2025-09-01 (each approved by the bank the day before
// its disbursement); an application of 200,000.00 at
// bank_review since today. Without as_of the answer is today's, and
// as_of=today agrees with it.
func TestFundAsOf(t *testing.T) {
	c := newCast(t)
	s := c.s
	c.movement(t, c.guar, c.guar2, "contribution", "100000.00", "2024-01-10")
	c.movement(t, c.guar, c.guar2, "contribution", "50000.00", "2025-06-30")
	cst := time.FixedZone("CST", 8*3600)
	defer s.App.Applications.SetClock(time.Now)
	loanOf := func(term int, on string) string {
		approved, err := time.ParseInLocation(time.DateOnly, on, cst)
		if err != nil {
			t.Fatal(err)
		}
		s.App.Applications.SetClock(func() time.Time { return approved.Add(-24 * time.Hour) })
		id := c.at(t, "bank_review", nil)
		s.Do("POST", path(id, "/decisions"), c.bank, map[string]any{"decision": "approve", "approved_amount": "150000.00",
			"annual_rate": "0.0300", "term_months": term}).Want(200)
		l := s.Do("POST", path(id, "/disbursement"), c.bank2, disbursement("150000.00", on, "AO-"+jsonID(id)),
			"Idempotency-Key", "ao-"+jsonID(id)).Want(201).JSON()["loan"].(map[string]any)
		return jsonID(l["id"])
	}
	a, b := loanOf(12, "2024-03-15"), loanOf(24, "2024-06-20")
	s.Do("POST", "/api/v1/loans/"+a+"/repayments", c.bank, repayment("150000.00", "0.00", "2025-03-10", "AO-R1"), "Idempotency-Key", "ao-r1").Want(201)
	s.Do("POST", "/api/v1/loans/"+b+"/repayments", c.bank, repayment("50000.00", "0.00", "2025-09-01", "AO-R2"), "Idempotency-Key", "ao-r2").Want(201)
	s.App.Applications.SetClock(time.Now)
	c.at(t, "bank_review", nil)

	on := func(day string) map[string]any {
		return s.Do("GET", "/api/v1/guarantee/fund?as_of="+day, c.auditor, nil).Want(200).JSON()
	}
	// Before the first contribution: nothing on the books, no leverage.
	wantFields(t, "2024-01-09", on("2024-01-09"), map[string]any{"as_of": "2024-01-09", "balance": "0.00", "opened": false,
		"loans_outstanding": "0.00", "committed": "0.00", "guaranteed_outstanding": "0.00", "leverage": nil, "leverage_limit": "5.00",
		"capacity": "0.00", "headroom": "0.00", "over_limit": false, "repayment_rate_year": float64(2023), "last_year_repayment_rate": nil})
	// Both loans stand: 300,000.00 ÷ 100,000.00 = 3.00; 5 × 100,000.00 −
	// 300,000.00 = 200,000.00 of headroom.
	f := on("2024-12-31")
	wantFields(t, "2024-12-31", f, map[string]any{"balance": "100000.00", "opened": true, "loans_outstanding": "300000.00",
		"committed": "0.00", "guaranteed_outstanding": "300000.00", "leverage": "3.00", "leverage_limit": "5.00",
		"capacity": "500000.00", "headroom": "200000.00"})
	if got := accounts(f); got["bank_deposit"] != "100000.00" || got["government_contributions"] != "100000.00" {
		t.Errorf("accounts on 2024-12-31 %v", got)
	}
	// A repaid; the second contribution not yet booked: 150,000.00 ÷
	// 100,000.00.
	wantFields(t, "2025-06-29", on("2025-06-29"), map[string]any{"balance": "100000.00", "loans_outstanding": "150000.00", "leverage": "1.50"})
	// Nothing matured in 2024: the base limit; 100,000.00 ÷ 150,000.00 = 0.67.
	wantFields(t, "2025-12-31", on("2025-12-31"), map[string]any{"balance": "150000.00", "loans_outstanding": "100000.00",
		"guaranteed_outstanding": "100000.00", "leverage": "0.67", "leverage_limit": "5.00", "capacity": "750000.00",
		"headroom": "650000.00", "repayment_rate_year": float64(2024), "last_year_repayment_rate": nil})
	// In 2026, last year is 2025: A, maturing in 2025, repaid whole by its
	// maturity (1.0000 ≥ 0.90): the raised limit, 10 × 150,000.00.
	wantFields(t, "2026-01-15", on("2026-01-15"), map[string]any{"balance": "150000.00", "loans_outstanding": "100000.00",
		"committed": "0.00", "leverage_limit": "10.00", "last_year_repayment_rate": "1.0000", "repayment_rate_year": float64(2025),
		"capacity": "1500000.00", "headroom": "1400000.00"})

	today := time.Now().In(cst).Format(time.DateOnly)
	now := s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON()
	if now["as_of"] != today || now["committed"] != "200000.00" || now["loans_outstanding"] != "100000.00" {
		t.Errorf("fund today %v", now)
	}
	at := on(today)
	for k, v := range now {
		if k != "accounts" && at[k] != v {
			t.Errorf("as_of today: %s = %v, without as_of %v", k, at[k], v)
		}
	}
	if got, want := accounts(at), accounts(now); len(got) != len(want) || got["bank_deposit"] != want["bank_deposit"] {
		t.Errorf("accounts as_of today %v, without as_of %v", got, want)
	}

	for _, bad := range []string{"2024-13-01", "2024-02-30", "yesterday", time.Now().In(cst).AddDate(0, 0, 1).Format(time.DateOnly)} {
		r := s.Do("GET", "/api/v1/guarantee/fund?as_of="+bad, c.guar, nil).WantProblem(422, "validation_failed")
		if f := r.FieldErrors(); len(f) != 1 || f[0] != "as_of" {
			t.Errorf("as_of=%s: fields %v", bad, f)
		}
	}
	s.Do("GET", "/api/v1/guarantee/fund?as_of=2025-12-31", c.owner, nil).Want(403)
}
