package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// cancelledLoan disburses a loan on 2024-03-15 and reverses its
// disbursement on 2024-07-10 (proposed by bank, confirmed by bank2): the
// loan it answers is cancelled and its application approved again.
func cancelledLoan(t *testing.T, c *cast) map[string]any {
	t.Helper()
	c.s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	l := c.loan(t)
	reverse(t, c, c.bank, c.bank2, map[string]any{"kind": "disbursement", "id": l["id"], "reason": "放款录错"})
	got := c.s.Do("GET", "/api/v1/loans/"+jsonID(l["id"]), c.bank, nil).Want(200).JSON()
	if got["status"] != "cancelled" {
		t.Fatalf("the reversed loan is %v", got["status"])
	}
	return got
}

// disburseAgain disburses the application of a cancelled loan anew, under
// the same bank reference, and answers the new loan.
func disburseAgain(t *testing.T, c *cast, cancelled map[string]any) map[string]any {
	t.Helper()
	app := jsonID(cancelled["application_id"])
	return c.s.Do("POST", "/api/v1/applications/"+app+"/disbursement", c.bank2, disbursement("200000.00", "2024-07-10", cancelled["bank_reference"].(string)),
		"Idempotency-Key", "again-"+app).Want(201).JSON()["loan"].(map[string]any)
}

// A cancelled loan is no claim to make: the subsidy work list of a quarter
// it stood in leaves it out (also once its application is disbursed anew,
// in the next quarter), and it is claimed neither by hand nor in a batch.
func TestCancelledLoanIsNoSubsidyToClaim(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := cancelledLoan(t, c)
	b := c.loan(t)
	pending := func() []string {
		var l struct {
			Items []struct {
				LoanNumber string `json:"loan_number"`
			}
			Total int
		}
		s.Do("GET", "/api/v1/subsidy-claims?status=pending&period=2024Q2", c.bank, nil).Want(200).Decode(&l)
		var out []string
		for _, it := range l.Items {
			out = append(out, it.LoanNumber)
		}
		if l.Total != len(out) {
			t.Errorf("pending claims: total %d, items %v", l.Total, out)
		}
		return out
	}
	if got := pending(); len(got) != 1 || got[0] != b["number"] {
		t.Errorf("claims to make for 2024Q2 with %v cancelled: %v, want only %v", a["number"], got, b["number"])
	}
	// Nor is it claimed by hand or in a batch: its quarters are not claimable.
	s.Do("POST", "/api/v1/loans/"+jsonID(a["id"])+"/subsidy/2024Q2/claim", c.bank, nil).WantProblem(409, "loan.invalid_state")
	var batch struct {
		Succeeded int
		Results   []struct{ Code string }
	}
	s.Do("POST", "/api/v1/subsidy-claims/batch", c.bank, map[string]any{"action": "claim", "items": []any{map[string]any{"loan_id": a["id"], "period": "2024Q2"}}}).Want(200).Decode(&batch)
	if batch.Succeeded != 0 || len(batch.Results) != 1 || batch.Results[0].Code != "loan.invalid_state" {
		t.Errorf("a batch claim of the cancelled loan: %+v", batch)
	}
	items := s.Do("GET", "/api/v1/loans/"+jsonID(a["id"])+"/subsidy", c.bank, nil).Want(200).JSON()["items"].([]any)
	if len(items) == 0 {
		t.Fatal("the cancelled loan's subsidy table has no quarter")
	}
	for _, it := range items {
		if it := it.(map[string]any); it["claimable"] != false || it["status"] != "pending" {
			t.Errorf("the cancelled loan's quarter %v: %v, claimable %v", it["period"], it["status"], it["claimable"])
		}
	}
	again := disburseAgain(t, c, a)
	if got := pending(); len(got) != 1 || got[0] != b["number"] {
		t.Errorf("claims to make for 2024Q2 (the new loan %v was disbursed in Q3): %v", again["number"], got)
	}
}

// A cancelled loan is no exposure of the guarantee centre: a district whose
// only loan is cancelled has no row, by district or by loan.
func TestCancelledLoanIsNoExposure(t *testing.T) {
	c := newCast(t)
	s := c.s
	cancelledLoan(t, c)
	for _, q := range []string{"", "?group_by=loan"} {
		exp := s.Do("GET", "/api/v1/guarantee/exposure"+q, c.auditor, nil).Want(200).JSON()
		if rows := exp["rows"].([]any); len(rows) != 0 {
			t.Errorf("exposure%s with the only loan cancelled: %v", q, rows)
		}
		wantFields(t, "exposure total"+q, exp["total"].(map[string]any), map[string]any{"loans": 0.0, "outstanding": "0.00"})
	}
	c.contractedElsewhere(t, c.owner, "100000.00")
	exp := s.Do("GET", "/api/v1/guarantee/exposure", c.auditor, nil).Want(200).JSON()
	if rows := exp["rows"].([]any); len(rows) != 1 || rows[0].(map[string]any)["district_code"] != apptest.OtherDistrict {
		t.Errorf("exposure by district: %v, want only %s", rows, apptest.OtherDistrict)
	}
}

