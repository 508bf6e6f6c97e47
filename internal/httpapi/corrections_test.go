package httpapi_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// beijingNoon is noon in Beijing on the day y-m-d.
func beijingNoon(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 4, 0, 0, 0, time.UTC)
}

// periodStates reads the accounting months as month → state (closed_month
// for a closed one).
func periodStates(t *testing.T, c *cast) (map[string]string, []string) {
	t.Helper()
	r := c.s.Do("GET", "/api/v1/periods?page_size=200", c.auditor, nil).Want(200).JSON()
	out := map[string]string{}
	var order []string
	for _, it := range r["items"].([]any) {
		m := it.(map[string]any)
		state := m["state"].(string)
		if state == "closed" {
			state += " by " + m["closed_month"].(string)
		}
		out[m["month"].(string)] = state
		order = append(order, m["month"].(string))
	}
	if int(r["total"].(float64)) != len(order) {
		t.Errorf("periods total %v, items %d", r["total"], len(order))
	}
	return out, order
}

// wantDetail wants a problem's detail to say every one of words.
func wantDetail(t *testing.T, r interface{ JSON() map[string]any }, words ...string) {
	t.Helper()
	d, _ := r.JSON()["detail"].(string)
	for _, w := range words {
		if !strings.Contains(d, w) {
			t.Errorf("the detail %q does not say %s", d, w)
		}
	}
}

// wantClosedRefusal wants a 409 period.closed whose detail names the month
// and the correction.
func wantClosedRefusal(t *testing.T, r interface{ JSON() map[string]any }, month string) {
	t.Helper()
	wantDetail(t, r, month, "已结账", "冲正")
}

