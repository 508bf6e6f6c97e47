package httpapi_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/idnum"
	"chuangdai/internal/loan"
)

// staff creates an officer whose own resident ID number is nationalID and
// returns its token.
func staff(s *apptest.Server, username, role, district, bank, nationalID string) string {
	body := map[string]string{"username": username, "password": apptest.Password, "name": username, "role": role, "national_id": nationalID}
	if district != "" {
		body["district_code"] = district
	}
	if bank != "" {
		body["bank_code"] = bank
	}
	s.Do("POST", "/api/v1/users", s.AdminToken, body).Want(201)
	return s.Login(username, apptest.Password)
}

// TestFourEyesOnEveryMoneyAction: nobody decides, disburses, takes a
// repayment, claims, checks or pays a subsidy, proposes or decides its
// reversal, proposes or decides an extension, compensates, recovers,
// proposes or confirms a write-off where they are the borrower or a partner: by resident ID number (officers whose
// own number the administrator set), and by account.
func TestFourEyesOnEveryMoneyAction(t *testing.T) {
	c := newCast(t)
	s := c.s
	c.seq++
	borrower, partner := loanPersonID(c.seq), loanPersonID(c.seq+50)
	body := individual(borrower)
	body["borrower_type"] = "partnership"
	body["amount"] = "200000.00"
	body["partners"] = []map[string]any{
		{"name": "张伟", "national_id": borrower, "key_group": "returning_migrant_worker", "not_employed": true},
		{"name": "李娜", "national_id": partner, "key_group": "college_graduate", "not_employed": true},
	}
	// The borrower's and the partner's own staff accounts, one per role.
	bankAsBorrower := staff(s, "bank.self", "bank_officer", "", apptest.Bank, borrower)
	hrssAsPartner := staff(s, "hrss.self", "hrss_officer", apptest.District, "", partner)
	guarAsBorrower := staff(s, "guar.self", "guarantee_officer", apptest.District, "", borrower)
	if u := s.Do("GET", "/api/v1/me", bankAsBorrower, nil).Want(200).JSON(); u["national_id"] == borrower || u["national_id"] == nil {
		t.Fatalf("the staff number is shown as %v", u["national_id"])
	}

	c.decideInPast()
	app := path(s.Do("POST", "/api/v1/applications", c.owner, body).Want(201).JSON()["id"], "")
	decide := func(tok string, d map[string]any) *apptest.Response { return s.Do("POST", app+"/decisions", tok, d) }
	s.Do("POST", app+"/submit", c.owner, nil).Want(200)
	decide(hrssAsPartner, map[string]any{"decision": "approve"}).WantProblem(403, "four_eyes")
	decide(hrssAsPartner, map[string]any{"decision": "reject", "comment": "x"}).WantProblem(403, "four_eyes")
	decide(c.hrss, map[string]any{"decision": "approve"}).Want(200)
	decide(guarAsBorrower, map[string]any{"decision": "approve"}).WantProblem(403, "four_eyes")
	decide(c.guar, map[string]any{"decision": "approve"}).Want(200)
	bankContract := map[string]any{"decision": "approve", "approved_amount": "200000.00", "annual_rate": "0.0395", "term_months": 24}
	decide(bankAsBorrower, bankContract).WantProblem(403, "four_eyes")
	decide(c.bank, bankContract).Want(200)

	disb := disbursement("200000.00", "2024-03-15", "D-FE-1")
	s.Do("POST", app+"/disbursement", bankAsBorrower, disb, "Idempotency-Key", "fe-d1").WantProblem(403, "four_eyes")
	id := jsonID(s.Do("POST", app+"/disbursement", c.bank2, disb, "Idempotency-Key", "fe-d2").Want(201).JSON()["loan"].(map[string]any)["id"])
	ln := "/api/v1/loans/" + id

	s.Do("POST", ln+"/repayments", bankAsBorrower, repayment("0.00", "100.00", "2024-04-01", "R-FE-1"), "Idempotency-Key", "fe-r1").WantProblem(403, "four_eyes")
	q2 := ln + "/subsidy/2024Q2/"
	s.Do("POST", q2+"claim", bankAsBorrower, nil).WantProblem(403, "four_eyes")
	s.Do("POST", q2+"claim", c.bank, nil).Want(200)
	s.Do("POST", q2+"check", hrssAsPartner, map[string]any{"decision": "approve"}).WantProblem(403, "four_eyes")
	s.Do("POST", q2+"check", hrssAsPartner, map[string]any{"decision": "refuse", "reason": "x"}).WantProblem(403, "four_eyes")
	s.Do("POST", q2+"check", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	s.Do("POST", q2+"pay", hrssAsPartner, nil).WantProblem(403, "four_eyes")
	s.Do("POST", q2+"pay", c.hrss2, nil).Want(200)
	// Its reversal (冲正) is neither proposed nor decided by the partner.
	reversal := map[string]any{"kind": "subsidy_payment", "id": mustAtoi(t, id), "period": "2024Q2", "reason": "拨付账户有误"}
	s.Do("POST", "/api/v1/reversals", hrssAsPartner, reversal).WantProblem(403, "four_eyes")
	rev := jsonID(s.Do("POST", "/api/v1/reversals", c.hrss, reversal).Want(201).JSON()["id"])
	s.Do("POST", "/api/v1/reversals/"+rev+"/confirm", hrssAsPartner, nil).WantProblem(403, "four_eyes")
	s.Do("POST", "/api/v1/reversals/"+rev+"/reject", hrssAsPartner, map[string]any{"comment": "x"}).WantProblem(403, "four_eyes")
	s.Do("POST", "/api/v1/reversals/"+rev+"/reject", c.hrss2, map[string]any{"comment": "账户无误"}).Want(200)

	// An extension, proposed by the bank before the maturity and decided by
	// the guarantee centre.
	c.loansOn(t, "2024-06-20")
	ext := ln + "/extensions"
	extension := map[string]any{"new_maturity": "2026-09-15", "reason": "受灾减产，需延期还款"}
	s.Do("POST", ext, bankAsBorrower, extension).WantProblem(403, "four_eyes")
	eid := jsonID(s.Do("POST", ext, c.bank, extension).Want(201).JSON()["extension"].(map[string]any)["id"])
	s.Do("POST", ext+"/"+eid+"/confirm", guarAsBorrower, nil).WantProblem(403, "four_eyes")
	s.Do("POST", ext+"/"+eid+"/reject", guarAsBorrower, map[string]any{"reason": "x"}).WantProblem(403, "four_eyes")
	s.Do("POST", ext+"/"+eid+"/reject", c.guar, map[string]any{"reason": "材料不足"}).Want(200)
	s.App.Loans.SetClock(time.Now)

	ctx := context.Background()
	if _, err := s.App.Loans.RunDaily(ctx, time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", ln+"/compensation", guarAsBorrower, map[string]any{"compensated_on": "2024-08-01"}).WantProblem(403, "four_eyes")
	s.Do("POST", ln+"/compensation", c.guar, map[string]any{"compensated_on": "2024-08-01"}).Want(200)
	s.Do("POST", ln+"/recoveries", guarAsBorrower, map[string]any{"amount": "1.00", "recovered_on": "2024-09-01"}).WantProblem(403, "four_eyes")
	s.Do("POST", ln+"/write-off", guarAsBorrower, map[string]any{"reason": "无财产可供执行"}).WantProblem(403, "four_eyes")
	s.Do("POST", ln+"/write-off", c.guar, map[string]any{"reason": "无财产可供执行"}).Want(200)
	s.Do("POST", ln+"/write-off/confirm", guarAsBorrower, nil).WantProblem(403, "four_eyes")

	// By account: the borrower's own account holding an officer's role.
	var me struct {
		ID auth.UserID `json:"id"`
	}
	s.Do("GET", "/api/v1/me", c.owner, nil).Want(200).Decode(&me)
	as := func(b auth.Binding) auth.Principal {
		return apptest.Principal(me.ID, "owner", auth.Binding{Role: auth.Entrepreneur}, b)
	}
	bankRole := as(auth.Binding{Role: auth.BankOfficer, Bank: apptest.Bank})
	guarRole := as(auth.Binding{Role: auth.GuaranteeOfficer, District: apptest.District})
	hrssRole := as(auth.Binding{Role: auth.HRSSOfficer, District: apptest.District})
	loanID := loan.ID(mustAtoi(t, id))
	svc := s.App.Loans
	for what, err := range map[string]error{
		"recovery": func() error {
			_, _, err := svc.Recover(ctx, guarRole, loanID, loan.RecoveryInput{Amount: "1.00", RecoveredOn: "2024-09-01"})
			return err
		}(),
		"write-off confirmation": func() error { _, err := svc.ConfirmWriteOff(ctx, guarRole, loanID); return err }(),
		"repayment": func() error {
			_, _, err := svc.Repay(ctx, bankRole, loanID, loan.RepayInput{Principal: "1.00", Interest: "0.00", PaidOn: "2024-09-01", BankReference: "R-FE-2"})
			return err
		}(),
		"subsidy claim":   func() error { _, err := svc.ClaimSubsidy(ctx, bankRole, loanID, "2024Q3"); return err }(),
		"subsidy payment": func() error { _, err := svc.PaySubsidy(ctx, hrssRole, loanID, "2024Q2"); return err }(),
		"compensation": func() error {
			_, err := svc.Compensate(ctx, guarRole, loanID, loan.CompensateInput{CompensatedOn: "2024-08-01"})
			return err
		}(),
		"write-off proposal": func() error {
			_, err := svc.ProposeWriteOff(ctx, guarRole, loanID, "无财产可供执行")
			return err
		}(),
		"extension proposal": func() error {
			_, _, err := svc.ProposeExtension(ctx, bankRole, loanID, loan.ExtensionInput{NewMaturity: "2026-09-15", Reason: "x"})
			return err
		}(),
		"extension decision": func() error {
			_, err := svc.ConfirmExtension(ctx, guarRole, loanID, int64(mustAtoi(t, eid)))
			return err
		}(),
		"reversal proposal": func() error {
			_, err := svc.ProposeReversal(ctx, hrssRole, loan.ReversalInput{Kind: "subsidy_payment", ID: int64(loanID), Period: "2024Q2", Reason: "x"})
			return err
		}(),
		"reversal decision": func() error {
			_, _, err := svc.ConfirmReversal(ctx, hrssRole, int64(mustAtoi(t, rev)))
			return err
		}(),
		"disbursement": func() error {
			other := c.application(t, c.owner, "approved")
			_, err := svc.Disburse(ctx, bankRole, application.ID(mustAtoi(t, other)), loan.DisburseInput{Amount: "200000.00", DisbursedOn: "2024-03-15", BankReference: "D-FE-3"})
			return err
		}(),
		"subsidy check": func() error {
			_, err := svc.CheckSubsidy(ctx, hrssRole, loanID, "2024Q2", loan.CheckInput{Decision: "approve"})
			return err
		}(),
		"decision": func() error {
			other := c.application(t, c.owner, "eligibility_review")
			_, err := s.App.Applications.Decide(ctx, hrssRole, application.ID(mustAtoi(t, other)), application.DecisionInput{Decision: "approve"})
			return err
		}(),
	} {
		if apperr.CodeOf(err) != "four_eyes" {
			t.Errorf("%s by the borrower's account: %v", what, err)
		}
	}
	// Another officer confirms.
	s.Do("POST", ln+"/write-off/confirm", c.guar2, nil).Want(200)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStaffNationalID: the administrator sets, changes and removes an
// officer's own resident ID number; it is shown masked, checked by its
// check digit, and not for entrepreneurs.
func TestStaffNationalID(t *testing.T) {
	s := apptest.NewServer(t)
	id := residentID("19850505", 17)
	bad := map[string]string{"username": "bank.x", "password": apptest.Password, "role": "bank_officer", "bank_code": apptest.Bank, "national_id": "411282198505050170"}
	if f := s.Do("POST", "/api/v1/users", s.AdminToken, bad).WantProblem(422, "validation_failed").FieldErrors(); len(f) != 1 || f[0] != "national_id" {
		t.Errorf("a bad number: %v", f)
	}
	ent := map[string]string{"username": "ent.x", "password": apptest.Password, "role": "entrepreneur", "national_id": id}
	s.Do("POST", "/api/v1/users", s.AdminToken, ent).WantProblem(422, "validation_failed")
	bad["national_id"] = id
	u := s.Do("POST", "/api/v1/users", s.AdminToken, bad).Want(201).JSON()
	if u["national_id"] != idnum.Mask(id) {
		t.Fatalf("created %v", u["national_id"])
	}
	uid := jsonID(u["id"])
	other := residentID("19850505", 27)
	if got := s.Do("PATCH", "/api/v1/users/"+uid, s.AdminToken, map[string]any{"national_id": other}).Want(200).JSON(); got["national_id"] != idnum.Mask(other) {
		t.Fatalf("changed %v", got["national_id"])
	}
	tok := s.Login("bank.x", apptest.Password)
	if got := s.Do("GET", "/api/v1/me", tok, nil).Want(200).JSON(); got["national_id"] != idnum.Mask(other) {
		t.Fatalf("me %v", got["national_id"])
	}
	if got := s.Do("PATCH", "/api/v1/users/"+uid, s.AdminToken, map[string]any{"national_id": ""}).Want(200).JSON(); got["national_id"] != nil {
		t.Fatalf("removed %v", got["national_id"])
	}
	s.Do("PATCH", "/api/v1/users/"+uid, tok, map[string]any{"national_id": id}).WantProblem(403, "forbidden")
	raw := string(s.Do("GET", "/api/v1/audit-events?entity_type=user&entity_id="+uid, s.AdminToken, nil).Want(200).Body)
	if strings.Contains(raw, id) || strings.Contains(raw, other) || !strings.Contains(raw, idnum.Mask(other)) {
		t.Errorf("the audit trail of the change: %s", raw)
	}
}
