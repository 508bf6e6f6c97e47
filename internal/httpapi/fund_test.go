package httpapi_test

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// movement proposes a movement as proposer and confirms it as confirmer,
// returning the confirmed movement.
func (c *cast) movement(t *testing.T, proposer, confirmer, kind, amount, on string) map[string]any {
	t.Helper()
	key := kind + amount + on
	m := c.s.Do("POST", "/api/v1/guarantee/fund/movements", proposer,
		map[string]any{"kind": kind, "amount": amount, "booked_on": on, "reference": "ZH-" + on}, "Idempotency-Key", "p-"+key).Want(201).JSON()
	return c.s.Do("POST", "/api/v1/guarantee/fund/movements/"+jsonID(m["id"])+"/confirm", confirmer, nil, "Idempotency-Key", "c-"+key).Want(200).JSON()
}

// accounts reads the balances of the chart from GET /guarantee/fund.
func accounts(f map[string]any) map[string]string {
	out := map[string]string{}
	for _, a := range f["accounts"].([]any) {
		m := a.(map[string]any)
		out[m["account"].(string)] = m["balance"].(string)
	}
	return out
}

// The fund's books: movements four-eyes, the loans' postings in the same
// transaction as the loan, balances equal to the raw recomputation from
// the loans, and the figures of GET /guarantee/fund by hand.
func TestFundBooks(t *testing.T) {
	c := newCast(t)
	s := c.s
	fund := "/api/v1/guarantee/fund"
	// Nothing on the books yet: not opened, no leverage, the base limit
	// (no loan matured last year).
	f := s.Do("GET", fund, c.auditor, nil).Want(200).JSON()
	wantFigures(t, "empty fund", f, map[string]string{"balance": "0.00", "guaranteed_outstanding": "0.00", "leverage_limit": "5.00", "headroom": "0.00"})
	if f["leverage"] != nil || f["opened"] != false || f["last_year_repayment_rate"] != nil || !strings.Contains(f["limit_basis"].(string), "财金〔2020〕21号") {
		t.Fatalf("empty fund %v", f)
	}
	s.Do("GET", fund, c.owner, nil).WantProblem(403, "forbidden")
	s.Do("GET", fund, c.bank, nil).WantProblem(403, "forbidden")
	s.Do("GET", fund, c.admin, nil).Want(200)

	// Four eyes on movements.
	mv := "/api/v1/guarantee/fund/movements"
	body := map[string]any{"kind": "contribution", "amount": "1000000.00", "booked_on": "2024-01-10", "reference": "CZ-2024-001", "note": "市财政注资"}
	s.Do("POST", mv, c.guar, body).WantProblem(400, "idempotency.key_required")
	s.Do("POST", mv, c.auditor, body, "Idempotency-Key", "m-a").WantProblem(403, "forbidden")
	s.Do("POST", mv, c.admin, body, "Idempotency-Key", "m-a").WantProblem(403, "forbidden")
	bad := s.Do("POST", mv, c.guar, map[string]any{"kind": "gift", "amount": "1.001", "booked_on": "2999-01-01", "reference": ""}, "Idempotency-Key", "m-bad").
		WantProblem(422, "validation_failed")
	for _, field := range []string{"kind", "amount", "booked_on", "reference"} {
		if !contains(bad.FieldErrors(), field) {
			t.Errorf("errors %v miss %s", bad.FieldErrors(), field)
		}
	}
	// A movement's reference follows the one rule of a bank's reference.
	for i, ref := range []string{"流水 001", "-CZ1", strings.Repeat("9", 65)} {
		p := s.Do("POST", mv, c.guar, map[string]any{"kind": "contribution", "amount": "1.00", "booked_on": "2024-01-10", "reference": ref}, "Idempotency-Key", "m-ref-"+strconv.Itoa(i)).
			WantProblem(422, "validation_failed")
		if f := p.FieldErrors(); len(f) != 1 || f[0] != "reference" {
			t.Errorf("reference %q: errors %v, want reference alone", ref, f)
		}
	}
	m := s.Do("POST", mv, c.guar, body, "Idempotency-Key", "m-1").Want(201).JSON()
	if m["status"] != "proposed" || m["posting_id"] != nil || m["amount"] != "1000000.00" {
		t.Fatalf("proposed %v", m)
	}
	// The same key and body replay the answer; nothing is posted yet.
	s.Do("POST", mv, c.guar, body, "Idempotency-Key", "m-1").Want(201)
	if f := s.Do("GET", fund, c.guar, nil).Want(200).JSON(); f["balance"] != "0.00" || f["opened"] != false {
		t.Fatalf("a proposal posted: %v", f)
	}
	confirm := mv + "/" + jsonID(m["id"]) + "/confirm"
	s.Do("POST", confirm, c.guar, nil, "Idempotency-Key", "c-1").WantProblem(403, "four_eyes")
	s.Do("POST", confirm, c.auditor, nil, "Idempotency-Key", "c-1").WantProblem(403, "forbidden")
	s.Do("POST", mv+"/999999/confirm", c.guar2, nil, "Idempotency-Key", "c-x").WantProblem(404, "not_found")
	done := s.Do("POST", confirm, c.guar2, nil, "Idempotency-Key", "c-1").Want(200).JSON()
	if done["status"] != "confirmed" || done["posting_id"] == nil {
		t.Fatalf("confirmed %v", done)
	}
	s.Do("POST", confirm, c.guarOther, nil, "Idempotency-Key", "c-2").WantProblem(409, "fund.invalid_state")
	// Interest income 1,234.56, proposed by an officer of another district
	// (the fund is the city's), confirmed by guar.
	c.movement(t, c.guarOther, c.guar, "interest_income", "1234.56", "2024-02-01")
	// A withdrawal above the balance (1,001,234.56) is refused; one below
	// it is rejected with a reason and posts nothing.
	s.Do("POST", mv, c.guar, map[string]any{"kind": "withdrawal", "amount": "1001234.57", "booked_on": "2024-02-02", "reference": "W-1"}, "Idempotency-Key", "w-1").
		WantProblem(422, "validation_failed")
	w := s.Do("POST", mv, c.guar, map[string]any{"kind": "withdrawal", "amount": "100000.00", "booked_on": "2024-02-02", "reference": "W-2"}, "Idempotency-Key", "w-2").Want(201).JSON()
	reject := mv + "/" + jsonID(w["id"]) + "/reject"
	s.Do("POST", reject, c.guar2, map[string]any{"reason": " "}).WantProblem(422, "validation_failed")
	s.Do("POST", reject, c.guar, map[string]any{"reason": "重复"}).WantProblem(403, "four_eyes")
	if r := s.Do("POST", reject, c.guar2, map[string]any{"reason": "金额有误"}).Want(200).JSON(); r["status"] != "rejected" || r["reason"] != "金额有误" {
		t.Fatalf("rejected %v", r)
	}
	list := s.Do("GET", mv+"?status=proposed,rejected", c.auditor, nil).Want(200).JSON()
	if list["total"] != float64(1) {
		t.Fatalf("proposed or rejected movements %v", list)
	}
	s.Do("GET", mv+"?status=lost", c.auditor, nil).WantProblem(422, "validation_failed")
	if all := s.Do("GET", mv+"?page_size=2", c.auditor, nil).Want(200).JSON(); all["total"] != float64(3) || len(all["items"].([]any)) != 2 {
		t.Fatalf("movements %v", all)
	}

	// Two loans of 200,000.00: A is compensated (the fund's 80%:
	// 160,000.00), recovers 50,000.01 (the fund's share 40,000.01) and is
	// written off (the fund's 160,000.00 − 40,000.01 = 119,999.99).
	a, b := c.loan(t), c.loan(t)
	aid := jsonID(a["id"])
	_ = b
	f = s.Do("GET", fund, c.guar, nil).Want(200).JSON()
	// 400,000.00 ÷ 1,001,234.56 = 0.3995… → 0.40; headroom 5 × 1,001,234.56 − 400,000.00.
	wantFigures(t, "fund with two loans", f, map[string]string{"balance": "1001234.56", "guaranteed_outstanding": "400000.00",
		"leverage": "0.40", "leverage_limit": "5.00", "headroom": "4606172.80", "capacity": "5006172.80"})
	if f["opened"] != true || f["over_limit"] != false {
		t.Fatalf("fund %v", f)
	}
	if _, err := s.App.Loans.RunDaily(t.Context(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/loans/"+aid+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-10"}).Want(200)
	s.Do("POST", "/api/v1/loans/"+aid+"/recoveries", c.guar, map[string]any{"amount": "50000.01", "recovered_on": "2024-08-01"}).Want(201)
	s.Do("POST", "/api/v1/loans/"+aid+"/write-off", c.guar, map[string]any{"reason": "借款人无财产可供执行"}).Want(200)
	l := s.Do("POST", "/api/v1/loans/"+aid+"/write-off/confirm", c.guar2, nil).Want(200).JSON()["loan"].(map[string]any)

	// 1,001,234.56 − 160,000.00 + 40,000.01 = 881,234.57; B alone is
	// guaranteed: 200,000.00 ÷ 881,234.57 = 0.2269… → 0.23; headroom
	// 5 × 881,234.57 − 200,000.00 = 4,206,172.85.
	f = s.Do("GET", fund, c.guar, nil).Want(200).JSON()
	wantFigures(t, "fund after the write-off", f, map[string]string{"balance": "881234.57", "guaranteed_outstanding": "200000.00",
		"leverage": "0.23", "headroom": "4206172.85"})
	books := accounts(f)
	want := map[string]string{"bank_deposit": "881234.57", "government_contributions": "1000000.00", "interest_income": "1234.56",
		"compensation_paid": "160000.00", "recoveries": "40000.01", "claims_written_off": "119999.99", "write_offs": "119999.99"}
	for k, v := range want {
		if books[k] != v {
			t.Errorf("account %s = %s, want %s", k, books[k], v)
		}
	}
	// The journal's loan accounts are the loan's own figures.
	cm, wo := l["compensation"].(map[string]any), l["write_off"].(map[string]any)
	if books["compensation_paid"] != cm["fund_amount"] || books["recoveries"] != cm["fund_recovered"] || books["write_offs"] != wo["fund_amount"] {
		t.Errorf("books %v, loan compensation %v, write-off %v", books, cm, wo)
	}
	// And the raw sums of the loan tables.
	checkBooksAgree(t, s)

	j := "/api/v1/guarantee/fund/journal"
	all := s.Do("GET", j, c.auditor, nil).Want(200).JSON()
	if all["total"] != float64(5) {
		t.Fatalf("journal %v", all)
	}
	first := all["items"].([]any)[0].(map[string]any)
	wantFigures(t, "first posting", first, map[string]string{"booked_on": "2024-01-10", "debit_account": "bank_deposit",
		"credit_account": "government_contributions", "amount": "1000000.00", "kind": "contribution"})
	for q, n := range map[string]float64{"?account=recoveries": 1, "?account=bank_deposit": 4, "?from=2024-07-01": 3, "?from=2024-07-01&to=2024-08-01": 2, "?to=2024-01-31": 1} {
		if got := s.Do("GET", j+q, c.guar, nil).Want(200).JSON()["total"]; got != float64(n) {
			t.Errorf("journal%s total %v, want %v", q, got, n)
		}
	}
	s.Do("GET", j+"?account=cash", c.guar, nil).WantProblem(422, "validation_failed")
	s.Do("GET", j+"?from=2024-13-01", c.guar, nil).WantProblem(422, "validation_failed")
	s.Do("GET", j, c.bank, nil).WantProblem(403, "forbidden")
}