// A finance auditor closes a month that has ended, and every month before
// it; nothing dated in a closed month is posted afterwards (disbursement,
// repayment, compensation, recovery), while the open months take postings.
func TestClosedMonthsRefusePostings(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	l := c.loan(t) // disbursed 2024-03-15
	id := jsonID(l["id"])

	states, order := periodStates(t, c)
	if strings.Join(order, " ") != "2024-07 2024-06 2024-05 2024-04 2024-03" {
		t.Fatalf("months %v, want July back to the first disbursement's March", order)
	}
	for m, st := range states {
		if st != "open" {
			t.Errorf("%s is %s before any close", m, st)
		}
	}

	s.Do("POST", "/api/v1/periods/2024-07/close", c.auditor, nil).WantProblem(409, "period.not_ended")
	s.Do("POST", "/api/v1/periods/2024-13/close", c.auditor, nil).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/periods/2024-04/close", c.bank, nil).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/periods/2024-04/close", c.admin, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/periods", c.bank, nil).WantProblem(403, "forbidden")
	got := s.Do("POST", "/api/v1/periods/2024-04/close", c.auditor, nil).Want(200).JSON()
	if got["state"] != "closed" || got["closed_month"] != "2024-04" || got["closed_by_name"] == "" {
		t.Fatalf("close answered %v", got)
	}
	states, _ = periodStates(t, c)
	for m, want := range map[string]string{"2024-03": "closed by 2024-04", "2024-04": "closed by 2024-04", "2024-05": "open", "2024-07": "open"} {
		if states[m] != want {
			t.Errorf("%s is %q, want %q", m, states[m], want)
		}
	}
	s.Do("POST", "/api/v1/periods/2024-03/close", c.auditor, nil).WantProblem(409, "period.closed")

	// A repayment dated in April is refused; in May it posts.
	rep := "/api/v1/loans/" + id + "/repayments"
	r := s.Do("POST", rep, c.bank, repayment("1000.00", "0.00", "2024-04-30", "PC-R1"), "Idempotency-Key", "pc-r1").WantProblem(409, "period.closed")
	wantClosedRefusal(t, r, "2024-04")
	if en := s.Do("POST", rep, c.bank, repayment("1000.00", "0.00", "2024-04-30", "PC-R1"), "Idempotency-Key", "pc-r1b", "Accept-Language", "en").
		WantProblem(409, "period.closed").JSON()["detail"].(string); !strings.Contains(en, "paid_on 2024-04-30 is in the accounting month 2024-04") {
		t.Errorf("English detail %q", en)
	}
	s.Do("POST", rep, c.bank, repayment("1000.00", "0.00", "2024-05-02", "PC-R2"), "Idempotency-Key", "pc-r2").Want(201)
	if got := s.Do("GET", "/api/v1/loans/"+id, c.bank, nil).Want(200).JSON(); got["outstanding_principal"] != "199000.00" || len(got["repayments"].([]any)) != 1 {
		t.Errorf("after one refused and one posted repayment: %v outstanding, %d repayments", got["outstanding_principal"], len(got["repayments"].([]any)))
	}

	// A disbursement dated in April is refused and leaves nothing behind.
	app := c.application(t, c.owner, "approved")
	disb := "/api/v1/applications/" + app + "/disbursement"
	wantClosedRefusal(t, s.Do("POST", disb, c.bank2, disbursement("200000.00", "2024-04-01", "PC-D1"), "Idempotency-Key", "pc-d1").WantProblem(409, "period.closed"), "2024-04")
	if a := s.Do("GET", "/api/v1/applications/"+app, c.bank, nil).Want(200).JSON(); a["status"] != "approved" {
		t.Errorf("application after the refused disbursement: %v", a["status"])
	}
	if n := s.Do("GET", "/api/v1/loans", c.auditor, nil).Want(200).JSON()["total"].(float64); n != 1 {
		t.Errorf("%v loans after the refused disbursement, want 1", n)
	}
	s.Do("POST", disb, c.bank2, disbursement("200000.00", "2024-05-06", "PC-D2"), "Idempotency-Key", "pc-d2").Want(201)

	// The loan falls overdue on 21 June (the interest due on 20 June
	// unpaid); June closed, a compensation dated in June is refused.
	if _, err := s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 7, 1)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/periods/2024-06/close", c.auditor, nil).Want(200)
	comp := "/api/v1/loans/" + id + "/compensation"
	wantClosedRefusal(t, s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "2024-06-25"}).WantProblem(409, "period.closed"), "2024-06")
	s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "2024-07-02"}).Want(200)

	// In August, July closed: a recovery dated in July is refused.
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 8, 5) })
	s.Do("POST", "/api/v1/periods/2024-07/close", c.auditor, nil).Want(200)
	rec := "/api/v1/loans/" + id + "/recoveries"
	wantClosedRefusal(t, s.Do("POST", rec, c.guar, map[string]any{"amount": "100.00", "recovered_on": "2024-07-20"}).WantProblem(409, "period.closed"), "2024-07")
	s.Do("POST", rec, c.guar, map[string]any{"amount": "100.00", "recovered_on": "2024-08-01"}).Want(201)
	if got := s.Do("GET", "/api/v1/loans/"+id, c.guar, nil).Want(200).JSON(); got["recovered"] != "100.00" {
		t.Errorf("recovered %v after one refused and one posted recovery, want 100.00", got["recovered"])
	}

	states, order = periodStates(t, c)
	if order[0] != "2024-08" || states["2024-08"] != "open" || states["2024-05"] != "closed by 2024-06" || states["2024-07"] != "closed by 2024-07" {
		t.Errorf("months after three closes: %v", states)
	}
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=period", c.auditor, nil).Want(200).JSON()["total"].(float64); n != 3 {
		t.Errorf("%v audit events of closes, want 3", n)
	}
}

// propose proposes a reversal as token and returns its id.
func propose(t *testing.T, c *cast, token string, body map[string]any) string {
	t.Helper()
	r := c.s.Do("POST", "/api/v1/reversals", token, body).Want(201).JSON()
	if r["status"] != "proposed" {
		t.Fatalf("proposal answered %v", r)
	}
	return jsonID(r["id"])
}

// loanFigures is everything a loan shows that a reversal must restate: the
// loan's balance and status, its schedule, its statement today and its
// subsidy table.
func loanFigures(t *testing.T, c *cast, id string) map[string]any {
	t.Helper()
	l := c.s.Do("GET", "/api/v1/loans/"+id, c.auditor, nil).Want(200).JSON()
	out := map[string]any{}
	for _, k := range []string{"status", "outstanding_principal", "days_overdue", "overdue_since", "ever_overdue", "settled_on", "recovered"} {
		out[k] = l[k]
	}
	if comp, ok := l["compensation"].(map[string]any); ok {
		out["fund_recovered"], out["bank_recovered"] = comp["fund_recovered"], comp["bank_recovered"]
	}
	out["schedule"] = c.s.Do("GET", "/api/v1/loans/"+id+"/schedule", c.auditor, nil).Want(200).JSON()
	out["statement"] = c.s.Do("GET", "/api/v1/loans/"+id+"/statement", c.auditor, nil).Want(200).JSON()
	out["subsidy"] = c.s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.auditor, nil).Want(200).JSON()
	return out
}