// The four-in-one profile lists the application of a cancelled loan
// without it (approved again, no loan), and once disbursed anew with the
// new loan only.
func TestCancelledLoanLeavesTheProfile(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := cancelledLoan(t, c)
	nid := s.Do("GET", "/api/v1/applications/"+jsonID(a["application_id"]), c.hrss, nil).Want(200).JSON()["national_id"].(string)
	lines := func() []any {
		return s.Do("GET", "/api/v1/people/"+nid+"/support", c.hrss, nil).Want(200).JSON()["loans"].([]any)
	}
	if l := lines(); len(l) != 1 || l[0].(map[string]any)["status"] != "approved" || l[0].(map[string]any)["loan"] != nil {
		t.Errorf("profile with the loan cancelled: %v", l)
	}
	again := disburseAgain(t, c, a)
	l := lines()
	if len(l) != 1 {
		t.Fatalf("profile after the new disbursement: %v", l)
	}
	if got := l[0].(map[string]any)["loan"]; got == nil || got.(map[string]any)["number"] != again["number"] || got.(map[string]any)["status"] != "active" {
		t.Errorf("profile's loan after the new disbursement: %v, want %v", got, again["number"])
	}
}

// The reconciliation leaves a cancelled loan out: the bank's line of its
// reference is a line the records do not have, until the application is
// disbursed anew under that reference.
func TestCancelledLoanIsNotReconciled(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := cancelledLoan(t, c)
	b := c.loan(t)
	refA, refB := a["bank_reference"].(string), b["bank_reference"].(string)
	up := "/api/v1/reports/reconciliation?bank_code=" + apptest.Bank + "&from=2024-01-01&to=2024-12-31"
	list := "bank_reference,name,amount,disbursed_on\n" + refA + ",张伟,200000.00,2024-03-15\n" + refB + ",张伟,200000.00,2024-03-15\n"
	type bank struct {
		RecordedLoans    int64            `json:"recorded_loans"`
		RecordedAmount   string           `json:"recorded_amount"`
		Matched          int64            `json:"matched"`
		MissingInBank    []map[string]any `json:"missing_in_bank"`
		MissingInRecords []map[string]any `json:"missing_in_records"`
	}
	var rec struct{ Banks []bank }
	s.Do("POST", up, c.bank, list, "Content-Type", "text/csv").Want(200).Decode(&rec)
	if len(rec.Banks) != 1 {
		t.Fatalf("reconciliation %+v", rec)
	}
	if bk := rec.Banks[0]; bk.RecordedLoans != 1 || bk.RecordedAmount != "200000.00" || bk.Matched != 1 || len(bk.MissingInBank) != 0 ||
		len(bk.MissingInRecords) != 1 || bk.MissingInRecords[0]["bank_reference"] != refA {
		t.Errorf("reconciliation with %s cancelled: %+v", refA, bk)
	}
	disburseAgain(t, c, a)
	s.Do("POST", up, c.bank, "bank_reference,name,amount,disbursed_on\n"+refA+",张伟,200000.00,2024-07-10\n"+refB+",张伟,200000.00,2024-03-15\n", "Content-Type", "text/csv").Want(200).Decode(&rec)
	if bk := rec.Banks[0]; bk.RecordedLoans != 2 || bk.RecordedAmount != "400000.00" || bk.Matched != 2 || len(bk.MissingInBank) != 0 || len(bk.MissingInRecords) != 0 {
		t.Errorf("reconciliation after the new disbursement under %s: %+v", refA, bk)
	}
}

