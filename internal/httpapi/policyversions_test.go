package httpapi_test

import (
	"testing"

	"chuangdai/internal/apptest"
)

// A legacy loan is checked with the policy version in force on the day it
// was disbursed: 财金〔2020〕21号 (individual cap 200,000.00) for 2020–2022,
// the 2023 version from 2023-01-01, and none before 2020-01-01, which
// refuses the row saying so rather than taking a later version's numbers.
func TestLegacyLoansTakeTheVersionOfTheirDay(t *testing.T) {
	c := newCast(t)
	row := func(ref string, n int, principal, on string) string {
		return ref + ",王五," + loanPersonID(n) + ",female,retired_soldier,individual," + apptest.District + "," + apptest.Bank + "," +
			principal + ",0.0395,24," + on + ",2\n"
	}
	type rowError struct {
		Row     int    `json:"row"`
		Field   string `json:"field"`
		Message string `json:"message"`
	}
	refused := func(csv string, lang string) []rowError {
		t.Helper()
		var p struct {
			Errors []rowError `json:"errors"`
		}
		c.s.Do("POST", "/api/v1/imports/loans", c.admin, legacyHeader+csv, "Content-Type", "text/csv", "Accept-Language", lang).
			WantProblem(422, "validation_failed").Decode(&p)
		return p.Errors
	}
	cases := []struct {
		name, csv, lang string
		want            rowError
	}{
		{"2021 above the 2020 individual cap", row("LEG-2021", 86, "250000.00", "2021-06-01"), "zh-CN",
			rowError{2, "principal", "超过 2021-06-01 执行的个人贷款额度上限 200,000.00 元"}},
		{"2022-12-31, the 2020 version's last day", row("LEG-2022", 82, "200000.01", "2022-12-31"), "zh-CN",
			rowError{2, "principal", "超过 2022-12-31 执行的个人贷款额度上限 200,000.00 元"}},
		{"2019: no version in force", row("OLD-2019", 88, "100000.00", "2019-10-08"), "zh-CN",
			rowError{2, "disbursed_on", "该日期（2019-10-08）没有生效的政策版本，无法核对额度；请先在政策文件中加入当时的版本"}},
		{"2019: no version in force, in English", row("OLD-2019", 88, "100000.00", "2019-12-31"), "en",
			rowError{2, "disbursed_on", "there is no policy version in force on 2019-12-31, so the caps cannot be checked: add the version of that time to the policy file first"}},
	}
	for _, k := range cases {
		if got := refused(k.csv, k.lang); len(got) != 1 || got[0] != k.want {
			t.Errorf("%s: errors %+v, want only %+v", k.name, got, k.want)
		}
	}
	if n := sqlRows(t, c.s, "SELECT COUNT(*) FROM loans")[0][0]; n != "0" {
		t.Fatalf("%s loans after refused imports", n)
	}
	// Within the caps of their day: 200,000.00 in 2021 with the 2020
	// version's subsidy cap, 250,000.00 from 2023-01-01 with the 2023 one.
	c.s.Do("POST", "/api/v1/imports/loans", c.admin, legacyHeader+row("LEG-2021", 86, "200000.00", "2021-06-01")+
		row("NEW-2023", 84, "250000.00", "2023-01-01"), "Content-Type", "text/csv").Want(200)
	caps := map[string]any{}
	for _, it := range c.s.Do("GET", "/api/v1/loans", c.auditor, nil).Want(200).JSON()["items"].([]any) {
		l := it.(map[string]any)
		caps[l["external_ref"].(string)] = l["subsidy_cap"]
	}
	if caps["LEG-2021"] != "200000.00" || caps["NEW-2023"] != "300000.00" || len(caps) != 2 {
		t.Errorf("subsidy caps %v, want LEG-2021 200000.00 and NEW-2023 300000.00", caps)
	}
}
