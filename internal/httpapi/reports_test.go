package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"chuangdai/internal/apptest"
	"chuangdai/internal/report"
)

const legacyHeader = "external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created\n"

// cityDistrict is a third reporting unit with a target and no loans.
const cityDistrict = "411200"

// legacyLine is one row of a legacy file for person n (born in 1990; the
// ID number of an odd n is a man's, of an even n a woman's).
func legacyLine(ref string, n int, keyGroup, district, principal, on string) string {
	gender := map[bool]string{true: "male", false: "female"}[n%2 == 1]
	return fmt.Sprintf("%s,李四,%s,%s,%s,individual,%s,%s,%s,0.0395,24,%s,2\n", ref, loanPersonID(n), gender, keyGroup, district, apptest.Bank, principal, on)
}

func importLegacy(s *apptest.Server, token, body string) *apptest.Response {
	return s.Do("POST", "/api/v1/imports/loans", token, body, "Content-Type", "text/csv")
}

// bulletinFixture loads targets and legacy loans whose figures are worked
// out by hand in TestProgressBulletinFigures.
func bulletinFixture(t *testing.T, s *apptest.Server) {
	t.Helper()
	s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": cityDistrict, "name": "市本级"}).Want(201)
	s.Do("PUT", "/api/v1/targets/2024", s.AdminToken, map[string]any{"items": []map[string]any{
		{"district_code": apptest.District, "loan_amount": "1000000.00", "returnee_loan_amount": "200000.00", "jobs": 40},
		{"district_code": cityDistrict, "loan_amount": "500000.00"},
	}}).Want(200)
	file := legacyHeader +
		legacyLine("L1", 1, "returning_migrant_worker", apptest.District, "24690.00", "2024-01-01") +
		legacyLine("L2", 2, "college_graduate", apptest.District, "98760.00", "2024-04-30") +
		legacyLine("L3", 3, "retired_soldier", apptest.OtherDistrict, "100000.00", "2024-03-01") +
		legacyLine("L4", 4, "returning_migrant_worker", apptest.District, "50000.00", "2024-05-01") +
		legacyLine("L5", 5, "returning_migrant_worker", apptest.District, "70000.00", "2023-12-31")
	got := importLegacy(s, s.AdminToken, file).Want(200).JSON()
	if got["imported"] != 5.0 || got["skipped"] != 0.0 {
		t.Fatalf("import answered %v", got)
	}
}

type progressRow struct {
	DistrictCode  string  `json:"district_code"`
	DistrictName  string  `json:"district_name"`
	Loans         int64   `json:"loans"`
	Amount        string  `json:"amount"`
	TargetAmount  *string `json:"target_amount"`
	CompletionPct *string `json:"completion_pct"`
}

type progressBody struct {
	Year     int           `json:"year"`
	Through  string        `json:"through"`
	Rows     []progressRow `json:"rows"`
	Total    progressRow   `json:"total"`
	Returnee struct {
		Rows  []progressRow `json:"rows"`
		Total progressRow   `json:"total"`
	} `json:"returnee"`
}

func sp(s string) *string { return &s }

