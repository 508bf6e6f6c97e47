package loan_test

import (
	"testing"

	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
)

// Auditors read everything about loans and change nothing; the admin
// decides no money. (That the SQL scope of loans agrees with Can is
// store's TestLoanScopeAgreesWithCan.)
func TestLoanDutiesOfAuditorAndAdmin(t *testing.T) {
	z, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	auditor := auth.Principal{UserID: 12, Bindings: []auth.Binding{{Role: auth.FinanceAuditor}}}
	admin := auth.Principal{UserID: 13, Bindings: []auth.Binding{{Role: auth.Admin}}}
	actions := []authz.Action{loan.ActRead, loan.ActDisburse, loan.ActRepay, loan.ActClaimSubsidy, loan.ActCheckSubsidy, loan.ActPaySubsidy,
		loan.ActCompensate, loan.ActRecover, loan.ActWriteOff, loan.ActReadSubsidies, loan.ActReadExposure}
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
