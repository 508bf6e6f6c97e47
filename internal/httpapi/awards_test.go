package httpapi_test

import (
	"strconv"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/report"
)

// The awards (奖补) of 2024 per handling bank: the new issuance of the year,
// the policy's rate (1%), the recovery rate of the loans matured by 31
// December 2024 (as the portfolio counts it) against 0.90, and the award.
func TestAwardsPerBank(t *testing.T) {
	c := newCast(t)
	s := c.s
	line := func(ref string, n int, bank, principal string, term int, on string) string {
		return ref + ",李四," + reportPersonID(n) + "," + map[bool]string{true: "male", false: "female"}[n%2 == 1] +
			",college_graduate,individual," + apptest.District + "," + bank + "," + principal + ",0.0395," + itoa(term) + "," + on + ",1\n"
	}
	file := legacyHeader +
		line("A1", 11, apptest.Bank, "200000.00", 12, "2022-01-10") + // matures 2023-01-10, repaid in full
		line("A2", 12, apptest.Bank, "100000.00", 12, "2022-02-01") + // matures 2023-02-01, 95,000.00 repaid
		line("B1", 13, apptest.OtherBank, "100000.00", 12, "2022-01-10") + // 80,000.00 repaid
		line("A3", 14, apptest.Bank, "150000.00", 24, "2024-03-01") + // matures 2026: not by 2024-12-31
		line("A4", 15, apptest.Bank, "123456.78", 24, "2024-06-01") +
		line("B2", 16, apptest.OtherBank, "50000.00", 24, "2024-05-01") +
		line("A5", 17, apptest.Bank, "80000.00", 24, "2025-01-05") // the next year's
	importLegacy(s, c.admin, file).Want(200)
	ids := map[string]string{}
	for _, it := range s.Do("GET", "/api/v1/loans?page_size=50", c.auditor, nil).Want(200).JSON()["items"].([]any) {
		l := it.(map[string]any)
		ids[l["external_ref"].(string)] = jsonID(l["id"])
	}
	repay := func(ref, token, principal, on string) {
		t.Helper()
		s.Do("POST", "/api/v1/loans/"+ids[ref]+"/repayments", token, repayment(principal, "0.00", on, "R-"+ref), "Idempotency-Key", "r-"+ref).Want(201)
	}
	repay("A1", c.bank, "200000.00", "2023-01-10")
	repay("A2", c.bank, "95000.00", "2023-02-01")
	repay("B1", c.bankOther, "80000.00", "2023-01-10")

	res := s.Do("GET", "/api/v1/reports/awards?year=2024", c.auditor, nil).Want(200).JSON()
	wantFields(t, "awards", res, map[string]any{"year": 2024.0, "as_of": "2024-12-31", "award_rate": "0.0100", "rule_effective_from": "2023-01-01"})
	banks := res["banks"].([]any)
	if len(banks) != 2 {
		t.Fatalf("banks %v", banks)
	}
	// Bank A: matured A1 200,000.00 (nothing unpaid) and A2 100,000.00
	// (5,000.00 unpaid): 295,000 / 300,000 = 0.98333… → 0.9833 ≥ 0.90, met.
	// Issuance A3 + A4 = 150,000.00 + 123,456.78 = 273,456.78; award 1% =
	// 2,734.5678 → 2,734.57. Bank B: B1 80,000 / 100,000 = 0.8000 < 0.90, not
	// met: no award on its 50,000.00.
	want := []struct {
		code, issuance, value, award string
		loans                        float64
		met                          bool
	}{
		{apptest.Bank, "273456.78", "0.9833", "2734.57", 2, true},
		{apptest.OtherBank, "50000.00", "0.8000", "0.00", 1, false},
	}
	for i, w := range want {
		b := banks[i].(map[string]any)
		wantFields(t, "bank "+w.code, b, map[string]any{"bank_code": w.code, "issuance": w.issuance, "loans": w.loans,
			"award_rate": "0.0100", "eligible": w.met, "award": w.award})
		ins := b["indicators"].([]any)
		if len(ins) != 1 {
			t.Fatalf("indicators of %s: %v", w.code, ins)
		}
		wantFields(t, "recovery of "+w.code, ins[0].(map[string]any), map[string]any{"code": "recovery_rate", "label": "贷款回收率",
			"value": w.value, "threshold": "0.9000", "met": w.met})
	}
	wantFields(t, "total", res["total"].(map[string]any), map[string]any{"loans": 3.0, "issuance": "323456.78", "award": "2734.57"})
	// No movement of the fund was ever confirmed: it has no leverage, and the
	// guarantee centre no award.
	body := res["guarantee_bodies"].([]any)[0].(map[string]any)
	wantFields(t, "guarantee centre", body, map[string]any{"code": "guarantee_centre", "loans": 3.0, "issuance": "323456.78", "eligible": false, "award": "0.00"})
	if in := body["indicators"].([]any)[0].(map[string]any); in["code"] != "fund_leverage" || in["value"] != nil || in["met"] != false {
		t.Errorf("leverage of a fund not on the books: %v", in)
	}

	// The downloads carry the same figures, total last.
	path := "/api/v1/reports/awards?year=2024"
	header, records, sheet := exportRows(t, s, c.auditor, path)
	if len(records) != 4 {
		t.Fatalf("CSV %v", records)
	}
	flat := func(b map[string]any) map[string]any {
		in := b["indicators"].([]any)[0].(map[string]any)
		return map[string]any{"bank_code": b["bank_code"], "bank_name": b["bank_name"], "loans": b["loans"], "issuance": b["issuance"],
			"award_rate": b["award_rate"], "recovery_rate": in["value"], "recovery_rate_threshold": in["threshold"],
			"recovery_rate_met": boolCell(in["met"]), "eligible": boolCell(b["eligible"]), "award": b["award"]}
	}
	tot := res["total"].(map[string]any)
	rows := []map[string]any{flat(banks[0].(map[string]any)), flat(banks[1].(map[string]any)),
		{"bank_name": report.TotalLabel, "loans": tot["loans"], "issuance": tot["issuance"], "award": tot["award"]}}
	for i, r := range rows {
		for j, key := range header {
			cell := ""
			if j < len(sheet[i]) {
				cell = sheet[i][j]
			}
			jv := jsonCell(r[key])
			if records[i][j] != jv || (key != "recovery_rate_met" && key != "eligible" && !sameFigure(cell, jv)) {
				t.Errorf("row %d %s: CSV %q, XLSX %q, JSON %q", i, key, records[i][j], cell, jv)
			}
		}
	}

	// Before the first award rule (2023-01-01) a year has none: it says so.
	s.Do("GET", "/api/v1/reports/awards?year=2022", c.auditor, nil).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/reports/awards?year=2999", c.auditor, nil).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/reports/awards?year=abc", c.auditor, nil).WantProblem(422, "validation_failed")
	s.Do("GET", "/api/v1/reports/awards?year=2024", c.hrss, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/reports/awards?year=2024", s.AdminToken, nil).Want(200)
}