func TestProgressBulletinFigures(t *testing.T) {
	s := apptest.NewServer(t)
	bulletinFixture(t, s)
	auditor := s.User("auditor", "finance_auditor", "", "")
	var got progressBody
	s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-04-30", auditor, nil).Want(200).Decode(&got)
	// 411282: 24,690.00 + 98,760.00 = 123,450.00 of 1,000,000.00 = 12.345% → 12.35 (half-up).
	// 411281: 100,000.00, no target → null. 411200: nothing of 500,000.00 → 0.00.
	// L4 (1 May) and L5 (2023) are outside the period.
	want := progressBody{Year: 2024, Through: "2024-04-30",
		Rows: []progressRow{
			{cityDistrict, "市本级", 0, "0.00", sp("500000.00"), sp("0.00")},
			{apptest.OtherDistrict, "义马市", 1, "100000.00", nil, nil},
			{apptest.District, "灵宝市", 2, "123450.00", sp("1000000.00"), sp("12.35")},
		},
		// 223,450.00 of 1,500,000.00 = 14.8966…% → 14.90: the sum of the fen, never of rounded percentages.
		Total: progressRow{"", report.TotalLabel, 3, "223450.00", sp("1500000.00"), sp("14.90")},
	}
	// Returnees: 24,690.00 of 200,000.00 = 12.345% → 12.35.
	want.Returnee.Rows = []progressRow{{apptest.District, "灵宝市", 1, "24690.00", sp("200000.00"), sp("12.35")}}
	want.Returnee.Total = progressRow{"", report.TotalLabel, 1, "24690.00", sp("200000.00"), sp("12.35")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("bulletin\n got %s\nwant %s", dump(got), dump(want))
	}

	// Through 1 May counts L4: 173,450.00 / 1,000,000.00 = 17.345% → 17.35.
	var may progressBody
	s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-05-01", s.AdminToken, nil).Want(200).Decode(&may)
	if r := may.Rows[2]; r.Loans != 3 || r.Amount != "173450.00" || *r.CompletionPct != "17.35" {
		t.Errorf("through 1 May: %+v", r)
	}
	if r := may.Returnee.Total; r.Loans != 2 || r.Amount != "74690.00" || *r.CompletionPct != "37.35" {
		t.Errorf("returnees through 1 May: %+v", r)
	}
	// 2023 has no targets: its one loan has a null percentage, and so has the total.
	var y23 progressBody
	s.Do("GET", "/api/v1/reports/progress?year=2023&through=2023-12-31", auditor, nil).Want(200).Decode(&y23)
	if len(y23.Rows) != 1 || y23.Total.Amount != "70000.00" || y23.Total.CompletionPct != nil || y23.Total.TargetAmount != nil {
		t.Errorf("2023: %s", dump(y23))
	}

	// The exports carry the same figures: CSV with BOM, and the workbook.
	csvResp := s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-04-30&format=csv", auditor, nil).Want(200)
	if ct := csvResp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := csvResp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("disposition %q", cd)
	}
	if !bytes.HasPrefix(csvResp.Body, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the CSV has no byte order mark")
	}
	records, err := csv.NewReader(bytes.NewReader(csvResp.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := progressRecords(want)
	if !reflect.DeepEqual(records[1:], wantRows) || strings.Join(records[0], ",") != "block,district_code,district_name,loans,amount,target_amount,completion_pct" {
		t.Errorf("CSV\n got %q\nwant %q", records, wantRows)
	}

	xl := s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-04-30&format=xlsx", auditor, nil).Want(200)
	if ct := xl.Header.Get("Content-Type"); ct != report.MediaXLSX {
		t.Errorf("content type %q", ct)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xl.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rows[0][0], "2024") || !strings.Contains(rows[0][0], "2024-04-30") || !strings.Contains(rows[0][0], "导出时间") {
		t.Errorf("title row %q", rows[0])
	}
	for i, r := range rows[2:] {
		w := wantRows[i]
		for j := range w {
			gotCell := ""
			if j < len(r) {
				gotCell = r[j]
			}
			if !sameFigure(gotCell, w[j]) {
				t.Errorf("xlsx row %d col %d: %q, JSON has %q", i+3, j+1, gotCell, w[j])
			}
		}
	}
	if len(rows)-2 != len(wantRows) {
		t.Errorf("xlsx has %d data rows, want %d", len(rows)-2, len(wantRows))
	}
	// Amounts and percentages are numbers with a two-decimal format, never text.
	typ, err := f.GetCellType("Sheet1", "E5")
	if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
		t.Errorf("amount cell type %v %v", typ, err)
	}
	if v, _ := f.GetCellValue("Sheet1", "E5"); v != "123,450.00" {
		t.Errorf("formatted amount %q", v)
	}
	if v, _ := f.GetCellValue("Sheet1", "G5"); v != "12.35" {
		t.Errorf("formatted percent %q", v)
	}
}

// progressRecords is the bulletin as the exports must show it.
func progressRecords(p progressBody) [][]string {
	var out [][]string
	add := func(block string, rows []progressRow, total progressRow) {
		for _, r := range append(rows, total) {
			out = append(out, []string{block, r.DistrictCode, r.DistrictName, strconv.FormatInt(r.Loans, 10), r.Amount, deref(r.TargetAmount), deref(r.CompletionPct)})
		}
	}
	add("all", p.Rows, p.Total)
	add("returnee", p.Returnee.Rows, p.Returnee.Total)
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sameFigure compares a raw workbook cell with the JSON text: numbers as numbers.
func sameFigure(cell, text string) bool {
	if cell == text {
		return true
	}
	a, err1 := strconv.ParseFloat(cell, 64)
	b, err2 := strconv.ParseFloat(text, 64)
	return err1 == nil && err2 == nil && fmt.Sprintf("%.2f", a) == fmt.Sprintf("%.2f", b)
}

func dump(v any) string { return fmt.Sprintf("%+v", v) }