// wantSameFigures wants the reversed loan's figures to be those of its twin,
// which only ever had the postings that stand.
func wantSameFigures(t *testing.T, c *cast, reversed, twin string) {
	t.Helper()
	got, want := loanFigures(t, c, reversed), loanFigures(t, c, twin)
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("after the reversal %s is\n  %v\nbut recomputed from the postings that stand it is\n  %v", k, got[k], v)
		}
	}
}

// compensatedLoan is a loan of the cast gone overdue in the daily job of 1
// July 2024 and compensated on 2 July, with the loans' clock at 10 August
// 2024; it answers the loan's id.
func compensatedLoan(t *testing.T, c *cast) string {
	t.Helper()
	c.s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 8, 10) })
	d := jsonID(c.loan(t)["id"])
	if _, err := c.s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 7, 1)); err != nil {
		t.Fatal(err)
	}
	c.s.Do("POST", "/api/v1/loans/"+d+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-02"}).Want(200)
	return d
}

func portfolio(t *testing.T, c *cast, asOf string) map[string]any {
	t.Helper()
	return c.s.Do("GET", "/api/v1/reports/portfolio?as_of="+asOf, c.auditor, nil).Want(200).JSON()
}

// A repayment reversed: proposed by one bank officer, confirmed by another
// of the loan's bank, it posts today in the open month. The settled loan is
// open again (overdue: the interest due on 20 June is not paid in full), and
// its every figure is that of a twin loan that only had the repayment that
// stands; the portfolio counts the reversal on its own day, so the closed
// June keeps its figures.
func TestRepaymentReversalRestatesTheLoan(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	a, b := jsonID(c.loan(t)["id"]), jsonID(c.loan(t)["id"])
	s.Do("POST", "/api/v1/loans/"+a+"/repayments", c.bank, repayment("50000.00", "900.00", "2024-05-10", "A-R1"), "Idempotency-Key", "a-r1").Want(201)
	r2 := s.Do("POST", "/api/v1/loans/"+a+"/repayments", c.bank, repayment("150000.00", "500.00", "2024-06-15", "A-R2"), "Idempotency-Key", "a-r2").Want(201).JSON()
	s.Do("POST", "/api/v1/loans/"+b+"/repayments", c.bank, repayment("50000.00", "900.00", "2024-05-10", "B-R1"), "Idempotency-Key", "b-r1").Want(201)
	if st := r2["loan"].(map[string]any)["status"]; st != "settled" {
		t.Fatalf("loan after the second repayment: %v", st)
	}
	r2id := jsonID(r2["repayment"].(map[string]any)["id"])
	s.Do("POST", "/api/v1/periods/2024-06/close", c.auditor, nil).Want(200)

	body := map[string]any{"kind": "repayment", "id": mustAtoi(t, r2id), "reason": "入账金额有误"}
	s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "repayment", "id": mustAtoi(t, r2id)}).WantProblem(422, "validation_failed")
	s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "disbursement", "id": mustAtoi(t, a), "reason": "x"}).WantProblem(409, "reversal.depends")
	s.Do("POST", "/api/v1/reversals", c.bankOther, body).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/reversals", c.guar, body).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reversals", c.auditor, body).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "repayment", "id": 999999, "reason": "x"}).WantProblem(404, "not_found")
	rev := propose(t, c, c.bank, body)
	s.Do("POST", "/api/v1/reversals", c.bank2, body).WantProblem(409, "reversal.pending")
	if l := s.Do("GET", "/api/v1/loans/"+a, c.bank, nil).Want(200).JSON(); l["status"] != "settled" || l["outstanding_principal"] != "0.00" {
		t.Fatalf("a proposal moved the loan: %v %v", l["status"], l["outstanding_principal"])
	}
	if got := s.Do("GET", "/api/v1/reversals?status=proposed", c.bank2, nil).Want(200).JSON(); got["total"] != 1.0 {
		t.Errorf("the bank's proposed reversals: %v", got)
	}
	if got := s.Do("GET", "/api/v1/reversals", c.bankOther, nil).Want(200).JSON(); got["total"] != 0.0 {
		t.Errorf("another bank sees %v reversals", got["total"])
	}
	s.Do("GET", "/api/v1/reversals", c.owner, nil).WantProblem(403, "forbidden")
	// It waits for the other bank officers, not for its proposer nor for the
	// district's guarantee officers.
	for who, want := range map[string]int{c.bank2: 1, c.bank: 0, c.guar: 0} {
		if got, _ := counts(t, s, who); got["reversals_to_confirm"] != want {
			t.Errorf("reversals to confirm: %d, want %d", got["reversals_to_confirm"], want)
		}
	}

	confirm := "/api/v1/reversals/" + rev + "/confirm"
	s.Do("POST", confirm, c.bank, nil).WantProblem(403, "four_eyes")
	s.Do("POST", confirm, c.bankOther, nil).WantProblem(404, "not_found")
	s.Do("POST", confirm, c.guar, nil).WantProblem(403, "forbidden")
	got := s.Do("POST", confirm, c.bank2, nil).Want(200).JSON()
	r := got["reversal"].(map[string]any)
	if r["status"] != "confirmed" || r["posted_on"] != "2024-07-10" || r["original_on"] != "2024-06-15" || r["amount"] != "150000.00" {
		t.Errorf("confirmed reversal %v", r)
	}
	l := got["loan"].(map[string]any)
	// The borrower's interest due on 20 June (0.01975 after the subsidy):
	// 200,000.00 × 0.01975 × 56 / 360 (15 March to 10 May) + 150,000.00 ×
	// 0.01975 × 41 / 360 (to 20 June) ≈ 614.44 + 337.40 = 951.84; with only
	// 900.00 paid the loan is overdue since 21 June.
	if l["status"] != "overdue" || l["outstanding_principal"] != "150000.00" || l["settled_on"] != nil || l["overdue_since"] != "2024-06-21" {
		t.Errorf("loan after the reversal: status %v, outstanding %v, settled_on %v, overdue_since %v", l["status"], l["outstanding_principal"], l["settled_on"], l["overdue_since"])
	}
	reps := l["repayments"].([]any)
	if len(reps) != 2 || reps[0].(map[string]any)["reversed_by"] != nil || jsonID(reps[1].(map[string]any)["reversed_by"]) != rev {
		t.Errorf("repayments after the reversal: %v", reps)
	}
	s.Do("POST", confirm, c.bank2, nil).WantProblem(409, "reversal.invalid_state")
	s.Do("POST", "/api/v1/reversals/"+rev+"/reject", c.bank2, nil).WantProblem(409, "reversal.invalid_state")
	s.Do("POST", "/api/v1/reversals", c.bank2, body).WantProblem(409, "reversal.already_reversed")

	if _, err := s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 7, 10)); err != nil {
		t.Fatal(err)
	}
	wantSameFigures(t, c, a, b)
	assertSummariesMatchLoans(t, s)
	// Today both loans owe 150,000.00; on 30 June (closed) A's repayment
	// still stood.
	if p := portfolio(t, c, "2024-07-10"); p["repaid"] != "100000.00" || p["outstanding"] != "300000.00" {
		t.Errorf("portfolio today: repaid %v, outstanding %v", p["repaid"], p["outstanding"])
	}
	if p := portfolio(t, c, "2024-06-30"); p["repaid"] != "250000.00" || p["outstanding"] != "150000.00" {
		t.Errorf("portfolio of the closed June: repaid %v, outstanding %v", p["repaid"], p["outstanding"])
	}
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=loan&entity_id="+a, c.auditor, nil).Want(200).JSON()["items"].([]any); n[0].(map[string]any)["action"] != "loan.reverse_repayment" {
		t.Errorf("latest audit event of the loan: %v", n[0])
	}

	// A rejected proposal moves nothing and leaves the repayment reversible.
	r1 := jsonID(reps[0].(map[string]any)["id"])
	other := propose(t, c, c.bank, map[string]any{"kind": "repayment", "id": mustAtoi(t, r1), "reason": "试一下"})
	if got := s.Do("POST", "/api/v1/reversals/"+other+"/reject", c.bank2, map[string]any{"comment": "原记录无误"}).Want(200).JSON(); got["status"] != "rejected" || got["comment"] != "原记录无误" {
		t.Errorf("rejected: %v", got)
	}
	if l := s.Do("GET", "/api/v1/loans/"+a, c.bank, nil).Want(200).JSON(); l["outstanding_principal"] != "150000.00" {
		t.Errorf("a rejected reversal moved the loan to %v", l["outstanding_principal"])
	}
	propose(t, c, c.bank, map[string]any{"kind": "repayment", "id": mustAtoi(t, r1), "reason": "确实有误"})
}

