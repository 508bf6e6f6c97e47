package httpapi_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/beijing"
)

// loansOn sets the loan service's clock to 10:00 in Beijing on day.
func (c *cast) loansOn(t *testing.T, day string) {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, beijing.Zone)
	if err != nil {
		t.Fatal(err)
	}
	at := d.Add(10 * time.Hour)
	c.s.App.Loans.SetClock(func() time.Time { return at })
	t.Cleanup(func() { c.s.App.Loans.SetClock(time.Now) })
}

// contracted makes an application of a fresh person that the bank approves
// for amount at 3.95% over term months on 14 March 2024, disbursed on
// 2024-03-15 by the second bank officer; it returns the loan's id.
func (c *cast) contracted(t *testing.T, owner, amount string, term int) string {
	t.Helper()
	var app string
	c.inPast(func() {
		c.seq++
		body := map[string]any{
			"borrower_type": "individual", "name": "王芳", "national_id": loanPersonID(c.seq), "phone": "13800138000",
			"key_group": "returning_migrant_worker", "district_code": apptest.District, "bank_code": apptest.Bank,
			"amount": amount, "term_months": term, "business_name": "灵宝果品店", "industry": "agriculture",
			"purpose": "stock", "jobs_planned": 2, "not_employed": true,
		}
		app = jsonID(c.s.Do("POST", "/api/v1/applications", owner, body).Want(201).JSON()["id"])
		base := "/api/v1/applications/" + app
		c.s.Do("POST", base+"/submit", owner, nil).Want(200)
		c.s.Do("POST", base+"/decisions", c.hrss, map[string]any{"decision": "approve", "comment": "eligible"}).Want(200)
		c.s.Do("POST", base+"/decisions", c.guar, map[string]any{"decision": "approve", "comment": "guaranteed"}).Want(200)
		c.s.Do("POST", base+"/decisions", c.bank, map[string]any{"decision": "approve", "comment": "ok",
			"approved_amount": amount, "annual_rate": "0.0395", "term_months": term}).Want(200)
	})
	c.loansOn(t, "2024-03-15")
	l := c.s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement(amount, "2024-03-15", "D-"+app), "Idempotency-Key", "disb-"+app).Want(201)
	return jsonID(l.JSON()["loan"].(map[string]any)["id"])
}

func itemsByPeriod(t *testing.T, items []any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, it := range items {
		m := it.(map[string]any)
		out[m["period"].(string)] = m
	}
	return out
}

