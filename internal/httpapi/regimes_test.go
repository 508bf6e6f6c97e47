package httpapi_test

import (
	"testing"

	"chuangdai/internal/apptest"
)

// Loans take the subsidy regime of their contract day, whichever way they
// come in: lpr_minus 150 bp for 2021–2022 (legacy imports included), share
// 50% from 2023, and no subsidy before 2021, which the loan and its subsidy
// table say.
func TestSubsidyRegimeByContractDay(t *testing.T) {
	c := newCast(t)
	row := func(ref string, n int, rate, on string) string {
		return ref + ",王五," + loanPersonID(n) + ",female,retired_soldier,individual," + apptest.District + "," + apptest.Bank + ",200000.00," + rate + ",12," + on + ",2\n"
	}
	csv := "external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created\n" +
		row("OLD-2020", 94, "0.0435", "2020-12-31") + row("LEG-2022", 92, "0.0435", "2022-03-01") + row("LEG-2021", 96, "0.0200", "2021-06-01")
	c.s.Do("POST", "/api/v1/imports/loans", c.admin, csv, "Content-Type", "text/csv").Want(200)
	byRef := map[string]map[string]any{}
	for _, it := range c.s.Do("GET", "/api/v1/loans", c.auditor, nil).Want(200).JSON()["items"].([]any) {
		l := it.(map[string]any)
		byRef[l["external_ref"].(string)] = l
	}
	fresh := c.loan(t) // disbursed 2024-03-15 at 3.95%
	byRef["2024"] = fresh
	funding := map[string]any{"central": "0.5000", "provincial": "0.2500", "city": "0.2500", "county": "0.0000"}
	cases := []struct {
		ref, method, from, subsidyRate, borrowerRate string
	}{
		// 2020-12-31 is before the first regime (2021-01-01): no subsidy.
		{"OLD-2020", "none", "", "0.0000", "0.0435"},
		// The worked example: LPR 3.70% − 1.50% = 2.20% for the borrower, 2.15% for the treasury.
		{"LEG-2022", "lpr_minus", "2021-01-01", "0.0215", "0.0220"},
		// 2.00% is below LPR 3.85% − 1.50% = 2.35%: the borrower pays all of it.
		{"LEG-2021", "lpr_minus", "2021-01-01", "0.0000", "0.0200"},
		// 2024: half of 3.95% each.
		{"2024", "share", "2023-01-01", "0.01975", "0.01975"},
	}
	for _, k := range cases {
		l := byRef[k.ref]
		if l == nil {
			t.Fatalf("no loan %s in %v", k.ref, byRef)
		}
		reg := l["subsidy_regime"].(map[string]any)
		if l["subsidy_rate"] != k.subsidyRate || l["borrower_rate"] != k.borrowerRate || reg["method"] != k.method {
			t.Errorf("%s: rates %v/%v regime %v", k.ref, l["subsidy_rate"], l["borrower_rate"], reg)
		}
		sub := c.s.Do("GET", "/api/v1/loans/"+jsonID(l["id"])+"/subsidy", c.auditor, nil).Want(200).JSON()
		if k.method == "none" {
			if reg["reason"] != "before_first_regime" || reg["effective_from"] != nil || reg["funding"] != nil {
				t.Errorf("%s: regime %v", k.ref, reg)
			}
			if sub["note"] != "不予贴息：该贷款合同日为 2020-12-31，早于政策中第一个贴息办法的施行日（2021-01-01）" || sub["total_subsidy"] != "0.00" {
				t.Errorf("%s: subsidy %v", k.ref, sub)
			}
			continue
		}
		if reg["effective_from"] != k.from || reg["reason"] != nil || !sameMap(reg["funding"], funding) || sub["note"] != nil {
			t.Errorf("%s: regime %v, note %v", k.ref, reg, sub["note"])
		}
		if !sameMap(sub["subsidy_regime"], reg) {
			t.Errorf("%s: the subsidy table's regime %v differs from the loan's %v", k.ref, sub["subsidy_regime"], reg)
		}
	}
	// The worked example's first quarter, 2022-03-01 → 2022-06-20 (111 days):
	// 200000 × 0.0435 × 111 / 360 = 2682.50; subsidy 200000 × 0.0215 × 111 / 360
	// = 1325.8333… → 1325.83; the borrower 2682.50 − 1325.83 = 1356.67.
	q := c.s.Do("GET", "/api/v1/loans/"+jsonID(byRef["LEG-2022"]["id"])+"/subsidy", c.auditor, nil).Want(200).JSON()["items"].([]any)[0].(map[string]any)
	for k, v := range map[string]any{"period": "2022Q2", "days": float64(111), "interest": "2682.50", "subsidy": "1325.83", "borrower_interest": "1356.67"} {
		if q[k] != v {
			t.Errorf("2022Q2 %s = %v, want %v", k, q[k], v)
		}
	}
	// What fell due before the import is taken as paid as agreed: 2022Q3 (92
	// days) keeps its subsidy, 200000 × 0.0215 × 92 / 360 = 1098.888… →
	// 1098.89 of 200000 × 0.0435 × 92 / 360 = 2223.333… → 2223.33.
	q = c.s.Do("GET", "/api/v1/loans/"+jsonID(byRef["LEG-2022"]["id"])+"/subsidy", c.auditor, nil).Want(200).JSON()["items"].([]any)[1].(map[string]any)
	wantFields(t, "2022Q3", q, map[string]any{"period": "2022Q3", "overdue_days": float64(0), "interest": "2223.33", "subsidy": "1098.89", "borrower_interest": "1124.44"})
}

func sameMap(a, b any) bool {
	x, ok1 := a.(map[string]any)
	y, ok2 := b.(map[string]any)
	if !ok1 || !ok2 || len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if w, ok := y[k]; !ok || !sameValue(v, w) {
			return false
		}
	}
	return true
}

func sameValue(a, b any) bool {
	if m, ok := a.(map[string]any); ok {
		return sameMap(m, b)
	}
	return a == b
}