// Eight officers confirm the same reversal at once: it posts exactly once.
func TestConcurrentConfirmsReverseOnce(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	bank3 := s.User("bank3", "bank_officer", "", apptest.Bank)
	id := jsonID(c.loan(t)["id"])
	rep := s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("10000.00", "0.00", "2024-05-10", "CC-R1"), "Idempotency-Key", "cc-r1").Want(201).JSON()
	rev := propose(t, c, c.bank, map[string]any{"kind": "repayment", "id": rep["repayment"].(map[string]any)["id"], "reason": "重复"})
	const n = 8
	answers := make([]rawAnswer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := c.bank2
			if i%2 == 1 {
				token = bank3
			}
			answers[i] = rawPost(s.URL+"/api/v1/reversals/"+rev+"/confirm", token, "", nil)
		}()
	}
	wg.Wait()
	confirmed := 0
	for _, a := range answers {
		switch {
		case a.err != nil:
			t.Fatal(a.err)
		case a.status == 200:
			confirmed++
		case a.status != 409:
			t.Fatalf("status %d: %s", a.status, a.body)
		}
	}
	if confirmed != 1 {
		t.Fatalf("%d confirmations answered 200, want 1", confirmed)
	}
	if l := s.Do("GET", "/api/v1/loans/"+id, c.bank, nil).Want(200).JSON(); l["outstanding_principal"] != "200000.00" {
		t.Errorf("outstanding %v after the reversal of 10,000.00, want 200000.00", l["outstanding_principal"])
	}
	events := s.Do("GET", "/api/v1/audit-events?entity_type=reversal&entity_id="+rev, c.auditor, nil).Want(200).JSON()
	if events["total"] != 2.0 {
		t.Errorf("%v audit events of the reversal, want the proposal and one confirmation", events["total"])
	}
	assertSummariesMatchLoans(t, s)
}