// An extension (展期) moves the maturity and the principal due at it; the
// days after the contract's maturity get no subsidy, in the schedule, the
// subsidy table, the statement and the claim alike. 100,000.00 at 3.95%
// (share regime: subsidy 1.975%) for 12 months from 2024-03-15, maturing
// 2025-03-15, extended by 3 months to 2025-06-15.
func TestExtensionMovesTheMaturityWithoutSubsidy(t *testing.T) {
	c := newCast(t)
	s := c.s
	id := c.contracted(t, c.owner, "100000.00", 12)
	base := "/api/v1/loans/" + id
	// Paid as agreed through 2024Q4 (the borrower parts, by hand:
	// 2024Q2 97 days 1064.31 − 532.15 = 532.16; 2024Q3 92 days 1009.44 −
	// 504.72 = 504.72; 2024Q4 91 days 998.47 − 499.24 = 499.23).
	c.loansOn(t, "2024-12-20")
	for i, p := range [][2]string{{"532.16", "2024-06-20"}, {"504.72", "2024-09-20"}, {"499.23", "2024-12-20"}} {
		s.Do("POST", base+"/repayments", c.bank, repayment("0.00", p[0], p[1], "X"+id+"-"+p[1]), "Idempotency-Key", "x-"+id+"-"+string(rune('a'+i))).Want(201)
	}
	// Before the extension 2025Q1 runs to the maturity, 85 days, subsidised:
	// 100000 × 0.0395 × 85 / 360 = 932.638… → 932.64, subsidy 466.319… → 466.32.
	before := itemsByPeriod(t, s.Do("GET", base+"/schedule", c.owner, nil).Want(200).JSON()["items"].([]any))
	wantFields(t, "2025Q1 before", before["2025Q1"], map[string]any{"due_on": "2025-03-15", "days": float64(85), "interest": "932.64",
		"subsidy": "466.32", "borrower_interest": "466.32", "principal": "100000.00"})

	c.loansOn(t, "2025-02-10")
	propose := func(tok string, body map[string]any) *apptest.Response {
		return s.Do("POST", base+"/extensions", tok, body)
	}
	ok := map[string]any{"new_maturity": "2025-06-15", "reason": "冷库改造延期，回款推迟三个月"}
	propose(c.bankOther, ok).WantProblem(404, "not_found")
	propose(c.guar, ok).WantProblem(403, "forbidden")
	propose(c.owner, ok).WantProblem(403, "forbidden")
	propose(c.auditor, ok).WantProblem(403, "forbidden")
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"new_maturity": "2025-03-15", "reason": "x"}, "new_maturity"}, // not after the maturity
		{map[string]any{"new_maturity": "2026-03-16", "reason": "x"}, "new_maturity"}, // more than 12 months after it
		{map[string]any{"new_maturity": "2025-02-30", "reason": "x"}, "new_maturity"},
		{map[string]any{"new_maturity": "2025-06-15", "reason": " "}, "reason"},
	} {
		if f := propose(c.bank, bad.body).WantProblem(422, "validation_failed").FieldErrors(); !contains(f, bad.field) {
			t.Errorf("%v: errors %v", bad.body, f)
		}
	}
	en := s.Do("POST", base+"/extensions", c.bank, map[string]any{"new_maturity": "2026-03-16", "reason": "x"}, "Accept-Language", "en").WantProblem(422, "validation_failed")
	if got := en.JSON()["errors"].([]any)[0].(map[string]any)["message"]; got != "is more than 12 months after the contract's maturity (2025-03-15): at most 2026-03-15" {
		t.Errorf("message %q", got)
	}

	// A first proposal, rejected with a reason.
	first := propose(c.bank, map[string]any{"new_maturity": "2025-09-15", "reason": "回款推迟"}).Want(201).JSON()
	firstID := jsonID(first["extension"].(map[string]any)["id"])
	wantFields(t, "proposal", first["extension"].(map[string]any), map[string]any{"state": "proposed", "old_maturity": "2025-03-15", "new_maturity": "2025-09-15"})
	wantFields(t, "loan while proposed", first["loan"].(map[string]any), map[string]any{"maturity_date": "2025-03-15", "original_maturity_date": nil})
	propose(c.bank2, ok).WantProblem(409, "conflict")
	s.Do("POST", base+"/extensions/"+firstID+"/reject", c.guar, map[string]any{"reason": ""}).WantProblem(422, "validation_failed")
	rejected := s.Do("POST", base+"/extensions/"+firstID+"/reject", c.guar, map[string]any{"reason": "六个月过长"}).Want(200).JSON()["loan"].(map[string]any)
	wantFields(t, "rejected", rejected["extensions"].([]any)[0].(map[string]any), map[string]any{"state": "rejected", "reject_reason": "六个月过长"})
	s.Do("POST", base+"/extensions/"+firstID+"/confirm", c.guar2, nil).WantProblem(409, "extension.invalid_state")

	// The second, confirmed by the guarantee centre of the district.
	second := jsonID(propose(c.bank, ok).Want(201).JSON()["extension"].(map[string]any)["id"])
	confirm := base + "/extensions/" + second + "/confirm"
	s.Do("POST", confirm, c.bank2, nil).WantProblem(403, "forbidden")
	s.Do("POST", confirm, c.guarOther, nil).WantProblem(404, "not_found")
	s.Do("POST", base+"/extensions/999999/confirm", c.guar, nil).WantProblem(404, "not_found")
	s.Do("POST", base+"/extensions/abc/reject", c.guar, nil).WantProblem(404, "not_found")
	l := s.Do("POST", confirm, c.guar, nil).Want(200).JSON()["loan"].(map[string]any)
	wantFields(t, "extended", l, map[string]any{"maturity_date": "2025-06-15", "original_maturity_date": "2025-03-15", "status": "active", "term_months": float64(12)})
	if exts := l["extensions"].([]any); len(exts) != 2 || exts[1].(map[string]any)["state"] != "confirmed" {
		t.Fatalf("extensions %v", exts)
	}
	s.Do("POST", confirm, c.guar2, nil).WantProblem(409, "extension.invalid_state")
	// One extension: the policy allows no second.
	if f := propose(c.bank, map[string]any{"new_maturity": "2025-09-15", "reason": "再次展期"}).WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "new_maturity") {
		t.Errorf("second extension: %v", f)
	}
	got := s.Do("GET", base, c.owner, nil).Want(200).JSON()
	wantFields(t, "GET loan", got, map[string]any{"maturity_date": "2025-06-15", "original_maturity_date": "2025-03-15"})

	// The schedule: 2025Q1 now ends on 20 March, 90 days, of which the 85
	// to the contract's maturity are subsidised: interest 100000 × 0.0395 ×
	// 90 / 360 = 987.50, subsidy 466.32 as before, the borrower 521.18; the
	// extension's 2025Q2, 20 March – 15 June, 87 days: 100000 × 0.0395 × 87
	// / 360 = 954.583… → 954.58, no subsidy, with the principal.
	sch := s.Do("GET", base+"/schedule", c.owner, nil).Want(200).JSON()
	lines := itemsByPeriod(t, sch["items"].([]any))
	if len(sch["items"].([]any)) != 5 {
		t.Fatalf("schedule %v", sch["items"])
	}
	wantFields(t, "2025Q1", lines["2025Q1"], map[string]any{"due_on": "2025-03-20", "days": float64(90), "interest": "987.50",
		"subsidy": "466.32", "borrower_interest": "521.18", "principal": "0.00", "overdue_days": float64(0)})
	wantFields(t, "2025Q2", lines["2025Q2"], map[string]any{"start_on": "2025-03-20", "due_on": "2025-06-15", "days": float64(87), "interest": "954.58",
		"subsidy": "0.00", "borrower_interest": "954.58", "principal": "100000.00"})
	// The sums: 1064.31 + 1009.44 + 998.47 + 987.50 + 954.58 = 5014.30
	// interest, 532.15 + 504.72 + 499.24 + 466.32 = 2002.43 subsidy.
	wantFields(t, "sums", sch["sums"].(map[string]any), map[string]any{"principal": "100000.00", "interest": "5014.30", "subsidy": "2002.43", "borrower_interest": "3011.87"})
	sub := s.Do("GET", base+"/subsidy", c.owner, nil).Want(200).JSON()
	periods := itemsByPeriod(t, sub["items"].([]any))
	for _, q := range []string{"2025Q1", "2025Q2"} {
		for _, k := range []string{"days", "interest", "subsidy", "borrower_interest"} {
			if periods[q][k] != lines[q][k] {
				t.Errorf("%s %s: subsidy table %v, schedule %v", q, k, periods[q][k], lines[q][k])
			}
		}
	}
	if sub["total_subsidy"] != "2002.43" {
		t.Errorf("total subsidy %v", sub["total_subsidy"])
	}

	// The daily job reads the new maturity: on 16 March the principal is
	// not due yet, the loan stays active.
	if _, err := s.App.Loans.RunDaily(context.Background(), time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if st := s.Do("GET", base, c.owner, nil).Want(200).JSON()["status"]; st != "active" {
		t.Fatalf("after the contract's maturity: %v", st)
	}
	// On 20 March the borrower owes 2025Q1's 521.18.
	wantFields(t, "2025-03-20", statementOf(t, c, id, "2025-03-20"), map[string]any{"interest_due": "521.18", "principal_due": "0.00", "overdue": false})
	c.loansOn(t, "2025-03-21")
	s.Do("POST", base+"/repayments", c.bank, repayment("0.00", "521.18", "2025-03-20", "X"+id+"-q1"), "Idempotency-Key", "x-"+id+"-q1").Want(201)
	claim := s.Do("POST", base+"/subsidy/2025Q1/claim", c.bank, nil).Want(200).JSON()
	wantFields(t, "claim", claim, map[string]any{"days": float64(90), "interest": "987.50", "subsidy": "466.32", "borrower_interest": "521.18", "status": "claimed"})

	// Past the new maturity, unpaid: overdue from 16 June; on 18 June the
	// borrower owes 2025Q2's 954.58 and the whole interest of the overdue
	// days 16 and 17 June, 100000 × 0.0395 × 2 / 360 = 21.944… → 21.94:
	// 976.52.
	wantFields(t, "2025-06-18", statementOf(t, c, id, "2025-06-18"), map[string]any{"principal_due": "100000.00", "interest_due": "976.52",
		"overdue": true, "overdue_since": "2025-06-16"})
}

