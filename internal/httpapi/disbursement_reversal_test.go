package httpapi_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wantDepends wants a 409 reversal.depends whose Chinese detail names what
// to reverse first.
func wantDepends(t *testing.T, r interface{ JSON() map[string]any }, what string) {
	t.Helper()
	wantDetail(t, r, what, "先")
}

// reverse proposes the reversal of body as proposer and confirms it as
// confirmer.
func reverse(t *testing.T, c *cast, proposer, confirmer string, body map[string]any) {
	t.Helper()
	rev := propose(t, c, proposer, body)
	c.s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", confirmer, nil).Want(200)
}

// A disbursement reversed (冲正放款): proposed by a bank officer of the
// loan's bank and confirmed by another, refused while a repayment, a
// subsidy claim or an extension stands on the loan (when proposed and when
// confirmed). Confirmed, the loan is cancelled, its application is approved
// again and disbursed anew under the same bank reference; the summaries take
// the loan off on the reversal's day, so the closed June keeps its figures.
func TestDisbursementReversalCancelsTheLoan(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	al := c.loan(t)
	c.loan(t) // B, which stands throughout
	a, app := jsonID(al["id"]), jsonID(al["application_id"])
	number := al["number"]
	r1 := s.Do("POST", "/api/v1/loans/"+a+"/repayments", c.bank, repayment("50000.00", "900.00", "2024-05-10", "A-R1"), "Idempotency-Key", "a-r1").Want(201).JSON()
	s.Do("POST", "/api/v1/periods/2024-06/close", c.auditor, nil).Want(200)

	body := map[string]any{"kind": "disbursement", "id": mustAtoi(t, a), "reason": "放款金额录入错误"}
	s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "disbursement", "id": mustAtoi(t, a)}).WantProblem(422, "validation_failed")
	s.Do("POST", "/api/v1/reversals", c.bankOther, body).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/reversals", c.guar, body).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reversals", c.auditor, body).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reversals", c.owner, body).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "disbursement", "id": 999999, "reason": "x"}).WantProblem(404, "not_found")

	// What stands on the loan is dealt with first: the repayment reversed,
	// the subsidy claim refused, the extension rejected.
	wantDepends(t, s.Do("POST", "/api/v1/reversals", c.bank, body).WantProblem(409, "reversal.depends"), "还款")
	reverse(t, c, c.bank, c.bank2, map[string]any{"kind": "repayment", "id": r1["repayment"].(map[string]any)["id"], "reason": "随放款一并冲正"})
	q2 := "/api/v1/loans/" + a + "/subsidy/2024Q2/"
	s.Do("POST", q2+"claim", c.bank, nil).Want(200)
	wantDepends(t, s.Do("POST", "/api/v1/reversals", c.bank, body).WantProblem(409, "reversal.depends"), "贴息")
	s.Do("POST", q2+"check", c.hrss, map[string]any{"decision": "refuse", "reason": "放款有误"}).Want(200)
	ext := s.Do("POST", "/api/v1/loans/"+a+"/extensions", c.bank, map[string]any{"new_maturity": "2026-06-15", "reason": "回款推迟"}).Want(201).JSON()
	wantDepends(t, s.Do("POST", "/api/v1/reversals", c.bank, body).WantProblem(409, "reversal.depends"), "展期")
	eid := jsonID(ext["extension"].(map[string]any)["id"])
	s.Do("POST", "/api/v1/loans/"+a+"/extensions/"+eid+"/reject", c.guar, map[string]any{"reason": "放款有误"}).Want(200)

	// A repayment recorded after the proposal is refused at the confirmation.
	first := propose(t, c, c.bank, body)
	s.Do("POST", "/api/v1/reversals", c.bank2, body).WantProblem(409, "reversal.pending")
	r2 := s.Do("POST", "/api/v1/loans/"+a+"/repayments", c.bank, repayment("10000.00", "0.00", "2024-07-05", "A-R2"), "Idempotency-Key", "a-r2").Want(201).JSON()
	wantDepends(t, s.Do("POST", "/api/v1/reversals/"+first+"/confirm", c.bank2, nil).WantProblem(409, "reversal.depends"), "还款")
	s.Do("POST", "/api/v1/reversals/"+first+"/reject", c.bank, map[string]any{"comment": "先冲正还款"}).Want(200)
	reverse(t, c, c.bank, c.bank2, map[string]any{"kind": "repayment", "id": r2["repayment"].(map[string]any)["id"], "reason": "随放款一并冲正"})

	rev := propose(t, c, c.bank, body)
	if got, _ := counts(t, s, c.bank2); got["reversals_to_confirm"] != 1 {
		t.Errorf("reversals for the second bank officer to confirm: %d", got["reversals_to_confirm"])
	}
	confirm := "/api/v1/reversals/" + rev + "/confirm"
	s.Do("POST", confirm, c.bank, nil).WantProblem(403, "four_eyes")
	s.Do("POST", confirm, c.bankOther, nil).WantProblem(404, "not_found")
	s.Do("POST", confirm, c.guar, nil).WantProblem(403, "forbidden")
	got := s.Do("POST", confirm, c.bank2, nil).Want(200).JSON()
	wantFields(t, "confirmed reversal", got["reversal"].(map[string]any), map[string]any{"kind": "disbursement", "status": "confirmed",
		"posted_on": "2024-07-10", "original_on": "2024-03-15", "amount": "200000.00"})
	wantFields(t, "cancelled loan", got["loan"].(map[string]any), map[string]any{"status": "cancelled", "outstanding_principal": "0.00", "number": number})
	s.Do("POST", confirm, c.bank2, nil).WantProblem(409, "reversal.invalid_state")
	s.Do("POST", "/api/v1/reversals", c.bank2, body).WantProblem(409, "reversal.already_reversed")

	// The application is approved again, its history says why.
	ap := s.Do("GET", "/api/v1/applications/"+app, c.bank, nil).Want(200).JSON()
	hist := ap["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	if ap["status"] != "approved" || last["action"] != "reverse_disbursement" || last["from_status"] != "disbursed" ||
		last["to_status"] != "approved" || last["comment"] != "放款金额录入错误" {
		t.Errorf("application after the reversal: %v, last history entry %v", ap["status"], last)
	}
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=loan&entity_id="+a, c.auditor, nil).Want(200).JSON()["items"].([]any); n[0].(map[string]any)["action"] != "loan.reverse_disbursement" {
		t.Errorf("latest audit event of the loan: %v", n[0])
	}
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+app, c.auditor, nil).Want(200).JSON()["items"].([]any); n[0].(map[string]any)["action"] != "application.reverse_disbursement" {
		t.Errorf("latest audit event of the application: %v", n[0])
	}
	inbox, _ := json.Marshal(s.Do("GET", "/api/v1/notifications", c.owner, nil).Want(200).JSON())
	if !strings.Contains(string(inbox), "放款已冲正") {
		t.Errorf("the borrower was not told of the reversal: %s", inbox)
	}
	if l := s.Do("GET", "/api/v1/loans?status=cancelled", c.bank, nil).Want(200).JSON(); l["total"] != 1.0 {
		t.Errorf("cancelled loans: %v", l["total"])
	}
	if _, err := s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 7, 10)); err != nil {
		t.Fatal(err)
	}
	if l := s.Do("GET", "/api/v1/loans/"+a, c.bank, nil).Want(200).JSON(); l["status"] != "cancelled" {
		t.Errorf("the daily job moved the cancelled loan to %v", l["status"])
	}

	// The fund: only B is outstanding, and the application, approved again,
	// is committed again.
	wantFigures(t, "fund", s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON(),
		map[string]string{"loans_outstanding": "200000.00", "committed": "200000.00", "guaranteed_outstanding": "400000.00"})

	// The summaries, by hand: up to 9 July both loans of 200,000.00 stand,
	// with A's repayments of 50,000.00 (10 May) and 10,000.00 (5 July) that
	// were reversed on 10 July; from 10 July only B. The closed June keeps
	// its figures.
	assertSummariesMatchLoans(t, s)
	for asOf, want := range map[string]map[string]string{
		"2024-06-30": {"disbursed": "400000.00", "repaid": "50000.00", "outstanding": "350000.00"},
		"2024-07-09": {"disbursed": "400000.00", "repaid": "60000.00", "outstanding": "340000.00"},
		"2024-07-10": {"disbursed": "200000.00", "repaid": "0.00", "outstanding": "200000.00"},
	} {
		p := portfolio(t, c, asOf)
		wantFigures(t, "portfolio of "+asOf, p, want)
		if n := map[string]float64{"2024-06-30": 2, "2024-07-09": 2, "2024-07-10": 1}[asOf]; p["loans"] != n {
			t.Errorf("portfolio of %s: %v loans, want %v", asOf, p["loans"], n)
		}
		// Neither loan matures before 2026: the cancelled one leaves the
		// maturities on its own maturity day, not before.
		if p["matured_loans"] != 0.0 || p["matured_principal"] != "0.00" {
			t.Errorf("portfolio of %s: %v matured loans of %v", asOf, p["matured_loans"], p["matured_principal"])
		}
	}
	disb := func(to string) map[string]any {
		return s.Do("GET", "/api/v1/reports/disbursements?from=2024-01-01&to="+to+"&group_by=month", c.auditor, nil).Want(200).JSON()
	}
	wantFigures(t, "disbursements to 9 July", disb("2024-07-09")["total"].(map[string]any), map[string]string{"amount": "400000.00"})
	d := disb("2024-07-10")
	wantFigures(t, "disbursements to 10 July", d["total"].(map[string]any), map[string]string{"amount": "200000.00"})
	if rows := d["rows"].([]any); len(rows) != 2 || rows[1].(map[string]any)["amount"] != "-200000.00" || rows[1].(map[string]any)["loans"] != -1.0 {
		t.Errorf("disbursements by month to 10 July: %v", rows)
	}
	if p := s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-07-10", c.auditor, nil).Want(200).JSON()["total"].(map[string]any); p["loans"] != 1.0 || p["amount"] != "200000.00" {
		t.Errorf("progress through 10 July: %v", p)
	}
	// The awards' fund on 31 December 2024: B's loan, and the application
	// approved again as a commitment (the cancelled loan is neither).
	wantFigures(t, "awards' fund", s.Do("GET", "/api/v1/reports/awards?year=2024", c.auditor, nil).Want(200).JSON()["fund"].(map[string]any),
		map[string]string{"loans_outstanding": "200000.00", "committed": "200000.00"})
	risk := s.Do("GET", "/api/v1/guarantee/risk", c.guar, nil).Want(200).JSON()["banks"].([]any)[0].(map[string]any)
	wantFigures(t, "risk", risk, map[string]string{"disbursed": "200000.00", "outstanding": "200000.00"})

	// Disbursed again, under the same bank reference: a new loan with a new
	// number, while the cancelled one keeps its own.
	again := s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("200000.00", "2024-07-10", "D-"+app), "Idempotency-Key", "disb-again-"+app).Want(201).JSON()["loan"].(map[string]any)
	if jsonID(again["id"]) == a || again["number"] == number || again["status"] != "active" {
		t.Errorf("the new disbursement: %v", again)
	}
	if l := s.Do("GET", "/api/v1/loans/"+a, c.bank, nil).Want(200).JSON(); l["status"] != "cancelled" || l["number"] != number {
		t.Errorf("the cancelled loan after the new disbursement: %v %v", l["status"], l["number"])
	}
	wantFigures(t, "fund", s.Do("GET", "/api/v1/guarantee/fund", c.guar, nil).Want(200).JSON(),
		map[string]string{"loans_outstanding": "400000.00", "committed": "0.00"})
	assertSummariesMatchLoans(t, s)
	wantFigures(t, "portfolio of 2024-07-10", portfolio(t, c, "2024-07-10"), map[string]string{"disbursed": "400000.00", "outstanding": "400000.00"})
	wantFigures(t, "portfolio of 2024-06-30", portfolio(t, c, "2024-06-30"), map[string]string{"disbursed": "400000.00", "outstanding": "350000.00"})
	wantMaturitiesMatchLoans(t, c)
	s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("200000.00", "2024-07-10", "D-"+app+"-3"), "Idempotency-Key", "disb-third-"+app).WantProblem(409, "application.invalid_state")
}