// checkBooksAgree compares the journal's balances with the loan tables'
// raw sums of the fund's shares (a reversed recovery's share is out of the
// loan's recovered_fund_fen and given back in the journal).
func checkBooksAgree(t *testing.T, s *apptest.Server) {
	t.Helper()
	q := func(sql string) int64 {
		var v int64
		if err := s.App.DB.SQL().QueryRow(sql).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	side := func(col, account string) int64 {
		return q("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fund_postings WHERE " + col + " = '" + account + "'")
	}
	raw := map[string]int64{
		"compensation_paid":  q("SELECT CAST(COALESCE(SUM(fund_paid_fen), 0) AS BIGINT) FROM loans"),
		"recoveries":         q("SELECT CAST(COALESCE(SUM(recovered_fund_fen), 0) AS BIGINT) FROM loans"),
		"claims_written_off": q("SELECT CAST(COALESCE(SUM(written_off_fund_fen), 0) AS BIGINT) FROM loans"),
	}
	got := map[string]int64{
		"compensation_paid":  side("debit_account", "compensation_paid") - side("credit_account", "compensation_paid"),
		"recoveries":         side("credit_account", "recoveries") - side("debit_account", "recoveries"),
		"claims_written_off": side("credit_account", "claims_written_off") - side("debit_account", "claims_written_off"),
	}
	for k, v := range raw {
		if got[k] != v {
			t.Errorf("journal %s %d fen, loans %d fen", k, got[k], v)
		}
	}
	if w := side("debit_account", "write_offs") - side("credit_account", "write_offs"); w != raw["claims_written_off"] {
		t.Errorf("write_offs %d fen, loans %d fen", w, raw["claims_written_off"])
	}
}

// The journal is append-only (no UPDATE, DELETE or, on PostgreSQL,
// TRUNCATE) and every row balanced, by the database on both engines.
func TestFundJournalIsAppendOnly(t *testing.T) {
	c := newCast(t)
	c.movement(t, c.guar, c.guar2, "contribution", "500.00", "2024-01-10")
	db := c.s.App.DB.SQL()
	stmts := []string{
		"UPDATE fund_postings SET amount_fen = 1",
		"DELETE FROM fund_postings",
		"INSERT INTO fund_postings (booked_on, booked_year, booked_month, debit_account, credit_account, amount_fen, kind, source, created_at) VALUES ('2024-01-10', 2024, 1, 'bank_deposit', 'bank_deposit', 100, 'contribution', 'x', CURRENT_TIMESTAMP)",
		"INSERT INTO fund_postings (booked_on, booked_year, booked_month, debit_account, credit_account, amount_fen, kind, source, created_at) VALUES ('2024-01-10', 2024, 1, 'bank_deposit', 'government_contributions', 0, 'contribution', 'x', CURRENT_TIMESTAMP)",
		"INSERT INTO fund_postings (booked_on, booked_year, booked_month, debit_account, credit_account, amount_fen, kind, source, created_at) VALUES ('2024-01-10', 2024, 1, 'cash', 'government_contributions', 100, 'contribution', 'x', CURRENT_TIMESTAMP)",
	}
	if apptest.Engine() == "postgres" {
		// SQLite has no TRUNCATE (DELETE above is its way of emptying a table).
		stmts = append(stmts, "TRUNCATE fund_postings CASCADE")
	}
	for _, stmt := range stmts {
		if _, err := db.Exec(stmt); err == nil {
			t.Errorf("the database took %s", stmt)
		}
	}
	if f := c.s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON(); f["balance"] != "500.00" {
		t.Fatalf("fund %v", f)
	}
}

// A guarantee approval that would take the fund over its limit is refused
// with the figures; a fund not yet on the books is not checked; exactly at
// the limit is allowed. A withdrawal above the balance is refused again at
// its confirmation, and a fund past its limit shows headroom 0.00 and
// over_limit.
func TestGuaranteeLeverageLimit(t *testing.T) {
	c := newCast(t)
	s := c.s
	// Not opened: two loans of 200,000.00 are guaranteed with no fund.
	c.loan(t)
	c.loan(t)
	app := c.application(t, c.owner, "eligibility_review")
	decide := "/api/v1/applications/" + app + "/decisions"
	s.Do("POST", decide, c.hrss, map[string]any{"decision": "approve"}).Want(200)
	// 100,000.00 in: the limit is 5 × 100,000.00 = 500,000.00; 400,000.00 +
	// this application's 200,000.00 = 600,000.00 is over it.
	c.movement(t, c.guar, c.guar2, "contribution", "100000.00", "2024-01-10")
	f := s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON()
	wantFigures(t, "small fund", f, map[string]string{"balance": "100000.00", "guaranteed_outstanding": "400000.00", "leverage": "4.00",
		"headroom": "100000.00", "capacity": "500000.00"})
	p := s.Do("POST", decide, c.guar, map[string]any{"decision": "approve"}).WantProblem(409, "guarantee.leverage_exceeded").JSON()
	wantFigures(t, "problem", p, map[string]string{"balance": "100000.00", "guaranteed_outstanding": "400000.00", "leverage_limit": "5.00",
		"amount": "200000.00", "capacity": "500000.00"})
	detail := p["detail"].(string)
	for _, fig := range []string{"400,000.00 元", "200,000.00 元", "600,000.00 元", "100,000.00 元", "500,000.00 元", "5 倍"} {
		if !strings.Contains(detail, fig) {
			t.Errorf("detail %q misses %s", detail, fig)
		}
	}
	if en := s.Do("POST", decide, c.guar, map[string]any{"decision": "approve"}, "Accept-Language", "en").WantProblem(409, "guarantee.leverage_exceeded").JSON(); !strings.Contains(en["detail"].(string), "leverage limit") {
		t.Errorf("English detail %v", en["detail"])
	}
	if st := s.Do("GET", "/api/v1/applications/"+app, c.guar, nil).Want(200).JSON()["status"]; st != "guarantee_review" {
		t.Fatalf("refused approval moved the application to %v", st)
	}
	// 20,000.00 more: 5 × 120,000.00 = 600,000.00, exactly the guarantee.
	c.movement(t, c.guar2, c.guar, "contribution", "20000.00", "2024-01-11")
	s.Do("POST", decide, c.guar, map[string]any{"decision": "approve"}).Want(200)
	// The approved guarantee counts before its loan is disbursed.
	f = s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON()
	wantFigures(t, "fund at its limit", f, map[string]string{"guaranteed_outstanding": "600000.00", "loans_outstanding": "400000.00",
		"committed": "200000.00", "leverage": "5.00", "headroom": "0.00"})
	if f["over_limit"] != false {
		t.Errorf("a fund exactly at its limit is over it: %v", f)
	}
	// Two withdrawals of 70,000.00, each within the balance of 120,000.00
	// when proposed: the first confirmed leaves 50,000.00, and the second
	// is refused at its confirmation (422 amount) and posts nothing. The
	// fund is then past its limit: 600,000.00 ÷ 50,000.00 = 12.00 against a
	// capacity of 250,000.00, headroom 0.00 (never below), over_limit true.
	mv := "/api/v1/guarantee/fund/movements"
	var ws []string
	for i := range 2 {
		w := s.Do("POST", mv, c.guar, map[string]any{"kind": "withdrawal", "amount": "70000.00", "booked_on": "2024-01-12", "reference": "W-" + strconv.Itoa(i)},
			"Idempotency-Key", "w-"+strconv.Itoa(i)).Want(201).JSON()
		ws = append(ws, mv+"/"+jsonID(w["id"])+"/confirm")
	}
	s.Do("POST", ws[0], c.guar2, nil, "Idempotency-Key", "wc-0").Want(200)
	if f := s.Do("POST", ws[1], c.guar2, nil, "Idempotency-Key", "wc-1").WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{"amount"}) {
		t.Errorf("a withdrawal above the balance at its confirmation: errors %v", f)
	}
	f = s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON()
	wantFigures(t, "fund past its limit", f, map[string]string{"balance": "50000.00", "guaranteed_outstanding": "600000.00", "leverage": "12.00",
		"capacity": "250000.00", "headroom": "0.00"})
	if f["over_limit"] != true {
		t.Errorf("a fund past its limit: over_limit %v", f["over_limit"])
	}
}