// Early settlement: paying exactly the statement's payoff amount for a day
// settles the loan, and the last quarter's subsidy runs to that day. The
// worked example loan: 200,000.00 at 3.95% (subsidy 1.975%) from
// 2024-03-15, 2024Q2's borrower part 1,064.30 paid on 20 June.
func TestPayingThePayoffSettlesTheLoan(t *testing.T) {
	c := newCast(t)
	s := c.s
	id := jsonID(c.loan(t)["id"])
	base := "/api/v1/loans/" + id
	s.Do("POST", base+"/repayments", c.bank, repayment("0.00", "1064.30", "2024-06-20", "S1"), "Idempotency-Key", "s-1").Want(201)
	// On 1 August, 42 days into 2024Q3: interest 200000 × 0.0395 × 42 / 360
	// = 921.666… → 921.67, subsidy 200000 × 0.01975 × 42 / 360 = 460.833…
	// → 460.83, the borrower 460.84: payoff 200,460.84.
	st := statementOf(t, c, id, "2024-08-01")
	wantFields(t, "quote", st, map[string]any{"outstanding_principal": "200000.00", "principal_due": "0.00", "interest_due": "0.00", "payoff_amount": "200460.84"})
	l := s.Do("POST", base+"/repayments", c.bank, repayment("200000.00", "460.84", "2024-08-01", "S2"), "Idempotency-Key", "s-2").Want(201).JSON()["loan"].(map[string]any)
	wantFields(t, "settled", l, map[string]any{"status": "settled", "outstanding_principal": "0.00", "settled_on": "2024-08-01"})
	// The subsidy table ends with 2024Q3 as it ran: 42 days to the
	// settlement, the figures of the quote.
	items := s.Do("GET", base+"/subsidy", c.owner, nil).Want(200).JSON()["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("subsidy items %v", items)
	}
	wantFields(t, "2024Q3", items[1].(map[string]any), map[string]any{"period": "2024Q3", "days": float64(42), "interest": "921.67",
		"subsidy": "460.83", "borrower_interest": "460.84", "overdue_days": float64(0)})
	// Nothing is owed afterwards, and every line of the schedule (all due
	// by now) is paid.
	wantFields(t, "after", statementOf(t, c, id, "2024-09-21"), map[string]any{"outstanding_principal": "0.00", "principal_due": "0.00",
		"interest_due": "0.00", "payoff_amount": "0.00", "overdue": false})
	for _, it := range s.Do("GET", base+"/schedule", c.owner, nil).Want(200).JSON()["items"].([]any) {
		if m := it.(map[string]any); m["state"] != "paid" {
			t.Errorf("schedule line %v", m)
		}
	}
	// The quarter is claimed with those figures once it has ended.
	wantFields(t, "claim", s.Do("POST", base+"/subsidy/2024Q3/claim", c.bank, nil).Want(200).JSON(), map[string]any{"days": float64(42), "subsidy": "460.83"})
}

