package msg_test

import (
	"slices"
	"testing"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/fund"
	"chuangdai/internal/loan"
	"chuangdai/internal/msg"
	"chuangdai/internal/report"
	"chuangdai/internal/support"
)

func codes[S ~string](list ...S) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}

// TestLabelsCoverEveryCode checks that every code of every closed list a
// message names has a Chinese label, and that the catalogue labels nothing
// else.
func TestLabelsCoverEveryCode(t *testing.T) {
	kinds := map[string][]string{
		"status":               codes(application.Statuses...),
		"loan_status":          codes(loan.Statuses...),
		"claim_status":         codes(loan.ClaimStatuses...),
		"extension_state":      codes(loan.ExtensionStates...),
		"key_group":            application.KeyGroups,
		"borrower_type":        codes(application.BorrowerTypes...),
		"role":                 codes(auth.Roles...),
		"course":               support.Courses,
		"level":                support.Levels,
		"service_kind":         support.ServiceKinds,
		"other_loan_kind":      application.OtherLoanKinds,
		"holder":               application.OtherLoanHolders,
		"decision":             codes(application.Decisions...),
		"repayment_method":     codes(loan.InterestQuarterly, loan.EqualPrincipal),
		"group_by":             report.GroupBys,
		"reversal_kind":        codes(loan.ReversalKinds...),
		"reversal_status":      codes(loan.ReversalStatuses...),
		"fund_account":         codes(fund.Accounts...),
		"fund_movement":        codes(fund.MovementKinds...),
		"fund_movement_status": codes(fund.MovementStatuses...),
	}
	labels := msg.Chinese().Labels()
	for kind, list := range kinds {
		for _, code := range list {
			if labels[kind][code] == "" {
				t.Errorf("zh_CN.po has no label for %s %q:\nmsgctxt %q\nmsgid %q\nmsgstr \"…\"", kind, code, kind, code)
			}
		}
	}
	for kind, m := range labels {
		list, ok := kinds[kind]
		if !ok {
			t.Errorf("zh_CN.po labels a kind %q that no code list has", kind)
			continue
		}
		for code := range m {
			if !slices.Contains(list, code) {
				t.Errorf("zh_CN.po labels %s %q, which is not a code of that list", kind, code)
			}
		}
	}
}