// The guarantee centre's award (奖补) by hand: the year's whole issuance,
// 1% of it when the fund's leverage on 31 December — the guaranteed
// principal outstanding that day ÷ the fund's ledger balance that day — is
// at least 2.
func TestAwardsForTheGuaranteeCentre(t *testing.T) {
	c := newCast(t)
	s := c.s
	line := func(ref string, n int, principal, on string) string {
		return ref + ",李四," + reportPersonID(n) + ",male,college_graduate,individual," + apptest.District + "," + apptest.Bank + "," +
			principal + ",0.0395,24," + on + ",1\n"
	}
	importLegacy(s, c.admin, legacyHeader+line("G1", 21, "200000.00", "2024-03-01")+line("G2", 23, "100000.00", "2024-06-01")+
		line("G3", 25, "80000.00", "2025-01-05")).Want(200)
	ids := map[string]string{}
	for _, it := range s.Do("GET", "/api/v1/loans?page_size=50", c.auditor, nil).Want(200).JSON()["items"].([]any) {
		l := it.(map[string]any)
		ids[l["external_ref"].(string)] = jsonID(l["id"])
	}
	s.Do("POST", "/api/v1/loans/"+ids["G1"]+"/repayments", c.bank, repayment("50000.00", "0.00", "2024-09-01", "GR-1"), "Idempotency-Key", "gr-1").Want(201)
	s.Do("POST", "/api/v1/loans/"+ids["G2"]+"/repayments", c.bank, repayment("20000.00", "0.00", "2025-01-10", "GR-2"), "Idempotency-Key", "gr-2").Want(201)
	c.movement(t, c.guar, c.guar2, "contribution", "100000.00", "2024-01-10")
	c.movement(t, c.guar2, c.guar, "withdrawal", "20000.00", "2024-12-31")
	c.movement(t, c.guar, c.guar2, "contribution", "100000.00", "2025-01-05")

	body := func(year string) (map[string]any, map[string]any) {
		res := s.Do("GET", "/api/v1/reports/awards?year="+year, c.auditor, nil).Want(200).JSON()
		return res["guarantee_bodies"].([]any)[0].(map[string]any), res["fund"].(map[string]any)
	}
	leverage := func(b map[string]any) map[string]any { return b["indicators"].([]any)[0].(map[string]any) }
	// 2024: outstanding on 31 December G1 200,000.00 − 50,000.00 + G2
	// 100,000.00 = 250,000.00; balance 100,000.00 − 20,000.00 = 80,000.00
	// (the withdrawal booked that day counts; the 2025 contribution not):
	// 250,000 ÷ 80,000 = 3.1250 ≥ 2, met; 1% of 300,000.00 = 3,000.00.
	b, f := body("2024")
	wantFields(t, "fund 2024", f, map[string]any{"balance": "80000.00", "guaranteed_outstanding": "250000.00", "opened": true})
	wantFields(t, "centre 2024", b, map[string]any{"code": "guarantee_centre", "name": "创业贷款担保中心", "loans": 2.0, "issuance": "300000.00",
		"award_rate": "0.0100", "eligible": true, "award": "3000.00"})
	wantFields(t, "leverage 2024", leverage(b), map[string]any{"code": "fund_leverage", "label": "担保基金放大倍数", "value": "3.1250", "threshold": "2.0000", "met": true})
	if p := portfolio(t, c, "2024-12-31"); p["outstanding"] != f["loans_outstanding"] || f["committed"] != "0.00" {
		t.Errorf("portfolio outstanding on 2024-12-31 %v, the awards' %v", p["outstanding"], f)
	}
	// 2025: 150,000.00 + 80,000.00 + 80,000.00 = 310,000.00 against
	// 180,000.00: 1.7222 < 2, not met; no award on its 80,000.00.
	b, f = body("2025")
	wantFields(t, "fund 2025", f, map[string]any{"balance": "180000.00", "guaranteed_outstanding": "310000.00", "opened": true})
	wantFields(t, "centre 2025", b, map[string]any{"loans": 1.0, "issuance": "80000.00", "eligible": false, "award": "0.00"})
	wantFields(t, "leverage 2025", leverage(b), map[string]any{"value": "1.7222", "met": false})
	// 2023: nothing on the books by 31 December.
	b, f = body("2023")
	wantFields(t, "fund 2023", f, map[string]any{"balance": "0.00", "opened": false})
	wantFields(t, "leverage 2023", leverage(b), map[string]any{"value": nil, "met": false})
	if en := s.Do("GET", "/api/v1/reports/awards?year=2024", c.auditor, nil, "Accept-Language", "en").Want(200).JSON()["guarantee_bodies"].([]any)[0].(map[string]any); en["name"] != "Guarantee centre" ||
		leverage(en)["label"] != "Fund leverage" {
		t.Errorf("English %v", en)
	}
	// The download's last row is the centre's.
	_, records, _ := exportRows(t, s, c.auditor, "/api/v1/reports/awards?year=2024")
	last := records[len(records)-1]
	if last[0] != "guarantee_centre" || last[3] != "300000.00" || last[8] != "3.1250" || last[9] != "2.0000" || last[12] != "3000.00" {
		t.Errorf("CSV row of the centre %v", last)
	}
}