// TestRiskTriggersFlagAndBlock computes the risk figures per bank and per
// district by hand and, with block_guarantees on, refuses a guarantee for
// the flagged bank. Loans disbursed on 2024-03-15 at 3.95%:
//   - L1 200,000.00 (District, Bank): 2024Q2 unpaid, overdue on 1 July,
//     compensated on 10 July: 200,000.00 compensated;
//   - L2 100,000.00 (District, Bank): 2024Q2 unpaid, overdue;
//   - L3 300,000.00 (District, Bank): 2024Q2's borrower part paid, active;
//   - L4 100,000.00 (OtherDistrict, OtherBank): paid, active.
func TestRiskTriggersFlagAndBlock(t *testing.T) {
	c := newCast(t)
	s := c.s
	l1 := jsonID(c.loan(t)["id"])
	c.contracted(t, c.owner2(t), "100000.00", 12)
	l3 := c.contracted(t, c.owner3(t), "300000.00", 12)
	l4 := c.contractedElsewhere(t, s.User("owner4", "entrepreneur", "", ""), "100000.00")
	c.loansOn(t, "2024-07-10")
	// 300000 × 0.0395 × 97 / 360 = 3192.916… → 3192.92, subsidy 1596.458… →
	// 1596.46: the borrower 1596.46; 100,000.00: 532.16 (see the extension test).
	s.Do("POST", "/api/v1/loans/"+l3+"/repayments", c.bank, repayment("0.00", "1596.46", "2024-06-20", "R3"), "Idempotency-Key", "r-3").Want(201)
	s.Do("POST", "/api/v1/loans/"+l4+"/repayments", c.bankOther, repayment("0.00", "532.16", "2024-06-20", "R4"), "Idempotency-Key", "r-4").Want(201)
	if _, err := s.App.Loans.RunDaily(context.Background(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/loans/"+l1+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-10"}).Want(200)

	// Bank: open L2 + L3 = 400,000.00, overdue L2 100,000.00 → 0.25 ≥ 0.03;
	// disbursed 600,000.00, compensated 200,000.00 → 0.333333 ≥ 0.05.
	// OtherBank: 100,000.00 open, nothing overdue or compensated → 0.
	flagged := map[string]any{"loans": float64(2), "outstanding": "400000.00", "overdue": "100000.00", "overdue_rate": "0.2500",
		"disbursed": "600000.00", "compensated": "200000.00", "compensation_rate": "0.333333",
		"overdue_breached": true, "compensation_breached": true, "breached": true}
	calm := map[string]any{"loans": float64(1), "outstanding": "100000.00", "overdue": "0.00", "overdue_rate": "0.0000",
		"disbursed": "100000.00", "compensated": "0.00", "compensation_rate": "0.0000", "breached": false}
	for _, tok := range []string{c.auditor, c.admin, c.guar} {
		r := s.Do("GET", "/api/v1/guarantee/risk", tok, nil).Want(200).JSON()
		wantFields(t, "triggers", r["triggers"].(map[string]any), map[string]any{"overdue_rate": "0.0300", "compensation_rate": "0.0500", "block_guarantees": false})
		banks := r["banks"].([]any)
		if len(banks) != 2 {
			t.Fatalf("banks %v", banks)
		}
		byBank := map[string]map[string]any{}
		for _, b := range banks {
			byBank[b.(map[string]any)["bank_code"].(string)] = b.(map[string]any)
		}
		wantFields(t, "Bank", byBank[apptest.Bank], flagged)
		wantFields(t, "OtherBank", byBank[apptest.OtherBank], calm)
		districts := r["districts"].([]any)
		want := 2
		if tok == c.guar {
			want = 1 // a guarantee officer sees their own district
		}
		if len(districts) != want {
			t.Fatalf("districts %v", districts)
		}
		byDistrict := map[string]map[string]any{}
		for _, d := range districts {
			byDistrict[d.(map[string]any)["district_code"].(string)] = d.(map[string]any)
		}
		wantFields(t, "District", byDistrict[apptest.District], flagged)
		if tok != c.guar {
			wantFields(t, "OtherDistrict", byDistrict[apptest.OtherDistrict], calm)
		}
	}
	for _, tok := range []string{c.owner, c.hrss, c.bank} {
		s.Do("GET", "/api/v1/guarantee/risk", tok, nil).WantProblem(403, "forbidden")
	}

	// With block_guarantees on, a guarantee for the flagged bank is refused
	// with the figures; the other bank's is not.
	for i := range s.App.Policy.Versions {
		s.App.Policy.Versions[i].RiskTriggers.BlockGuarantees = true
	}
	t.Cleanup(func() {
		for i := range s.App.Policy.Versions {
			s.App.Policy.Versions[i].RiskTriggers.BlockGuarantees = false
		}
	})
	blocked := c.atGuarantee(t, s.User("owner5", "entrepreneur", "", ""), apptest.Bank)
	p := s.Do("POST", "/api/v1/applications/"+blocked+"/decisions", c.guar, map[string]any{"decision": "approve", "comment": "ok"}).WantProblem(409, "guarantee.risk_blocked")
	if d := p.JSON()["detail"]; d != "暂停与银行 "+apptest.Bank+" 新增担保：其逾期率 25.00%（逾期 100,000.00 元，贷款余额 400,000.00 元）已达到风险预警阈值 3.00%" {
		t.Errorf("detail %q", d)
	}
	if st := s.Do("GET", "/api/v1/applications/"+blocked, c.guar, nil).Want(200).JSON()["status"]; st != "guarantee_review" {
		t.Errorf("a refused approval moved the application to %v", st)
	}
	// Returning or rejecting it is no guarantee: allowed.
	s.Do("POST", "/api/v1/applications/"+blocked+"/decisions", c.guar, map[string]any{"decision": "return", "comment": "风险预警期间暂缓"}).Want(200)
	ok := c.atGuarantee(t, s.User("owner6", "entrepreneur", "", ""), apptest.OtherBank)
	s.Do("POST", "/api/v1/applications/"+ok+"/decisions", c.guar, map[string]any{"decision": "approve", "comment": "ok"}).Want(200)
}

