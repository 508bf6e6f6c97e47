package httpapi_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/report"
)

// Each level of government pays its part of a quarter's subsidy by the
// shares of the regime each loan was contracted under. Here the 2021
// regime (lpr_minus) is funded 40/30/20/10 and the 2023 one (share) 50/25/25/0;
// a loan contracted in 2020, before the first regime, has no subsidy and
// adds nothing. Per district and set of shares each part is rounded half-up
// to the fen and the largest share takes what rounding leaves over.
func TestSubsidyByFundingLevel(t *testing.T) {
	pol, err := os.ReadFile("../../configs/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	shipped := []byte(`funding: {central: "0.50", provincial: "0.25", city: "0.25", county: "0"}`)
	if bytes.Count(pol, shipped) != 2 {
		t.Fatalf("the shipped policy's regimes are no longer funded 50/25/25/0")
	}
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, bytes.Replace(pol, shipped, []byte(`funding: {central: "0.40", provincial: "0.30", city: "0.20", county: "0.10"}`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCastOn(apptest.NewServerWith(t, func(cfg *config.Config) { cfg.PolicyFile = file }))
	s := c.s
	row := func(ref string, n int, district, rate, on string) string {
		return ref + ",王五," + loanPersonID(n) + ",female,retired_soldier,individual," + district + "," + apptest.Bank + ",200000.00," + rate + ",36," + on + ",2\n"
	}
	csv := legacyHeader + row("LEG-2022", 92, apptest.District, "0.0435", "2022-03-01") +
		row("LEG-2023", 96, apptest.OtherDistrict, "0.0400", "2023-06-01") + row("OLD-2020", 94, apptest.District, "0.0435", "2020-12-31")
	s.Do("POST", "/api/v1/imports/loans", c.admin, csv, "Content-Type", "text/csv").Want(200)
	ids := map[string]string{}
	for _, it := range s.Do("GET", "/api/v1/loans", c.auditor, nil).Want(200).JSON()["items"].([]any) {
		l := it.(map[string]any)
		ids[l["external_ref"].(string)] = jsonID(l["id"])
	}
	ids["2024"] = jsonID(c.loan(t)["id"]) // 2024-03-15 at 3.95%, the share regime
	claim := func(ref, period, want string) {
		t.Helper()
		got := s.Do("POST", "/api/v1/loans/"+ids[ref]+"/subsidy/"+period+"/claim", c.bank, nil).Want(200).JSON()
		if got["subsidy"] != want {
			t.Fatalf("%s %s: claimed %v, want %s", ref, period, got["subsidy"], want)
		}
	}
	// 2024Q2 runs 2024-03-21 → 2024-06-20 (92 days) for the loans of 2022
	// and 2023: LEG-2022 200000 × 0.0215 × 92 / 360 = 1098.888… → 1098.89;
	// LEG-2023 200000 × 0.0200 × 92 / 360 = 1022.222… → 1022.22. The 2024
	// loan, 2024-03-15 → 2024-06-20 (97 days): 200000 × 0.01975 × 97 / 360
	// = 1064.305… → 1064.31.
	claim("LEG-2022", "2024Q2", "1098.89")
	claim("LEG-2023", "2024Q2", "1022.22")
	claim("2024", "2024Q2", "1064.31")
	// OLD-2020's first quarter has no subsidy.
	if items := s.Do("GET", "/api/v1/loans/"+ids["OLD-2020"]+"/subsidy", c.auditor, nil).Want(200).JSON()["items"].([]any); len(items) > 0 &&
		items[0].(map[string]any)["subsidy"] != "0.00" {
		t.Fatalf("OLD-2020 has subsidy: %v", items[0])
	}

	res := s.Do("GET", "/api/v1/subsidies?period=2024Q2", c.auditor, nil).Want(200).JSON()
	rows := res["rows"].([]any)
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
	// Rows in code order. The other district (411281): LEG-2023 at
	// 50/25/25/0: 511.11, 255.555 → 255.56 twice, 1022.23: central 511.10.
	// The district (411282): LEG-2022 at 40/30/20/10: 439.556 → 439.56, 329.667 →
	// 329.67, 219.778 → 219.78, 109.889 → 109.89, 1098.90 in all, so the
	// central part gives back 0.01: 439.55. The 2024 loan at 50/25/25/0:
	// 532.155 → 532.16, 266.0775 → 266.08 twice, 1064.32: central 532.15.
	// Central 439.55 + 532.15 = 971.70, provincial 329.67 + 266.08 = 595.75,
	// city 219.78 + 266.08 = 485.86, county 109.89: 2163.20 = 1098.89 + 1064.31.
	// The city: the sums.
	want := []struct {
		code, subsidy                     string
		central, provincial, city, county string
	}{
		{apptest.OtherDistrict, "1022.22", "511.10", "255.56", "255.56", "0.00"},
		{apptest.District, "2163.20", "971.70", "595.75", "485.86", "109.89"},
		{"", "3185.42", "1482.80", "851.31", "741.42", "109.89"},
	}
	got := append(rows, res["total"])
	for i, w := range want {
		r := got[i].(map[string]any)
		lv := r["by_level"].(map[string]any)
		code, _ := r["district_code"].(string)
		if code != w.code || r["subsidy"] != w.subsidy || r["claimed"] != w.subsidy {
			t.Errorf("row %d: %v", i, r)
		}
		wantFigures(t, "parts of row "+w.code, lv, map[string]string{"central": w.central, "provincial": w.provincial,
			"city": w.city, "county": w.county, "unspecified": "0.00"})
		if w.code != "" && r["district_name"] == "" {
			t.Errorf("row %d has no district name: %v", i, r)
		}
	}

	// The other district's HRSS officer sees the other district only.
	if rows := s.Do("GET", "/api/v1/subsidies?period=2024Q2", c.hrssOther, nil).Want(200).JSON()["rows"].([]any); len(rows) != 1 ||
		rows[0].(map[string]any)["district_code"] != apptest.OtherDistrict {
		t.Errorf("the other district's officer sees %v", rows)
	}

	// The downloads carry the same figures, the parts as columns, total last.
	path := "/api/v1/subsidies?period=2024Q2"
	header, records, sheet := exportRows(t, s, c.auditor, path)
	if len(records) != 3 || len(sheet) != 3 {
		t.Fatalf("CSV %v, sheet %v", records, sheet)
	}
	for i := range got {
		r := map[string]any{}
		for k, v := range got[i].(map[string]any) {
			r[k] = v
		}
		for k, v := range r["by_level"].(map[string]any) {
			r[k] = v
		}
		if i == len(got)-1 {
			r["district_code"], r["district_name"] = "", report.TotalLabel
		}
		for j, key := range header {
			if jv := jsonCell(r[key]); records[i][j] != jv || !sameFigure(sheet[i][j], jv) {
				t.Errorf("row %d %s: CSV %q, XLSX %q, JSON %q", i, key, records[i][j], sheet[i][j], jv)
			}
		}
	}
	labels := s.Do("GET", path+"&format=csv&headers=labels", c.auditor, nil).Want(200)
	if first := strings.SplitN(string(labels.Body), "\n", 2)[0]; !strings.Contains(first, "中央财政(元)") || !strings.Contains(first, "县级财政(元)") {
		t.Errorf("labelled header %q", first)
	}
	s.Do("GET", path+"&format=pdf", c.auditor, nil).WantProblem(422, "validation_failed")
}