func boolCell(v any) string {
	if v == true {
		return "true"
	}
	return "false"
}

// The guarantee centre's leverage on 31 December counts the guarantees
// approved and not yet disbursed that day, read from the applications'
// history with Beijing days, by hand. Balance 200,000.00 all along (5×:
// at most 1,000,000.00 guaranteed, so every approval below passes).
//   - A: approved 20 December for 150,000.00, disbursed on 31 December: a
//     loan of 150,000.00 that day, no commitment.
//   - G: approved 20 December for 150,000.00, disbursed on 3 January: a
//     commitment of 150,000.00 (the approved amount) on 31 December.
//   - B: at bank_review from 20 December: 200,000.00 (the amount applied for).
//   - C: at bank_review from 20 December, rejected by the bank on 30
//     December: nothing.
//   - F: guarantee approved at 23:30 on 31 December: 200,000.00.
//   - E: guarantee approved at 00:30 on 1 January (16:30 UTC on 31
//     December): nothing in 2024.
//
// 2024: 150,000.00 + (150,000.00 + 200,000.00 + 200,000.00) = 700,000.00 ÷
// 200,000.00 = 3.5000. 2025 (through today): loans A and G 300,000.00, B, F
// and E still at bank_review 600,000.00 — what GET /guarantee/fund counts
// today — 900,000.00 ÷ 200,000.00 = 4.5000.
func TestAwardsLeverageCountsThatDaysCommitments(t *testing.T) {
	c := newCast(t)
	s := c.s
	c.movement(t, c.guar, c.guar2, "contribution", "200000.00", "2024-01-10")
	cst := time.FixedZone("CST", 8*3600)
	clock := func(at time.Time) {
		start := time.Now()
		s.App.Applications.SetClock(func() time.Time { return at.Add(time.Since(start)) })
	}
	defer s.App.Applications.SetClock(time.Now)
	bankApprove := func(id any) {
		s.Do("POST", path(id, "/decisions"), c.bank, contract).Want(200)
	}
	disburse := func(id any, on string) any {
		return s.Do("POST", path(id, "/disbursement"), c.bank2, disbursement("150000.00", on, "CM-"+jsonID(id)), "Idempotency-Key", "cm-"+jsonID(id)).Want(201).JSON()["loan"].(map[string]any)["id"]
	}
	clock(time.Date(2024, 12, 20, 10, 0, 0, 0, cst))
	a, g := c.at(t, "bank_review", nil), c.at(t, "bank_review", nil)
	bankApprove(a)
	bankApprove(g)
	c.at(t, "bank_review", nil)
	cid := c.at(t, "bank_review", nil)
	f, e := c.at(t, "guarantee_review", nil), c.at(t, "guarantee_review", nil)
	clock(time.Date(2024, 12, 30, 10, 0, 0, 0, cst))
	s.Do("POST", path(cid, "/decisions"), c.bank, map[string]any{"decision": "reject", "comment": "经营风险过高"}).Want(200)
	clock(time.Date(2024, 12, 31, 23, 30, 0, 0, cst))
	s.Do("POST", path(f, "/decisions"), c.guar, map[string]any{"decision": "approve", "comment": "ok"}).Want(200)
	clock(time.Date(2025, 1, 1, 0, 30, 0, 0, cst))
	s.Do("POST", path(e, "/decisions"), c.guar, map[string]any{"decision": "approve", "comment": "ok"}).Want(200)
	disburse(a, "2024-12-31")
	gLoan := disburse(g, "2025-01-03")

	fund := func(year string) map[string]any {
		return s.Do("GET", "/api/v1/reports/awards?year="+year, c.auditor, nil).Want(200).JSON()["fund"].(map[string]any)
	}
	lev := func(year string) any {
		b := s.Do("GET", "/api/v1/reports/awards?year="+year, c.auditor, nil).Want(200).JSON()["guarantee_bodies"].([]any)[0].(map[string]any)
		return b["indicators"].([]any)[0].(map[string]any)["value"]
	}
	wantFields(t, "fund on 2024-12-31", fund("2024"), map[string]any{"balance": "200000.00", "loans_outstanding": "150000.00",
		"committed": "550000.00", "guaranteed_outstanding": "700000.00"})
	if v := lev("2024"); v != "3.5000" {
		t.Errorf("leverage 2024 %v", v)
	}
	wantFields(t, "fund on 2025-12-31", fund("2025"), map[string]any{"loans_outstanding": "300000.00", "committed": "600000.00", "guaranteed_outstanding": "900000.00"})
	if v := lev("2025"); v != "4.5000" {
		t.Errorf("leverage 2025 %v", v)
	}
	if now := s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON(); now["committed"] != "600000.00" {
		t.Errorf("today's commitments %v", now["committed"])
	}
	// G's disbursement reversed today: its application is approved again, a
	// commitment of 150,000.00 from today on (this year: 150,000.00 +
	// 750,000.00 = 900,000.00 ÷ 200,000.00 = 4.5000), while 2025 keeps its
	// figures (the loan stood then).
	rev := s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "disbursement", "id": gLoan, "reason": "放款录错"}).Want(201).JSON()
	s.Do("POST", "/api/v1/reversals/"+jsonID(rev["id"])+"/confirm", c.bank2, map[string]any{}).Want(200)
	this := strconv.Itoa(time.Now().In(cst).Year())
	wantFields(t, "fund today", fund(this), map[string]any{"loans_outstanding": "150000.00", "committed": "750000.00", "guaranteed_outstanding": "900000.00"})
	wantFields(t, "fund on 2025-12-31 after the reversal", fund("2025"), map[string]any{"loans_outstanding": "300000.00", "committed": "600000.00"})
}