// Guarantees approved and not yet disbursed count as committed: at bank
// review for the amount applied for, approved for the bank's amount, a
// loan's outstanding principal once disbursed; a rejection at the bank
// frees its commitment. Two approvals in a row cannot both pass over the
// limit.
func TestCommittedGuaranteesCountTowardTheLimit(t *testing.T) {
	c := newCast(t)
	s := c.s
	fund := "/api/v1/guarantee/fund"
	// 100,000.00 in: the fund may guarantee 5 × 100,000.00 = 500,000.00.
	c.movement(t, c.guar, c.guar2, "contribution", "100000.00", "2024-01-10")
	owners := []string{c.owner, c.owner2(t), c.owner3(t), c.other}
	apps := make([]string, len(owners))
	for i, o := range owners {
		apps[i] = c.application(t, o, "eligibility_review")
		c.inPast(func() {
			s.Do("POST", "/api/v1/applications/"+apps[i]+"/decisions", c.hrss, map[string]any{"decision": "approve"}).Want(200)
		})
	}
	decide := func(i int, tok string, body map[string]any) *apptest.Response {
		var r *apptest.Response
		c.inPast(func() { r = s.Do("POST", "/api/v1/applications/"+apps[i]+"/decisions", tok, body) })
		return r
	}
	approve := map[string]any{"decision": "approve"}
	decide(0, c.guar, approve).Want(200)
	decide(1, c.guar, approve).Want(200)
	wantFigures(t, "two guarantees approved", s.Do("GET", fund, c.guar, nil).Want(200).JSON(), map[string]string{
		"guaranteed_outstanding": "400000.00", "loans_outstanding": "0.00", "committed": "400000.00", "leverage": "4.00", "headroom": "100000.00"})
	// The third: 400,000.00 committed + 200,000.00 = 600,000.00 > 500,000.00.
	p := decide(2, c.guar, approve).WantProblem(409, "guarantee.leverage_exceeded").JSON()
	wantFigures(t, "third approval", p, map[string]string{"guaranteed_outstanding": "400000.00", "loans_outstanding": "0.00", "committed": "400000.00",
		"amount": "200000.00", "capacity": "500000.00"})
	if !strings.Contains(p["detail"].(string), "已批准担保尚未放款 400,000.00 元") {
		t.Errorf("detail %q does not name the commitments", p["detail"])
	}
	// The bank approves 150,000.00 of the first: the commitment is that.
	decide(0, c.bank, map[string]any{"decision": "approve", "approved_amount": "150000.00", "annual_rate": "0.0395", "term_months": 24}).Want(200)
	wantFigures(t, "bank approved less", s.Do("GET", fund, c.guar, nil).Want(200).JSON(), map[string]string{
		"guaranteed_outstanding": "350000.00", "committed": "350000.00"})
	// Disbursed, it is a loan: the total stays.
	loanID := jsonID(s.Do("POST", "/api/v1/applications/"+apps[0]+"/disbursement", c.bank2, disbursement("150000.00", "2024-03-15", "CM-1"),
		"Idempotency-Key", "cm-1").Want(201).JSON()["loan"].(map[string]any)["id"])
	wantFigures(t, "disbursed", s.Do("GET", fund, c.guar, nil).Want(200).JSON(), map[string]string{
		"guaranteed_outstanding": "350000.00", "loans_outstanding": "150000.00", "committed": "200000.00"})
	decide(2, c.guar, approve).WantProblem(409, "guarantee.leverage_exceeded")
	// 50,000.00 repaid: 100,000.00 + 200,000.00 + 200,000.00 = 500,000.00, at the limit.
	s.Do("POST", "/api/v1/loans/"+loanID+"/repayments", c.bank, repayment("50000.00", "0.00", "2024-04-01", "CM-R1"), "Idempotency-Key", "cm-r1").Want(201)
	decide(2, c.guar, approve).Want(200)
	decide(3, c.guar, approve).WantProblem(409, "guarantee.leverage_exceeded")
	// The bank rejects the second: its 200,000.00 is free again.
	decide(1, c.bank, map[string]any{"decision": "reject", "comment": "经营计划不可行"}).Want(200)
	wantFigures(t, "bank rejected", s.Do("GET", fund, c.guar, nil).Want(200).JSON(), map[string]string{
		"guaranteed_outstanding": "300000.00", "loans_outstanding": "100000.00", "committed": "200000.00"})
	decide(3, c.guar, approve).Want(200)
}

