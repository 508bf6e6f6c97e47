package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"chuangdai/internal/apptest"
)

// formulas are texts a spreadsheet would run as formulas (CSV injection).
// (Leading tabs and carriage returns are trimmed from what people type;
// sheet.CSVText's own test covers them.)
var formulas = []string{`=HYPERLINK("http://evil.example","点击")`, `+cmd|' /C calc'!A0`, `@SUM(1+1)`, `-2+3`}

// TestEveryExportNeutralisesFormulas walks every download of the route table
// (each GET route taking format) with districts, banks, borrowers, an
// applicant and a project named like formulas: no CSV cell starts with = + -
// @, a tab or a carriage return unless it is a number, every download of
// records holds such a text behind an apostrophe,
// and every workbook cell is a value, never a formula, with either CSV
// header. CSV headers are the JSON field names, or the Chinese labels with
// headers=labels.
func TestEveryExportNeutralisesFormulas(t *testing.T) {
	s := apptest.NewServer(t)
	auditor := s.User("auditor", "finance_auditor", "", "")
	bankOfficer := s.User("bank", "bank_officer", "", apptest.Bank)
	hrss := s.User("hrss", "hrss_officer", apptest.District, "")
	s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": "411203", "name": formulas[0]}).Want(201)
	s.Do("POST", "/api/v1/banks", s.AdminToken, map[string]string{"code": "EVIL", "name": formulas[1]}).Want(201)
	s.Do("PUT", "/api/v1/targets/2024", s.AdminToken, map[string]any{"items": []map[string]any{{"district_code": "411203", "loan_amount": "1000000.00"}}}).Want(200)
	var file strings.Builder
	file.WriteString(legacyHeader)
	for i, name := range formulas[2:] {
		fmt.Fprintf(&file, "H%d,%q,%s,%s,college_graduate,individual,411203,EVIL,10000.00,0.0395,24,2024-02-0%d,1\n",
			i, name, reportPersonID(2*i+1), "male", i+1)
	}
	importLegacy(s, s.AdminToken, file.String()).Want(200)
	// A quarter's subsidy claimed in that district, so that the subsidy
	// totals name it.
	evil := s.User("evil.bank", "bank_officer", "", "EVIL")
	var loans struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	s.Do("GET", "/api/v1/loans?bank_code=EVIL", evil, nil).Want(200).Decode(&loans)
	s.Do("POST", fmt.Sprintf("/api/v1/loans/%d/subsidy/2024Q1/claim", loans.Items[0].ID), evil, nil).Want(200)
	// An entrepreneur whose name and project are formulas: the audit trail
	// names the actor, the applications list the project.
	s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": "formula.person", "password": apptest.Password, "name": formulas[3], "phone": "13800138000"}).Want(201)
	applicant := s.Login("formula.person", apptest.Password)
	body := individual(reportPersonID(11))
	body["business_name"] = formulas[0]
	s.Do("POST", "/api/v1/applications", applicant, body).Want(201)
	list := "bank_reference,name,amount,disbursed_on\nB-1,\"=1+1\",500.00,2024-02-01\n"
	s.Do("POST", "/api/v1/reports/reconciliation?bank_code="+apptest.Bank+"&from=2024-01-01&to=2024-12-31", bankOfficer, list, "Content-Type", "text/csv").Want(200)

	// Parameters the downloads need; every other download takes its defaults.
	params := map[string]string{
		"/api/v1/reports/progress":       "year=2024",
		"/api/v1/reports/awards":         "year=2024",
		"/api/v1/reports/disbursements":  "from=2024-01-01&to=2024-12-31&group_by=bank",
		"/api/v1/reports/reconciliation": "from=2024-01-01&to=2024-12-31",
		"/api/v1/subsidies":              "period=2024Q1",
	}
	downloads := 0
	seen := map[string]bool{}
	for _, r := range s.App.Server.Routes {
		takesFormat := false
		for _, q := range r.Query {
			takesFormat = takesFormat || q.Name == "format"
		}
		if r.Method != "GET" || !takesFormat {
			continue
		}
		path := r.Path + "?" + params[r.Path]
		for _, format := range []string{"csv", "csv&headers=labels", "xlsx"} {
			// Whoever may download it: auditors read the reports, HRSS
			// officers import rosters, administrators legacy loans.
			var resp *apptest.Response
			for _, token := range []string{auditor, hrss, bankOfficer, s.AdminToken} {
				if resp = s.Do("GET", path+"&format="+format, token, nil); resp.Status != 403 {
					break
				}
			}
			resp.Want(200)
			downloads++
			var cells []string
			if format != "xlsx" {
				cells = csvCells(t, resp.Body)
			} else {
				cells = workbookCells(t, path, resp.Body)
			}
			neutralised := 0
			for _, c := range cells {
				if strings.HasPrefix(c, "'") {
					neutralised++
				}
				seen[c] = true
				if format != "xlsx" && c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					if _, err := strconv.ParseFloat(c, 64); err != nil {
						t.Errorf("%s CSV cell %q would run as a formula", path, c)
					}
				}
			}
			// Every download of records shows one of them neutralised (the
			// templates hold no records).
			if format != "xlsx" && !strings.HasSuffix(r.Path, "/template") && neutralised == 0 {
				t.Errorf("%s CSV: no formula-like text neutralised, so the test proves nothing for it", path)
			}
		}
	}
	if downloads < 12 {
		t.Fatalf("only %d downloads found in the route table", downloads)
	}
	for _, h := range append(formulas, "=1+1") {
		if !seen["'"+h] && !seen[h] {
			t.Errorf("the formulas text %q is in no export: the test proves nothing for it", h)
		}
	}
	if !seen["'"+formulas[0]] || !seen[formulas[0]] {
		t.Error("the district's name should be neutralised in CSV and plain in workbooks")
	}
	header := csvCellsHeader(t, s.Do("GET", "/api/v1/reports/portfolio?format=csv&headers=labels", auditor, nil).Want(200).Body)
	if header[0] != "区划代码" || header[1] != "单位" {
		t.Errorf("CSV header %q, want Chinese labels", header)
	}
	header = csvCellsHeader(t, s.Do("GET", "/api/v1/reports/portfolio?format=csv", auditor, nil).Want(200).Body)
	if header[0] != "district_code" || header[1] != "district_name" {
		t.Errorf("CSV header %q, want the JSON field names by default", header)
	}
	s.Do("GET", "/api/v1/reports/portfolio?format=csv&headers=codes", auditor, nil).WantProblem(422, "validation_failed")
}

func csvRecords(t *testing.T, body []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return records
}

func csvCells(t *testing.T, body []byte) []string {
	var out []string
	for _, rec := range csvRecords(t, body) {
		out = append(out, rec...)
	}
	return out
}

func csvCellsHeader(t *testing.T, body []byte) []string { return csvRecords(t, body)[0] }

// workbookCells returns every cell of every worksheet, failing for a formula.
func workbookCells(t *testing.T, path string, body []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			for j, v := range row {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
					t.Errorf("%s %s!%s is a formula: %q", path, sheet, ref, formula)
				}
				out = append(out, v)
			}
		}
	}
	return out
}
