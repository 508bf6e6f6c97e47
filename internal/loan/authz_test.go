package loan_test

import (
	"testing"

	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
)

// The SQL filter of loan lists (ListScope) and the check on one loan (Can)
// must agree for every role and every action on loans.
func TestLoanScopeAgreesWithCan(t *testing.T) {
	z, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	owner := int64(7)
	principals := []auth.Principal{
		{UserID: owner, Bindings: []auth.Binding{{Role: auth.Entrepreneur}}},
		{UserID: 8, Bindings: []auth.Binding{{Role: auth.Entrepreneur}}},
		{UserID: 9, Bindings: []auth.Binding{{Role: auth.HRSSOfficer, District: "411282"}}},
		{UserID: 10, Bindings: []auth.Binding{{Role: auth.GuaranteeOfficer, District: "411281"}}},
		{UserID: 11, Bindings: []auth.Binding{{Role: auth.BankOfficer, Bank: "ICBC-SMX"}}},
		{UserID: 12, Bindings: []auth.Binding{{Role: auth.FinanceAuditor}}},
		{UserID: 13, Bindings: []auth.Binding{{Role: auth.Admin}}},
	}
	var loans []loan.Loan
	for _, d := range []string{"411282", "411281"} {
		for _, b := range []string{"ICBC-SMX", "RCB-LB"} {
			for _, o := range []*int64{&owner, nil} {
				loans = append(loans, loan.Loan{DistrictCode: d, BankCode: b, BorrowerID: o})
			}
		}
	}
	actions := []authz.Action{loan.ActRead, loan.ActDisburse, loan.ActRepay, loan.ActClaimSubsidy, loan.ActCheckSubsidy, loan.ActPaySubsidy,
		loan.ActCompensate, loan.ActRecover, loan.ActWriteOff, loan.ActReadSubsidies, loan.ActReadExposure}
	for _, p := range principals {
		for _, act := range actions {
			scope := z.Scope(p, act, loan.Kind)
			for _, l := range loans {
				if got, want := scope.Contains(l.Resource()), z.Can(p, act, l.Resource()); got != want {
					t.Errorf("%s %s on %+v: scope says %v, Can says %v", p.Bindings[0].Role, act, l.Resource(), got, want)
				}
			}
		}
	}
	// Auditors read everything and change nothing; the admin decides no money.
	auditor, admin := principals[5], principals[6]
	for _, act := range actions {
		readOnly := act == loan.ActRead || act == loan.ActReadSubsidies || act == loan.ActReadExposure
		if z.HasAny(auditor, act, loan.Kind) != readOnly {
			t.Errorf("auditor %s: %v", act, !readOnly)
		}
		if z.HasAny(admin, act, loan.Kind) {
			t.Errorf("admin may %s", act)
		}
	}
}