// A recovery reversed by a second guarantee officer: the compensated loan's
// recovered figures, each side's share and the fund's exposure are those of
// a twin that only had the recovery that stands.
func TestRecoveryReversalRestatesTheShares(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	d, e := jsonID(c.loan(t)["id"]), jsonID(c.loan(t)["id"])
	if _, err := s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 7, 1)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{d, e} {
		s.Do("POST", "/api/v1/loans/"+id+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-02"}).Want(200)
	}
	first := s.Do("POST", "/api/v1/loans/"+d+"/recoveries", c.guar, map[string]any{"amount": "50000.01", "recovered_on": "2024-07-03"}).Want(201).JSON()
	s.Do("POST", "/api/v1/loans/"+d+"/recoveries", c.guar, map[string]any{"amount": "29999.99", "recovered_on": "2024-07-05"}).Want(201)
	s.Do("POST", "/api/v1/loans/"+e+"/recoveries", c.guar, map[string]any{"amount": "29999.99", "recovered_on": "2024-07-05"}).Want(201)

	body := map[string]any{"kind": "recovery", "id": first["recovery"].(map[string]any)["id"], "reason": "款项退回"}
	s.Do("POST", "/api/v1/reversals", c.bank, body).WantProblem(403, "forbidden")
	rev := propose(t, c, c.guar, body)
	s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", c.guar, nil).WantProblem(403, "four_eyes")
	l := s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", c.guar2, nil).Want(200).JSON()["loan"].(map[string]any)
	// 29,999.99 stands: the fund's 80% is 23,999.992 → 23,999.99, the bank
	// 6,000.00.
	comp := l["compensation"].(map[string]any)
	if l["recovered"] != "29999.99" || comp["fund_recovered"] != "23999.99" || comp["bank_recovered"] != "6000.00" || l["status"] != "compensated" {
		t.Errorf("after the reversal: recovered %v, fund %v, bank %v, status %v", l["recovered"], comp["fund_recovered"], comp["bank_recovered"], l["status"])
	}
	wantSameFigures(t, c, d, e)
	// The fund's journal gives back what its recovered share shrank by:
	// 64,000.00 − 23,999.99 = 40,000.01, reversing the first recovery's posting.
	checkBooksAgree(t, s)
	rp := s.Do("GET", "/api/v1/guarantee/fund/journal?account=recoveries&from=2024-07-10", c.auditor, nil).Want(200).JSON()["items"].([]any)
	if len(rp) != 1 || rp[0].(map[string]any)["kind"] != "reversal" || rp[0].(map[string]any)["amount"] != "40000.01" || rp[0].(map[string]any)["reverses_id"] == nil {
		t.Errorf("the reversal in the fund's journal: %v", rp)
	}
	exposure := map[string]map[string]any{}
	for _, row := range s.Do("GET", "/api/v1/guarantee/exposure?group_by=loan", c.auditor, nil).Want(200).JSON()["rows"].([]any) {
		m := row.(map[string]any)
		exposure[jsonID(m["loan_id"])] = m
	}
	for _, k := range []string{"compensated", "recovered", "bank_compensated", "bank_recovered"} {
		if exposure[d][k] != exposure[e][k] {
			t.Errorf("exposure %s: reversed loan %v, twin %v", k, exposure[d][k], exposure[e][k])
		}
	}
	assertSummariesMatchLoans(t, s)
	if p := portfolio(t, c, "2024-07-10"); p["recovered"] != "59999.98" {
		t.Errorf("portfolio recovered %v, want 2 × 29,999.99", p["recovered"])
	}
	// The second recovery comes back on top of what stands.
	s.Do("POST", "/api/v1/loans/"+d+"/recoveries", c.guar, map[string]any{"amount": "50000.01", "recovered_on": "2024-07-10"}).Want(201)
	s.Do("POST", "/api/v1/loans/"+e+"/recoveries", c.guar, map[string]any{"amount": "50000.01", "recovered_on": "2024-07-10"}).Want(201)
	wantSameFigures(t, c, d, e)
	checkBooksAgree(t, s)
}