// wantMaturitiesMatchLoans wants the maturities the portfolio books (on
// each loan's maturity day, whenever that is) to be those of the loans that
// stand: a cancelled loan never matures.
func wantMaturitiesMatchLoans(t *testing.T, c *cast) {
	t.Helper()
	raw := sqlRows(t, c.s, "SELECT COUNT(*), SUM(principal_fen) FROM loans WHERE status <> 'cancelled'")
	flows := sqlRows(t, c.s, "SELECT SUM(matured_loans), SUM(matured_principal_fen) FROM portfolio_day_flows")
	if !reflect.DeepEqual(raw, flows) {
		t.Errorf("maturities: loans %v, flows %v", raw, flows)
	}
}

// A matured loan's disbursement reversed: the loan leaves the matured
// loans on the reversal's day, and stays among them on every day before.
func TestDisbursementReversalOfAMaturedLoan(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := c.contracted(t, c.owner, "100000.00", 12) // 2024-03-15 to 2025-03-15
	c.contracted(t, c.owner, "100000.00", 12)
	c.loansOn(t, "2025-06-10")
	rev := propose(t, c, c.bank, map[string]any{"kind": "disbursement", "id": mustAtoi(t, a), "reason": "重复放款"})
	s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", c.bank2, nil).Want(200)
	assertSummariesMatchLoans(t, s)
	wantMaturitiesMatchLoans(t, c)
	for asOf, want := range map[string]map[string]string{
		"2025-03-31": {"matured_principal": "200000.00", "disbursed": "200000.00", "outstanding": "200000.00"},
		"2025-06-09": {"matured_principal": "200000.00", "disbursed": "200000.00", "outstanding": "200000.00"},
		"2025-06-10": {"matured_principal": "100000.00", "disbursed": "100000.00", "outstanding": "100000.00"},
	} {
		p := portfolio(t, c, asOf)
		wantFigures(t, "portfolio of "+asOf, p, want)
		if n := map[string]float64{"2025-03-31": 2, "2025-06-09": 2, "2025-06-10": 1}[asOf]; p["matured_loans"] != n {
			t.Errorf("portfolio of %s: %v matured loans, want %v", asOf, p["matured_loans"], n)
		}
	}
}

// A compensated loan's disbursement is not reversed: the compensation
// stands on it.
func TestDisbursementReversalRefusedWhileCompensated(t *testing.T) {
	c := newCast(t)
	s := c.s
	d := compensatedLoan(t, c)
	wantDepends(t, s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "disbursement", "id": mustAtoi(t, d), "reason": "误放款"}).WantProblem(409, "reversal.depends"), "代偿")
	assertSummariesMatchLoans(t, s)
}