// An imported loan's disbursement is the legacy system's (409
// loan.invalid_state), and a written-off loan's is not reversed (409
// reversal.depends), when proposed and, for a loan written off after the
// proposal, when confirmed.
func TestDisbursementReversalRefusedForImportedAndWrittenOffLoans(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 8, 10) })
	s.Do("POST", "/api/v1/imports/loans", c.admin, legacyHeader+"LEG-1,王五,"+loanPersonID(91)+",male,retired_soldier,individual,"+
		apptest.District+","+apptest.Bank+",100000.00,0.0395,24,2023-01-10,2\n", "Content-Type", "text/csv").Want(200)
	imported := sqlRows(t, s, "SELECT id FROM loans WHERE external_ref = 'LEG-1'")[0][0]
	r := s.Do("POST", "/api/v1/reversals", c.bank, map[string]any{"kind": "disbursement", "id": mustAtoi(t, imported), "reason": "放款录错"}).WantProblem(409, "loan.invalid_state")
	if d, _ := r.JSON()["detail"].(string); !strings.Contains(d, "从原系统导入") {
		t.Errorf("the refusal of an imported loan's reversal: %q", d)
	}

	id := jsonID(c.loan(t)["id"])
	body := map[string]any{"kind": "disbursement", "id": mustAtoi(t, id), "reason": "放款录错"}
	rev := propose(t, c, c.bank, body)
	if _, err := s.App.Loans.RunDaily(t.Context(), beijingNoon(2024, 7, 1)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/loans/"+id+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-10"}).Want(200)
	s.Do("POST", "/api/v1/loans/"+id+"/write-off", c.guar, map[string]any{"reason": "借款人无财产可供执行"}).Want(200)
	s.Do("POST", "/api/v1/loans/"+id+"/write-off/confirm", c.guar2, nil).Want(200)
	writtenOff := func(r interface{ JSON() map[string]any }) {
		t.Helper()
		if d, _ := r.JSON()["detail"].(string); !strings.Contains(d, "已核销贷款的放款不能冲正") {
			t.Errorf("the refusal of a written-off loan's reversal: %q", d)
		}
	}
	writtenOff(s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", c.bank2, nil).WantProblem(409, "reversal.depends"))
	s.Do("POST", "/api/v1/reversals/"+rev+"/reject", c.bank, map[string]any{"comment": "已核销"}).Want(200)
	writtenOff(s.Do("POST", "/api/v1/reversals", c.bank, body).WantProblem(409, "reversal.depends"))
	if l := s.Do("GET", "/api/v1/loans/"+id, c.bank, nil).Want(200).JSON(); l["status"] != "written_off" {
		t.Errorf("the written-off loan is %v", l["status"])
	}
	assertSummariesMatchLoans(t, s)
}

// The four-in-one figures count a borrower by a loan that stands: with the
// only loan of 2024 cancelled its district has no borrower, and the base
// where the borrower is a tenant no tenant with a loan; disbursed anew, both
// count the person once.
func TestCancelledLoanLeavesTheSupportFigures(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := cancelledLoan(t, c)
	nid := s.Do("GET", "/api/v1/applications/"+jsonID(a["application_id"]), c.hrss, nil).Want(200).JSON()["national_id"].(string)
	base := s.Do("POST", "/api/v1/incubation-bases", c.admin, map[string]any{"name": "灵宝市创业孵化园", "district_code": apptest.District, "level": "municipal"}).Want(201).JSON()["id"]
	s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": base, "national_id": nid, "entity_name": "灵宝苹果合作社", "move_in": "2024-01-15"}).Want(201)
	figures := func() (borrowers, supported, withLoan int64) {
		t.Helper()
		var f struct {
			Districts []struct {
				DistrictCode       string `json:"district_code"`
				Borrowers          int64  `json:"borrowers"`
				BorrowersSupported int64  `json:"borrowers_supported"`
			}
			Bases []struct {
				Tenants         int64 `json:"tenants"`
				TenantsWithLoan int64 `json:"tenants_with_loan"`
			}
		}
		s.Do("GET", "/api/v1/support/figures?year=2024", c.auditor, nil).Want(200).Decode(&f)
		if len(f.Bases) != 1 || f.Bases[0].Tenants != 1 {
			t.Fatalf("bases %+v", f.Bases)
		}
		for _, d := range f.Districts {
			if d.DistrictCode == apptest.District {
				borrowers, supported = d.Borrowers, d.BorrowersSupported
			}
		}
		return borrowers, supported, f.Bases[0].TenantsWithLoan
	}
	if b, sup, w := figures(); b != 0 || sup != 0 || w != 0 {
		t.Errorf("with the loan cancelled: borrowers %d, supported %d, tenants with a loan %d; want none", b, sup, w)
	}
	disburseAgain(t, c, a)
	if b, sup, w := figures(); b != 1 || sup != 1 || w != 1 {
		t.Errorf("disbursed anew: borrowers %d, supported %d, tenants with a loan %d; want 1 each", b, sup, w)
	}
}