// A quarter's subsidy payment reversed by a second HRSS officer: the quarter
// is checked again (and can be paid again), the subsidy totals and the
// portfolio's subsidy paid follow, on the reversal's day.
func TestSubsidyPaymentReversal(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	id := jsonID(c.loan(t)["id"])
	q2 := "/api/v1/loans/" + id + "/subsidy/2024Q2/"
	s.Do("POST", q2+"claim", c.bank, nil).Want(200)
	s.Do("POST", q2+"check", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	s.Do("POST", q2+"pay", c.hrss2, nil).Want(200)

	s.Do("POST", "/api/v1/reversals", c.hrss, map[string]any{"kind": "subsidy_payment", "id": mustAtoi(t, id), "reason": "x"}).WantProblem(422, "validation_failed")
	s.Do("POST", "/api/v1/reversals", c.hrss, map[string]any{"kind": "subsidy_payment", "id": mustAtoi(t, id), "period": "2024Q3", "reason": "x"}).WantProblem(409, "subsidy.invalid_state")
	body := map[string]any{"kind": "subsidy_payment", "id": mustAtoi(t, id), "period": "2024Q2", "reason": "拨付账户有误"}
	s.Do("POST", "/api/v1/reversals", c.bank, body).WantProblem(403, "forbidden")
	rev := propose(t, c, c.hrss, body)
	s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", c.hrss, nil).WantProblem(403, "four_eyes")
	got := s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", c.hrss2, nil).Want(200).JSON()["reversal"].(map[string]any)
	if got["amount"] != "1064.31" || got["period"] != "2024Q2" || got["original_on"] != "2024-07-10" {
		t.Errorf("reversal %v", got)
	}
	items := s.Do("GET", "/api/v1/loans/"+id+"/subsidy", c.owner, nil).Want(200).JSON()["items"].([]any)
	if q := items[0].(map[string]any); q["status"] != "checked" || q["subsidy"] != "1064.31" {
		t.Errorf("2024Q2 after the reversal: %v", q)
	}
	tot := s.Do("GET", "/api/v1/subsidies?period=2024Q2", c.auditor, nil).Want(200).JSON()["total"].(map[string]any)
	if tot["paid"] != "0.00" || tot["subsidy"] != "1064.31" {
		t.Errorf("2024Q2 totals after the reversal: %v", tot)
	}
	if p := portfolio(t, c, "2024-07-10"); p["subsidy_paid"] != "0.00" {
		t.Errorf("portfolio subsidy paid %v after the reversal", p["subsidy_paid"])
	}
	assertSummariesMatchLoans(t, s)
	s.Do("POST", q2+"pay", c.hrss2, nil).Want(200)
	if p := portfolio(t, c, "2024-07-10"); p["subsidy_paid"] != "1064.31" {
		t.Errorf("portfolio subsidy paid %v after paying again", p["subsidy_paid"])
	}
	assertSummariesMatchLoans(t, s)
}

// A legacy loan disbursed in a closed month is not imported: its row names
// disbursed_on and nothing is imported; in an open month it is.
func TestLegacyImportRespectsClosedMonths(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	s.Do("POST", "/api/v1/periods/2024-05/close", c.auditor, nil).Want(200)
	r := importLegacy(s, c.admin, legacyHeader+legacyLine("PC-I1", 41, "college_graduate", apptest.District, "100000.00", "2024-05-31")+
		legacyLine("PC-I2", 43, "college_graduate", apptest.District, "100000.00", "2024-06-01")).WantProblem(422, "validation_failed")
	if f := r.FieldErrors(); len(f) != 1 || f[0] != "disbursed_on" || !strings.Contains(r.JSON()["detail"].(string), "2024-05") {
		t.Errorf("import refused with %v: %s", f, r.JSON()["detail"])
	}
	if n := s.Do("GET", "/api/v1/loans", c.auditor, nil).Want(200).JSON()["total"].(float64); n != 0 {
		t.Errorf("%v loans imported from a refused file", n)
	}
	importLegacy(s, c.admin, legacyHeader+legacyLine("PC-I2", 43, "college_graduate", apptest.District, "100000.00", "2024-06-01")).Want(200)
}

// A compensation reversed by a second guarantee officer, once its recovery
// is reversed: the loan is the bank's again, overdue as its twin that was
// never compensated, the fund's share comes back to its account in the
// journal, the exposure forgets it, and the portfolio takes it back on the
// reversal's day, so the closed July keeps its compensation.
func TestCompensationReversalRestatesTheLoan(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 8, 10) })
	d, e := jsonID(c.loan(t)["id"]), jsonID(c.loan(t)["id"])
	if _, err := s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 7, 1)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/loans/"+d+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-02"}).Want(200)
	rec := s.Do("POST", "/api/v1/loans/"+d+"/recoveries", c.guar, map[string]any{"amount": "10000.00", "recovered_on": "2024-07-05"}).Want(201).JSON()
	s.Do("POST", "/api/v1/periods/2024-07/close", c.auditor, nil).Want(200)

	body := map[string]any{"kind": "compensation", "id": mustAtoi(t, d), "reason": "逾期认定有误，银行已收回欠息"}
	s.Do("POST", "/api/v1/reversals", c.bank, body).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reversals", c.guarOther, body).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/reversals", c.guar, map[string]any{"kind": "compensation", "id": mustAtoi(t, e), "reason": "x"}).WantProblem(409, "loan.invalid_state")
	s.Do("POST", "/api/v1/reversals", c.guar, body).WantProblem(409, "reversal.depends")
	recRev := propose(t, c, c.guar, map[string]any{"kind": "recovery", "id": rec["recovery"].(map[string]any)["id"], "reason": "款项退回"})
	s.Do("POST", "/api/v1/reversals/"+recRev+"/confirm", c.guar2, nil).Want(200)

	rev := propose(t, c, c.guar, body)
	if r := s.Do("GET", "/api/v1/reversals?kind=compensation", c.guar2, nil).Want(200).JSON()["items"].([]any)[0].(map[string]any); r["amount"] != "200000.00" ||
		r["fund_amount"] != "160000.00" || r["original_on"] != "2024-07-02" || jsonID(r["target_id"]) != d {
		t.Errorf("proposed reversal %v", r)
	}
	if got, _ := counts(t, s, c.guar2); got["reversals_to_confirm"] != 1 {
		t.Errorf("reversals for the second guarantee officer to confirm: %d", got["reversals_to_confirm"])
	}
	confirm := "/api/v1/reversals/" + rev + "/confirm"
	s.Do("POST", confirm, c.guar, nil).WantProblem(403, "four_eyes")
	s.Do("POST", confirm, c.guarOther, nil).WantProblem(404, "not_found")
	s.Do("POST", confirm, c.bank2, nil).WantProblem(403, "forbidden")
	got := s.Do("POST", confirm, c.guar2, nil).Want(200).JSON()
	if r := got["reversal"].(map[string]any); r["status"] != "confirmed" || r["posted_on"] != "2024-08-10" {
		t.Errorf("confirmed reversal %v", r)
	}
	l := got["loan"].(map[string]any)
	if l["status"] != "overdue" || l["outstanding_principal"] != "200000.00" || l["compensation"] != nil || l["recovered"] != "0.00" {
		t.Errorf("loan after the reversal: status %v, outstanding %v, compensation %v, recovered %v", l["status"], l["outstanding_principal"], l["compensation"], l["recovered"])
	}
	s.Do("POST", confirm, c.guar2, nil).WantProblem(409, "reversal.invalid_state")
	s.Do("POST", "/api/v1/reversals", c.guar2, body).WantProblem(409, "loan.invalid_state")
	if _, err := s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 8, 10)); err != nil {
		t.Fatal(err)
	}
	wantSameFigures(t, c, d, e)

	// The journal: the fund's 160,000.00 back, reversing the compensation's
	// posting; the balance is where it was before the compensation.
	checkBooksAgree(t, s)
	cp := s.Do("GET", "/api/v1/guarantee/fund/journal?account=compensation_paid&from=2024-08-10", c.auditor, nil).Want(200).JSON()["items"].([]any)
	if len(cp) != 1 || cp[0].(map[string]any)["kind"] != "reversal" || cp[0].(map[string]any)["amount"] != "160000.00" ||
		cp[0].(map[string]any)["debit_account"] != "bank_deposit" || cp[0].(map[string]any)["reverses_id"] == nil {
		t.Errorf("the reversal in the fund's journal: %v", cp)
	}
	f := s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON()
	if a := accounts(f); a["bank_deposit"] != "0.00" || a["compensation_paid"] != "0.00" || a["recoveries"] != "0.00" {
		t.Errorf("fund accounts after the reversal %v", a)
	}
	wantFigures(t, "fund", f, map[string]string{"loans_outstanding": "400000.00"})
	if rows := s.Do("GET", "/api/v1/guarantee/exposure?group_by=loan", c.auditor, nil).Want(200).JSON()["rows"].([]any); len(rows) != 0 {
		t.Errorf("exposure per compensated loan after the reversal: %v", rows)
	}
	exp := s.Do("GET", "/api/v1/guarantee/exposure", c.auditor, nil).Want(200).JSON()["total"].(map[string]any)
	wantFigures(t, "exposure", exp, map[string]string{"compensated": "0.00", "recovered": "0.00", "bank_compensated": "0.00"})

	assertSummariesMatchLoans(t, s)
	if p := portfolio(t, c, "2024-07-31"); p["compensated"] != "200000.00" || p["fund_paid"] != "160000.00" || p["compensated_loans"] != 1.0 {
		t.Errorf("portfolio of the closed July: compensated %v, fund paid %v, loans %v", p["compensated"], p["fund_paid"], p["compensated_loans"])
	}
	if p := portfolio(t, c, "2024-08-10"); p["compensated"] != "0.00" || p["fund_paid"] != "0.00" || p["compensated_loans"] != 0.0 || p["outstanding"] != "400000.00" {
		t.Errorf("portfolio today: compensated %v, fund paid %v, loans %v, outstanding %v", p["compensated"], p["fund_paid"], p["compensated_loans"], p["outstanding"])
	}
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=loan&entity_id="+d, c.auditor, nil).Want(200).JSON()["items"].([]any); n[0].(map[string]any)["action"] != "loan.reverse_compensation" {
		t.Errorf("latest audit event of the loan: %v", n[0])
	}

	// Compensated again, in the open month: the books and summaries agree,
	// and this compensation can be reversed too (once at a time).
	s.Do("POST", "/api/v1/loans/"+d+"/compensation", c.guar, map[string]any{"compensated_on": "2024-08-10"}).Want(200)
	checkBooksAgree(t, s)
	assertSummariesMatchLoans(t, s)
	again := propose(t, c, c.guar2, body)
	s.Do("POST", "/api/v1/reversals", c.guar, body).WantProblem(409, "reversal.pending")
	if l := s.Do("POST", "/api/v1/reversals/"+again+"/confirm", c.guar, nil).Want(200).JSON()["loan"].(map[string]any); l["status"] != "overdue" || l["compensation"] != nil {
		t.Errorf("after the second reversal: %v %v", l["status"], l["compensation"])
	}
	wantSameFigures(t, c, d, e)
	checkBooksAgree(t, s)
	assertSummariesMatchLoans(t, s)
	if p := portfolio(t, c, "2024-08-10"); p["compensated"] != "0.00" || p["fund_paid"] != "0.00" {
		t.Errorf("portfolio after the second reversal: compensated %v, fund paid %v", p["compensated"], p["fund_paid"])
	}
}

// A reversal of a compensation proposed before a recovery was recorded is
// refused at its confirmation: the recovery stands on it.
func TestCompensationReversalRefusedOnceARecoveryStands(t *testing.T) {
	c := newCast(t)
	s := c.s
	d := compensatedLoan(t, c)
	rev := propose(t, c, c.guar, map[string]any{"kind": "compensation", "id": mustAtoi(t, d), "reason": "误代偿"})
	s.Do("POST", "/api/v1/loans/"+d+"/recoveries", c.guar, map[string]any{"amount": "10000.00", "recovered_on": "2024-08-01"}).Want(201)
	s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", c.guar2, nil).WantProblem(409, "reversal.depends")
	if l := s.Do("GET", "/api/v1/loans/"+d, c.guar, nil).Want(200).JSON(); l["status"] != "compensated" || l["recovered"] != "10000.00" {
		t.Errorf("a refused confirmation moved the loan: %v %v", l["status"], l["recovered"])
	}
	checkBooksAgree(t, s)
	assertSummariesMatchLoans(t, s)
}