// contractedElsewhere is contracted in OtherDistrict with OtherBank, for 12 months.
func (c *cast) contractedElsewhere(t *testing.T, owner, amount string) string {
	t.Helper()
	var app string
	c.inPast(func() {
		c.seq++
		body := individual(loanPersonID(c.seq))
		body["district_code"], body["bank_code"], body["amount"], body["term_months"] = apptest.OtherDistrict, apptest.OtherBank, amount, 12
		app = jsonID(c.s.Do("POST", "/api/v1/applications", owner, body).Want(201).JSON()["id"])
		base := "/api/v1/applications/" + app
		c.s.Do("POST", base+"/submit", owner, nil).Want(200)
		c.s.Do("POST", base+"/decisions", c.hrssOther, map[string]any{"decision": "approve"}).Want(200)
		c.s.Do("POST", base+"/decisions", c.guarOther, map[string]any{"decision": "approve", "comment": "ok"}).Want(200)
		c.s.Do("POST", base+"/decisions", c.bankOther, map[string]any{"decision": "approve", "approved_amount": amount, "annual_rate": "0.0395", "term_months": 12}).Want(200)
	})
	c.loansOn(t, "2024-03-15")
	disburser := c.s.User("bank.other.d", "bank_officer", "", apptest.OtherBank)
	l := c.s.Do("POST", "/api/v1/applications/"+app+"/disbursement", disburser, disbursement(amount, "2024-03-15", "D-"+app), "Idempotency-Key", "disb-"+app).Want(201)
	return jsonID(l.JSON()["loan"].(map[string]any)["id"])
}

// atGuarantee makes an application of owner (a fresh person) with bank in
// District and moves it to guarantee_review.
func (c *cast) atGuarantee(t *testing.T, owner, bank string) string {
	t.Helper()
	c.seq++
	body := individual(loanPersonID(c.seq))
	body["bank_code"] = bank
	app := jsonID(c.s.Do("POST", "/api/v1/applications", owner, body).Want(201).JSON()["id"])
	c.s.Do("POST", "/api/v1/applications/"+app+"/submit", owner, nil).Want(200)
	c.s.Do("POST", "/api/v1/applications/"+app+"/decisions", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	return app
}