// Guarantee officers approve four applications of 200,000.00 at once
// against a limit of 500,000.00: exactly two pass, whatever the engine
// (the fund's books are locked from the check to the commit).
func TestConcurrentGuaranteeApprovalsKeepTheLimit(t *testing.T) {
	c := newCast(t)
	s := c.s
	c.movement(t, c.guar, c.guar2, "contribution", "100000.00", "2024-01-10")
	const n = 4
	apps := make([]string, n)
	for i := range n {
		apps[i] = c.application(t, s.User("race"+strconv.Itoa(i), "entrepreneur", "", ""), "eligibility_review")
		s.Do("POST", "/api/v1/applications/"+apps[i]+"/decisions", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	}
	answers := make([]rawAnswer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := c.guar
			if i%2 == 1 {
				token = c.guar2
			}
			answers[i] = rawPost(s.URL+"/api/v1/applications/"+apps[i]+"/decisions", token, "", map[string]any{"decision": "approve"})
		}()
	}
	wg.Wait()
	passed := 0
	for _, a := range answers {
		switch {
		case a.err != nil:
			t.Fatal(a.err)
		case a.status == 200:
			passed++
		case a.status != 409 || !strings.Contains(string(a.body), "guarantee.leverage_exceeded"):
			t.Fatalf("status %d: %s", a.status, a.body)
		}
	}
	if passed != 2 {
		t.Fatalf("%d approvals passed, want 2", passed)
	}
	wantFigures(t, "after the race", s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON(), map[string]string{
		"guaranteed_outstanding": "400000.00", "committed": "400000.00", "headroom": "100000.00"})
}

