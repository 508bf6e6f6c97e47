package application

import (
	"testing"

	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// TestScopeAgreesWithCan checks that the SQL filter of the queues (the
// ListScope) shows exactly the applications that the single-record check
// lets each principal read or edit.
func TestScopeAgreesWithCan(t *testing.T) {
	z, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	principals := map[string]auth.Principal{
		"entrepreneur 1":      {UserID: 1, Bindings: []auth.Binding{{Role: auth.Entrepreneur}}},
		"entrepreneur 2":      {UserID: 2, Bindings: []auth.Binding{{Role: auth.Entrepreneur}}},
		"hrss 411282":         {UserID: 10, Bindings: []auth.Binding{{Role: auth.HRSSOfficer, District: "411282"}}},
		"guarantee 411281":    {UserID: 11, Bindings: []auth.Binding{{Role: auth.GuaranteeOfficer, District: "411281"}}},
		"bank ICBC":           {UserID: 12, Bindings: []auth.Binding{{Role: auth.BankOfficer, Bank: "ICBC-SMX"}}},
		"auditor":             {UserID: 13, Bindings: []auth.Binding{{Role: auth.FinanceAuditor}}},
		"admin":               {UserID: 14, Bindings: []auth.Binding{{Role: auth.Admin}}},
		"hrss and bank":       {UserID: 15, Bindings: []auth.Binding{{Role: auth.HRSSOfficer, District: "411281"}, {Role: auth.BankOfficer, Bank: "RCB-LB"}}},
		"officer, no binding": {UserID: 16, Bindings: []auth.Binding{{Role: auth.HRSSOfficer}}},
		"signed out":          {},
	}
	var apps []Application
	for _, owner := range []int64{1, 2, 15} {
		for _, district := range []string{"411282", "411281"} {
			for _, bank := range []string{"ICBC-SMX", "RCB-LB"} {
				apps = append(apps, Application{ApplicantID: owner, Fields: Fields{DistrictCode: district, BankCode: bank}})
			}
		}
	}
	seen := map[string]int{}
	for name, p := range principals {
		for _, act := range []authz.Action{authz.Read, authz.Update, DecideEligibility, DecideGuarantee, DecideBank} {
			scope := z.Scope(p, act, Kind)
			for _, a := range apps {
				r := a.Resource()
				if got, want := scope.Contains(r), z.Can(p, act, r); got != want {
					t.Errorf("%s %s %+v: scope says %v, Can says %v", name, act, r, got, want)
				}
				if act == authz.Read && z.Can(p, act, r) {
					seen[name]++
				}
			}
		}
	}
	want := map[string]int{"entrepreneur 1": 4, "entrepreneur 2": 4, "hrss 411282": 6, "guarantee 411281": 6, "bank ICBC": 6,
		"auditor": 12, "admin": 0, "hrss and bank": 9, "officer, no binding": 0, "signed out": 0}
	for name, n := range want {
		if seen[name] != n {
			t.Errorf("%s reads %d applications, want %d", name, seen[name], n)
		}
	}
}