// The awards' indicators are met exactly at their thresholds and compare
// the exact ratio, not the one shown: a recovery rate of exactly 0.9000
// and a leverage of exactly 2 are met; 89,999.99 of 100,000.00 shows 0.9000
// and 199,999.99 of 100,000.00 shows 2.0000, and neither is met.
//   - Bank A: A1 100,000.00 matured 2023-01-10, 90,000.00 repaid that day:
//     90,000 ÷ 100,000 = 0.9000, met; award 1% of its 2024 issuance G1
//     179,999.99 = 1,799.9999 → 1,800.00.
//   - Bank B: B1 100,000.00, 89,999.99 repaid: 0.89999999, not met.
//   - The fund on 31 December 2024: balance 100,000.00; outstanding A1
//     10,000.00 + B1 10,000.01 + G1 179,999.99 = 200,000.00: 2.0000, met,
//     the centre's award 1,800.00. On 31 December 2025, 0.01 of G1 repaid:
//     199,999.99 ÷ 100,000.00 = 1.99999990, not met.
func TestAwardIndicatorsAreMetAtTheirThresholds(t *testing.T) {
	c := newCast(t)
	s := c.s
	line := func(ref string, n int, bank, principal string, term int, on string) string {
		return ref + ",李四," + reportPersonID(n) + ",male,college_graduate,individual," + apptest.District + "," + bank + "," + principal +
			",0.0395," + itoa(term) + "," + on + ",1\n"
	}
	importLegacy(s, c.admin, legacyHeader+line("A1", 31, apptest.Bank, "100000.00", 12, "2022-01-10")+
		line("B1", 33, apptest.OtherBank, "100000.00", 12, "2022-01-10")+line("G1", 35, apptest.Bank, "179999.99", 24, "2024-03-01")).Want(200)
	ids := map[string]string{}
	for _, it := range s.Do("GET", "/api/v1/loans?page_size=50", c.auditor, nil).Want(200).JSON()["items"].([]any) {
		l := it.(map[string]any)
		ids[l["external_ref"].(string)] = jsonID(l["id"])
	}
	repay := func(ref, token, principal, on string) {
		t.Helper()
		s.Do("POST", "/api/v1/loans/"+ids[ref]+"/repayments", token, repayment(principal, "0.00", on, "R-"+ref), "Idempotency-Key", "r-"+ref).Want(201)
	}
	repay("A1", c.bank, "90000.00", "2023-01-10")
	repay("B1", c.bankOther, "89999.99", "2023-01-10")
	c.movement(t, c.guar, c.guar2, "contribution", "100000.00", "2024-01-10")

	res := s.Do("GET", "/api/v1/reports/awards?year=2024", c.auditor, nil).Want(200).JSON()
	banks := res["banks"].([]any)
	if len(banks) != 2 {
		t.Fatalf("banks %v", banks)
	}
	for i, w := range []struct {
		code, award string
		met         bool
	}{{apptest.Bank, "1800.00", true}, {apptest.OtherBank, "0.00", false}} {
		b := banks[i].(map[string]any)
		wantFields(t, "bank "+w.code, b, map[string]any{"bank_code": w.code, "eligible": w.met, "award": w.award})
		wantFields(t, "recovery of "+w.code, b["indicators"].([]any)[0].(map[string]any), map[string]any{"code": "recovery_rate", "value": "0.9000", "threshold": "0.9000", "met": w.met})
	}
	centre := func(year string) map[string]any {
		return s.Do("GET", "/api/v1/reports/awards?year="+year, c.auditor, nil).Want(200).JSON()["guarantee_bodies"].([]any)[0].(map[string]any)
	}
	b := centre("2024")
	wantFields(t, "centre 2024", b, map[string]any{"issuance": "179999.99", "eligible": true, "award": "1800.00"})
	wantFields(t, "leverage 2024", b["indicators"].([]any)[0].(map[string]any), map[string]any{"code": "fund_leverage", "value": "2.0000", "threshold": "2.0000", "met": true})
	s.Do("POST", "/api/v1/loans/"+ids["G1"]+"/repayments", c.bank, repayment("0.01", "0.00", "2025-01-10", "R-G1"), "Idempotency-Key", "r-g1").Want(201)
	wantFields(t, "leverage 2025", centre("2025")["indicators"].([]any)[0].(map[string]any), map[string]any{"value": "2.0000", "met": false})
}