// The limit in force follows last year's repayment rate: the loans that
// matured then, principal repaid by maturity ÷ their principal.
func TestFundLimitFromLastYearsRepayments(t *testing.T) {
	c := newCast(t)
	s := c.s
	a, b := jsonID(c.loan(t)["id"]), jsonID(c.loan(t)["id"]) // 200,000.00 each, maturing 2026-03-15
	for i, r := range []struct{ id, principal, on string }{
		{a, "200000.00", "2026-03-15"}, {b, "180000.00", "2026-03-01"}, {b, "20000.00", "2026-05-01"},
	} {
		ref := "RR-" + strconv.Itoa(i)
		s.Do("POST", "/api/v1/loans/"+r.id+"/repayments", c.bank, repayment(r.principal, "0.00", r.on, ref), "Idempotency-Key", ref).Want(201)
	}
	// Two loans of 100,000.00 from 2024-03-15 to 2025-03-15: in 2026, last
	// year is 2025, and 180,000.00 of 200,000.00 repaid by maturity is
	// exactly 0.9000: the raised limit (at least 0.90, not above it).
	x, y := c.contracted(t, c.owner, "100000.00", 12), c.contracted(t, c.owner, "100000.00", 12)
	s.App.Loans.SetClock(time.Now)
	for i, r := range []struct{ id, principal, on string }{
		{x, "100000.00", "2025-03-15"}, {y, "80000.00", "2025-03-15"}, {y, "20000.00", "2025-03-16"},
	} {
		ref := "RX-" + strconv.Itoa(i)
		s.Do("POST", "/api/v1/loans/"+r.id+"/repayments", c.bank, repayment(r.principal, "0.00", r.on, ref), "Idempotency-Key", ref).Want(201)
	}
	s.App.Fund.SetClock(func() time.Time { return time.Date(2026, 2, 1, 4, 0, 0, 0, time.UTC) })
	t.Cleanup(func() { s.App.Fund.SetClock(time.Now) })
	if f := s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON(); f["last_year_repayment_rate"] != "0.9000" || f["leverage_limit"] != "10.00" ||
		f["repayment_rate_year"] != float64(2025) {
		t.Errorf("fund in 2026: rate %v of %v, limit %v", f["last_year_repayment_rate"], f["repayment_rate_year"], f["leverage_limit"])
	}
	// In 2027, last year is 2026: 380,000.00 of 400,000.00 repaid by
	// maturity = 0.9500 ≥ 0.90: the raised limit.
	s.App.Fund.SetClock(func() time.Time { return time.Date(2027, 2, 1, 4, 0, 0, 0, time.UTC) })
	f := s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON()
	if f["last_year_repayment_rate"] != "0.9500" || f["leverage_limit"] != "10.00" || f["repayment_rate_year"] != float64(2026) ||
		!strings.Contains(f["limit_basis"].(string), "95.00%") {
		t.Fatalf("fund in 2027 %v", f)
	}
	// In 2028, nothing matured in 2027: the base limit.
	s.App.Fund.SetClock(func() time.Time { return time.Date(2028, 2, 1, 4, 0, 0, 0, time.UTC) })
	f = s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil, "Accept-Language", "en").Want(200).JSON()
	if f["last_year_repayment_rate"] != nil || f["leverage_limit"] != "5.00" || !strings.Contains(f["limit_basis"].(string), "no loan matured last year") {
		t.Fatalf("fund in 2028 %v", f)
	}
}

