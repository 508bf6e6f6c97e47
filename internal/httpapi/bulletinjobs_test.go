package httpapi_test

import (
	"testing"

	"chuangdai/internal/apptest"
)

// The bulletin counts the jobs (带动就业) of the loans disbursed from 1
// January through the day against the units' jobs targets: a legacy loan's
// jobs_created (2 for each of the fixture's), an application's jobs_planned
// (3), per unit and for the city, and the exports carry the same figures.
func TestProgressBulletinJobs(t *testing.T) {
	c := newCast(t)
	s := c.s
	bulletinFixture(t, s)
	c.loan(t) // 灵宝市, disbursed 2024-03-15, jobs_planned 3
	s.Do("PUT", "/api/v1/targets/2024", c.admin, map[string]any{"items": []map[string]any{
		{"district_code": apptest.District, "loan_amount": "1000000.00", "returnee_loan_amount": "200000.00", "jobs": 5600},
		{"district_code": cityDistrict, "loan_amount": "500000.00", "jobs": 400},
	}}).Want(200)
	path := "/api/v1/reports/progress?year=2024&through=2024-04-30"
	res := s.Do("GET", path, c.auditor, nil).Want(200).JSON()
	// 411200: no loans, 0 of 400 → 0.00. 411281: L3's 2 jobs, no jobs target.
	// 411282: L1 2 + L2 2 + the application's 3 = 7 of 5,600 = 0.125% → 0.13
	// (half-up). L4 (1 May) and L5 (2023) are outside. The city: 9 of 6,000
	// = 0.15%.
	want := []map[string]any{
		{"district_code": cityDistrict, "jobs": 0.0, "jobs_target": 400.0, "jobs_completion_pct": "0.00"},
		{"district_code": apptest.OtherDistrict, "jobs": 2.0, "jobs_target": nil, "jobs_completion_pct": nil},
		{"district_code": apptest.District, "jobs": 7.0, "jobs_target": 5600.0, "jobs_completion_pct": "0.13"},
	}
	rows := res["rows"].([]any)
	if len(rows) != len(want) {
		t.Fatalf("rows %v", rows)
	}
	for i, w := range want {
		wantFields(t, "row "+w["district_code"].(string), rows[i].(map[string]any), w)
	}
	wantFields(t, "total", res["total"].(map[string]any), map[string]any{"jobs": 9.0, "jobs_target": 6000.0, "jobs_completion_pct": "0.15"})
	// Returning migrant workers: L1's 2 jobs and the application's 3 (a
	// returning migrant worker too), against no jobs target.
	ret := res["returnee"].(map[string]any)
	wantFields(t, "returnee total", ret["total"].(map[string]any), map[string]any{"jobs": 5.0, "jobs_target": nil, "jobs_completion_pct": nil})

	header, records, sheet := exportRows(t, s, c.auditor, path)
	col := map[string]int{}
	for j, h := range header {
		col[h] = j
	}
	for i, w := range append(want, map[string]any{"district_code": "", "jobs": 9.0, "jobs_target": 6000.0, "jobs_completion_pct": "0.15"}) {
		for _, k := range []string{"jobs", "jobs_target", "jobs_completion_pct"} {
			cell := "" // a workbook row ends at its last filled cell
			if col[k] < len(sheet[i]) {
				cell = sheet[i][col[k]]
			}
			if got := records[i][col[k]]; got != jsonCell(w[k]) || !sameFigure(cell, got) {
				t.Errorf("export row %d %s: CSV %q, XLSX %q, want %q", i, k, got, cell, jsonCell(w[k]))
			}
		}
	}
}