// A movement booked in a closed accounting month is refused when proposed
// and when confirmed (409 period.closed); the open month takes it.
func TestFundMovementsInClosedMonths(t *testing.T) {
	c := newCast(t)
	s := c.s
	mv := "/api/v1/guarantee/fund/movements"
	body := func(on string) map[string]any {
		return map[string]any{"kind": "contribution", "amount": "100.00", "booked_on": on, "reference": "P-" + on}
	}
	early := s.Do("POST", mv, c.guar, body("2024-03-10"), "Idempotency-Key", "pc-1").Want(201).JSON()
	s.Do("POST", "/api/v1/periods/2024-03/close", c.auditor, nil).Want(200)
	s.Do("POST", mv, c.guar, body("2024-03-31"), "Idempotency-Key", "pc-2").WantProblem(409, "period.closed")
	s.Do("POST", mv+"/"+jsonID(early["id"])+"/confirm", c.guar2, nil, "Idempotency-Key", "pc-3").WantProblem(409, "period.closed")
	late := s.Do("POST", mv, c.guar, body("2024-04-01"), "Idempotency-Key", "pc-4").Want(201).JSON()
	s.Do("POST", mv+"/"+jsonID(late["id"])+"/confirm", c.guar2, nil, "Idempotency-Key", "pc-5").Want(200)
	if f := s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON(); f["balance"] != "100.00" {
		t.Fatalf("fund %v", f)
	}
}
