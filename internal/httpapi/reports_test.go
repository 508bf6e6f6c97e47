package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chuangdai/internal/apptest"
	"chuangdai/internal/idnum"
	"chuangdai/internal/report"
)

const legacyHeader = "external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created\n"

// cityDistrict is a third reporting unit with a target and no loans.
const cityDistrict = "411200"

// reportPersonID is a valid resident ID number for any n ≥ 0: born n/1000
// days after 1 January 1980, sequence n%1000; odd sequences are men's.
func reportPersonID(n int) string {
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	body := fmt.Sprintf("411282%s%03d", birth.Format("20060102"), n%1000)
	return idnum.WithCheckDigit(body)
}

// legacyLine is one row of a legacy file for person n, with the sex the ID
// number encodes.
func legacyLine(ref string, n int, keyGroup, district, principal, on string) string {
	gender := map[bool]string{true: "male", false: "female"}[n%2 == 1]
	return fmt.Sprintf("%s,李四,%s,%s,%s,individual,%s,%s,%s,0.0395,24,%s,2\n", ref, reportPersonID(n), gender, keyGroup, district, apptest.Bank, principal, on)
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
	csvResp := s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-04-30&format=csv&headers=labels", auditor, nil).Want(200)
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
	// The loan columns; the jobs columns follow (TestProgressBulletinJobs).
	var loanCols [][]string
	for _, r := range records[1:] {
		loanCols = append(loanCols, r[:7])
	}
	if !reflect.DeepEqual(loanCols, wantRows) || strings.Join(records[0], ",") != "类别,区划代码,单位,发放笔数,发放金额(元),年度目标(元),完成率(%),新增就业(人),就业目标(人),就业目标完成率(%)" {
		t.Errorf("CSV\n got %q\nwant %q", records, wantRows)
	}
	// By default the CSV carries the JSON's field names and codes.
	plain := csvRecords(t, s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-04-30&format=csv", auditor, nil).Want(200).Body)
	if strings.Join(plain[0], ",") != "block,district_code,district_name,loans,amount,target_amount,completion_pct,jobs,jobs_target,jobs_completion_pct" ||
		plain[1][0] != "all" || plain[len(plain)-1][0] != "returnee" || !reflect.DeepEqual(plain[1][1:7], wantRows[0][1:]) {
		t.Errorf("default CSV %q", plain)
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
	add("全部贷款", p.Rows, p.Total)
	add("返乡创业农民工", p.Returnee.Rows, p.Returnee.Total)
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

// sqlRows runs a query on the test database and returns its rows as text.
func sqlRows(t *testing.T, s *apptest.Server, q string) [][]string {
	t.Helper()
	return apptest.Rows(t, s.App.DB.SQL(), q)
}

// assertSummariesMatchLoans checks every summary against the raw aggregate
// over the loans that stand (a cancelled loan, its disbursement reversed,
// counts nowhere) and the repayments that stand, recoveries and claims it
// summarises.
func assertSummariesMatchLoans(t *testing.T, s *apptest.Server) {
	t.Helper()
	for dim, col := range map[string]string{"district": "district_code", "key_group": "key_group", "bank": "bank_code", "borrower_type": "borrower_type", "industry": "industry", "gender": "gender"} {
		raw := sqlRows(t, s, "SELECT "+col+", COUNT(*), SUM(principal_fen), SUM(jobs), SUM(jobs_created) FROM loans WHERE status <> 'cancelled' GROUP BY "+col+" ORDER BY "+col)
		sum := sqlRows(t, s, "SELECT key, SUM(loans), SUM(amount_fen), SUM(jobs_planned), SUM(jobs_created) FROM loan_day_totals WHERE dim = '"+dim+"' GROUP BY key HAVING SUM(loans) <> 0 ORDER BY key")
		if !reflect.DeepEqual(raw, sum) {
			t.Errorf("%s: loans %v, summary %v", dim, raw, sum)
		}
	}
	flags := sqlRows(t, s, `SELECT key, COUNT(*), SUM(principal_fen), SUM(jobs), SUM(jobs_created) FROM (
		SELECT 'female' AS key, principal_fen, jobs, jobs_created FROM loans WHERE status <> 'cancelled' AND gender = 'female'
		UNION ALL SELECT 'disabled', principal_fen, jobs, jobs_created FROM loans WHERE status <> 'cancelled' AND is_disabled
		UNION ALL SELECT 'village_official', principal_fen, jobs, jobs_created FROM loans WHERE status <> 'cancelled' AND is_village_official
		UNION ALL SELECT 'returned_overseas_student', principal_fen, jobs, jobs_created FROM loans WHERE status <> 'cancelled' AND is_returned_overseas_student) f
		GROUP BY key ORDER BY key`)
	flagSums := sqlRows(t, s, "SELECT key, SUM(loans), SUM(amount_fen), SUM(jobs_planned), SUM(jobs_created) FROM loan_day_totals WHERE dim = 'flag' GROUP BY key HAVING SUM(loans) <> 0 ORDER BY key")
	if !reflect.DeepEqual(flags, flagSums) {
		t.Errorf("flag: loans %v, summary %v", flags, flagSums)
	}
	raw := sqlRows(t, s, "SELECT district_code, COUNT(*), SUM(principal_fen) FROM loans WHERE status <> 'cancelled' AND key_group = 'returning_migrant_worker' GROUP BY district_code ORDER BY district_code")
	sum := sqlRows(t, s, "SELECT key, SUM(loans), SUM(amount_fen) FROM loan_day_totals WHERE dim = 'returnee' GROUP BY key HAVING SUM(loans) <> 0 ORDER BY key")
	if !reflect.DeepEqual(raw, sum) {
		t.Errorf("returnee: loans %v, summary %v", raw, sum)
	}
	raw = sqlRows(t, s, `SELECT l.district_code, COUNT(*), SUM(l.principal_fen),
		SUM(COALESCE(l.compensation_fen, 0)), SUM(COALESCE(l.fund_paid_fen, 0)), SUM(COALESCE(l.written_off_fen, 0)),
		SUM(CASE WHEN l.status IN ('active', 'overdue') THEN l.outstanding_fen ELSE COALESCE(l.compensation_fen, 0) - l.recovered_fen END),
		SUM(l.recovered_fen),
		(SELECT COALESCE(SUM(r.principal_fen), 0) FROM loan_repayments r JOIN loans x ON x.id = r.loan_id WHERE x.district_code = l.district_code AND r.reversed_by IS NULL),
		(SELECT COALESCE(SUM(c.subsidy_fen), 0) FROM subsidy_claims c WHERE c.district_code = l.district_code AND c.status <> 'refused'),
		(SELECT COALESCE(SUM(c.subsidy_fen), 0) FROM subsidy_claims c WHERE c.district_code = l.district_code AND c.status = 'paid')
		FROM loans l WHERE l.status <> 'cancelled' GROUP BY l.district_code ORDER BY l.district_code`)
	sum = sqlRows(t, s, `SELECT district_code, SUM(disbursed_loans), SUM(disbursed_fen), SUM(compensated_fen), SUM(fund_paid_fen),
		SUM(written_off_fen), SUM(matured_unpaid_fen), SUM(recovered_fen), SUM(repaid_fen), SUM(subsidy_claimed_fen), SUM(subsidy_paid_fen)
		FROM portfolio_day_flows GROUP BY district_code ORDER BY district_code`)
	if !reflect.DeepEqual(raw, sum) {
		t.Errorf("portfolio: loans %v, flows %v", raw, sum)
	}
}

func TestSummariesFollowTheLoansAndThePortfolio(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := jsonID(c.loan(t)["id"])
	b := jsonID(c.loan(t)["id"])
	assertSummariesMatchLoans(t, s)
	s.Do("POST", "/api/v1/loans/"+a+"/repayments", c.bank, repayment("50000.00", "2128.61", "2024-06-20", "R1"), "Idempotency-Key", "r-a").Want(201)
	if _, err := s.App.Loans.RunDaily(t.Context(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	assertSummariesMatchLoans(t, s)
	s.Do("POST", "/api/v1/loans/"+b+"/compensation", c.guar, map[string]any{"compensated_on": "2024-08-01"}).Want(200)
	s.Do("POST", "/api/v1/loans/"+b+"/recoveries", c.guar, map[string]any{"amount": "50000.00", "recovered_on": "2024-09-01"}).Want(201)
	q2 := "/api/v1/loans/" + a + "/subsidy/2024Q2/"
	s.Do("POST", q2+"claim", c.bank, nil).Want(200)
	s.Do("POST", q2+"check", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	s.Do("POST", q2+"pay", c.hrss2, nil).Want(200)
	importLegacy(s, c.admin, legacyHeader+
		legacyLine("I1", 31, "college_graduate", apptest.OtherDistrict, "100000.00", "2024-02-01")+
		legacyLine("I2", 33, "online_merchant", apptest.OtherDistrict, "60000.00", "2025-12-01")).Want(200)
	assertSummariesMatchLoans(t, s)

	// Disbursed 560,000.00; repaid 50,000.00; the fund took over B's 200,000.00:
	// 310,000.00 outstanding. Matured by 30 June 2026: A and B (15 March 2026)
	// and I1 (1 February 2026), 500,000.00, of which A's 150,000.00, B's
	// 150,000.00 not recovered and I1's 100,000.00 are unpaid: 20.00% came back.
	var p map[string]any
	s.Do("GET", "/api/v1/reports/portfolio?as_of=2026-06-30", c.auditor, nil).Want(200).Decode(&p)
	for k, v := range map[string]any{
		"as_of": "2026-06-30", "loans": 4.0, "disbursed": "560000.00", "repaid": "50000.00", "outstanding": "310000.00",
		"overdue": "0.00", "overdue_rate": "0.00", "compensated_loans": 1.0, "compensated": "200000.00", "fund_paid": "160000.00",
		"recovered": "50000.00", "written_off": "0.00", "matured_loans": 3.0, "matured_principal": "500000.00",
		"matured_repaid": "100000.00", "recovery_rate": "20.00",
	} {
		if p[k] != v {
			t.Errorf("portfolio %s = %v, want %v", k, p[k], v)
		}
	}
	if rows := p["rows"].([]any); len(rows) != 2 || rows[0].(map[string]any)["outstanding"] != "160000.00" || rows[1].(map[string]any)["outstanding"] != "150000.00" {
		t.Errorf("portfolio rows %v", rows)
	}
	// Before the compensation, and before I2: 450,000.00 outstanding.
	s.Do("GET", "/api/v1/reports/portfolio?as_of=2024-07-31", c.auditor, nil).Want(200).Decode(&p)
	if p["loans"] != 3.0 || p["outstanding"] != "450000.00" || p["compensated"] != "0.00" || p["recovered"] != "0.00" || p["matured_loans"] != 0.0 || p["recovery_rate"] != nil {
		t.Errorf("portfolio on 31 July 2024: %v", p)
	}
	// The subsidy was claimed and paid today.
	s.Do("GET", "/api/v1/reports/portfolio", c.auditor, nil).Want(200).Decode(&p)
	if p["subsidy_claimed"] != "1064.31" || p["subsidy_paid"] != "1064.31" {
		t.Errorf("subsidy claimed %v paid %v", p["subsidy_claimed"], p["subsidy_paid"])
	}

	// Disbursements of 2024 by key group: the two disbursed loans and I1.
	var d struct {
		Rows []struct {
			Key, Label, Amount       string
			Loans, JobsPlanned, Jobs int64
		} `json:"rows"`
		Total map[string]any `json:"total"`
	}
	s.Do("GET", "/api/v1/reports/disbursements?from=2024-01-01&to=2024-12-31&group_by=key_group", c.auditor, nil).Want(200).Decode(&d)
	if len(d.Rows) != 2 || d.Rows[0].Key != "college_graduate" || d.Rows[0].Amount != "100000.00" || d.Rows[1].Key != "returning_migrant_worker" ||
		d.Rows[1].Loans != 2 || d.Rows[1].Label != "返乡创业农民工" || d.Total["amount"] != "500000.00" || d.Total["loans"] != 3.0 {
		t.Errorf("by key group: %+v", d)
	}
	var byMonth map[string]any
	s.Do("GET", "/api/v1/reports/disbursements?from=2024-01-01&to=2025-12-31&group_by=month", c.auditor, nil).Want(200).Decode(&byMonth)
	keys := []string{}
	for _, r := range byMonth["rows"].([]any) {
		keys = append(keys, r.(map[string]any)["key"].(string))
	}
	if strings.Join(keys, " ") != "2024-02 2024-03 2025-12" || byMonth["total"].(map[string]any)["amount"] != "560000.00" {
		t.Errorf("by month: %v", byMonth)
	}
	var byQuarter map[string]any
	s.Do("GET", "/api/v1/reports/disbursements?from=2024-01-01&to=2025-12-31&group_by=quarter", c.auditor, nil).Want(200).Decode(&byQuarter)
	if r := byQuarter["rows"].([]any)[0].(map[string]any); r["key"] != "2024Q1" || r["loans"] != 3.0 || r["amount"] != "500000.00" {
		t.Errorf("by quarter: %v", byQuarter)
	}
}

func TestReportsAreForAuditorsAndAdminsAndCheckEveryParameter(t *testing.T) {
	s := apptest.NewServer(t)
	auditor := s.User("auditor", "finance_auditor", "", "")
	others := map[string]string{
		"entrepreneur":      s.User("owner", "entrepreneur", "", ""),
		"hrss_officer":      s.User("hrss", "hrss_officer", apptest.District, ""),
		"guarantee_officer": s.User("guar", "guarantee_officer", apptest.District, ""),
		"bank_officer":      s.User("bank", "bank_officer", "", apptest.Bank),
	}
	reads := []string{"/api/v1/reports/progress?year=2024", "/api/v1/reports/disbursements", "/api/v1/reports/portfolio", "/api/v1/reports/reconciliation"}
	for _, path := range reads {
		s.Do("GET", path, auditor, nil).Want(200)
		s.Do("GET", path, s.AdminToken, nil).Want(200)
		s.Do("GET", path, "", nil).WantProblem(401, "auth.unauthenticated")
		for role, token := range others {
			if role == "bank_officer" && strings.HasPrefix(path, "/api/v1/reports/reconciliation") {
				continue // their own bank's: TestBankOfficersReconcileTheirOwnBank
			}
			if r := s.Do("GET", path, token, nil); r.Status != 403 {
				t.Errorf("%s reads %s: %d", role, path, r.Status)
			}
		}
		for _, f := range []string{"pdf", "CSVX", "1"} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			if got := s.Do("GET", path+sep+"format="+f, auditor, nil).WantProblem(422, "validation_failed").FieldErrors(); !reflect.DeepEqual(got, []string{"format"}) {
				t.Errorf("%s format=%s: %v", path, f, got)
			}
		}
	}
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/reports/progress?year=twenty", "year"},
		{"/api/v1/reports/progress?year=1999", "year"},
		{"/api/v1/reports/progress?year=2024&through=2023-12-31", "through"},
		{"/api/v1/reports/progress?through=2024-02-30", "through"},
		{"/api/v1/reports/disbursements?from=2024-13-01", "from"},
		{"/api/v1/reports/disbursements?to=yesterday", "to"},
		{"/api/v1/reports/disbursements?from=2024-05-01&to=2024-04-01", "from"},
		{"/api/v1/reports/disbursements?group_by=city", "group_by"},
		{"/api/v1/reports/portfolio?as_of=2024/01/01", "as_of"},
		{"/api/v1/reports/portfolio?as_of=2999-01-01", "as_of"},
		{"/api/v1/reports/reconciliation?bank_code=NOPE", "bank_code"},
		{"/api/v1/reports/reconciliation?from=x", "from"},
	} {
		if got := s.Do("GET", tc.path, auditor, nil).WantProblem(422, "validation_failed").FieldErrors(); !reflect.DeepEqual(got, []string{tc.field}) {
			t.Errorf("%s: fields %v, want %s", tc.path, got, tc.field)
		}
	}
	file := legacyHeader + legacyLine("X1", 1, "college_graduate", apptest.District, "1000.00", "2024-01-05")
	importLegacy(s, auditor, file).WantProblem(403, "forbidden")
	for role, token := range others {
		if r := importLegacy(s, token, file); r.Status != 403 {
			t.Errorf("%s imports: %d", role, r.Status)
		}
	}
	// A bank officer uploads the list of their own bank only.
	list := "bank_reference,name,amount,disbursed_on\nB1,张三,1000.00,2024-01-05\n"
	s.Do("POST", "/api/v1/reports/reconciliation?bank_code="+apptest.OtherBank+"&from=2024-01-01&to=2024-12-31", others["bank_officer"], list, "Content-Type", "text/csv").WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reports/reconciliation?bank_code="+apptest.Bank+"&from=2024-01-01&to=2024-12-31", others["hrss_officer"], list, "Content-Type", "text/csv").WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/reports/reconciliation?bank_code="+apptest.Bank+"&from=2024-01-01&to=2024-12-31", others["bank_officer"], list, "Content-Type", "text/csv").Want(200)
}

func TestLegacyImportIsAllOrNothingAndIdempotent(t *testing.T) {
	s := apptest.NewServer(t)
	good := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			b.WriteString(legacyLine(fmt.Sprintf("OLD-%04d", i), i, "rural_entrepreneur", apptest.District, "20000.00", "2024-06-03"))
		}
		return b.String()
	}
	// A bad row in the middle (row 1502: the header is row 1) leaves nothing.
	bad := strings.Replace(legacyLine("OLD-BAD", 2001, "nobody", apptest.District, "300000.01", "2024-06-03"), "0.0395", "0.0600", 1)
	r := importLegacy(s, s.AdminToken, legacyHeader+good(1, 1500)+bad+good(1501, 2000)).WantProblem(422, "validation_failed")
	var p struct {
		Errors []struct {
			Row     int    `json:"row"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	r.Decode(&p)
	fields := map[string]int{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Row
	}
	if len(p.Errors) != 3 || fields["key_group"] != 1502 || fields["principal"] != 1502 || fields["annual_rate"] != 1502 {
		t.Fatalf("%d errors, first %+v", len(p.Errors), p.Errors[:min(len(p.Errors), 5)])
	}
	if n := sqlRows(t, s, "SELECT COUNT(*) FROM loans")[0][0]; n != "0" {
		t.Fatalf("%s loans after a failed import", n)
	}
	if n := sqlRows(t, s, "SELECT COUNT(*) FROM loan_day_totals")[0][0]; n != "0" {
		t.Fatalf("%s summary rows after a failed import", n)
	}

	got := importLegacy(s, s.AdminToken, legacyHeader+good(1, 2000)).Want(200).JSON()
	if got["imported"] != 2000.0 || got["skipped"] != 0.0 {
		t.Fatalf("import answered %v", got)
	}
	again := importLegacy(s, s.AdminToken, legacyHeader+good(1, 2000)+good(2001, 2002)).Want(200).JSON()
	if again["imported"] != 2.0 || again["skipped"] != 2000.0 {
		t.Fatalf("second import answered %v", again)
	}
	assertSummariesMatchLoans(t, s)
	loans := s.Do("GET", "/api/v1/loans?district_code="+apptest.District+"&page_size=1", s.AdminToken, nil)
	if loans.Status == 200 {
		if items := loans.JSON()["items"].([]any); len(items) == 1 && items[0].(map[string]any)["status"] != "active" {
			t.Errorf("imported loan %v", items[0])
		}
	}
	status := sqlRows(t, s, "SELECT status, COUNT(*), MIN(number), MAX(number) FROM loans GROUP BY status")
	if len(status) != 1 || status[0][0] != "active" || status[0][1] != "2002" || status[0][2] != "DK411282-2024-000001" || status[0][3] != "DK411282-2024-002002" {
		t.Errorf("imported loans %v", status)
	}
	var d map[string]any
	s.Do("GET", "/api/v1/reports/disbursements?from=2024-01-01&to=2024-12-31", s.AdminToken, nil).Want(200).Decode(&d)
	if tot := d["total"].(map[string]any); tot["loans"] != 2002.0 || tot["amount"] != "40040000.00" || tot["jobs_created"] != 4004.0 {
		t.Errorf("disbursements of the imported loans %v", tot)
	}

	for _, tc := range []struct {
		name, body string
		field      string
	}{
		{"empty", "", "file"},
		{"header only", legacyHeader, "file"},
		{"missing column", strings.Replace(legacyHeader, ",jobs_created", "", 1) + "x\n", "jobs_created"},
		{"unknown column", strings.TrimSuffix(legacyHeader, "\n") + ",note\n", "note"},
		{"bad checksum", legacyHeader + strings.Replace(legacyLine("Z1", 1, "college_graduate", apptest.District, "1000.00", "2024-01-05"), reportPersonID(1), reportPersonID(1)[:16]+"99", 1), "national_id"},
		{"wrong gender", legacyHeader + strings.Replace(legacyLine("Z1", 1, "college_graduate", apptest.District, "1000.00", "2024-01-05"), ",male,", ",female,", 1), "gender"},
		{"unknown district", legacyHeader + legacyLine("Z1", 1, "college_graduate", "419999", "1000.00", "2024-01-05"), "district_code"},
		{"future", legacyHeader + legacyLine("Z1", 1, "college_graduate", apptest.District, "1000.00", "2999-01-05"), "disbursed_on"},
		{"no policy version yet", legacyHeader + legacyLine("Z1", 1, "college_graduate", apptest.District, "1000.00", "2015-01-05"), "disbursed_on"},
		{"term", legacyHeader + strings.Replace(legacyLine("Z1", 1, "college_graduate", apptest.District, "1000.00", "2024-01-05"), ",24,", ",37,", 1), "term_months"},
		{"twice", legacyHeader + legacyLine("Z1", 1, "college_graduate", apptest.District, "1000.00", "2024-01-05") + legacyLine("Z1", 3, "college_graduate", apptest.District, "1000.00", "2024-01-05"), "external_ref"},
		{"sub-fen", legacyHeader + legacyLine("Z1", 1, "college_graduate", apptest.District, "1000.001", "2024-01-05"), "principal"},
	} {
		if got := importLegacy(s, s.AdminToken, tc.body).WantProblem(422, "validation_failed").FieldErrors(); !reflect.DeepEqual(got, []string{tc.field}) {
			t.Errorf("%s: fields %v, want %s", tc.name, got, tc.field)
		}
	}
}

func TestReconciliationPerBank(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := c.loan(t) // bank reference D-<application id>, 200,000.00 on 2024-03-15
	b := c.loan(t)
	refA, refB := a["bank_reference"].(string), b["bank_reference"].(string)
	list := "\uFEFFbank_reference,national_id,amount,disbursed_on\n" +
		refA + "," + loanPersonID(1) + ",200000.00,2024-03-15\n" +
		refB + "," + loanPersonID(2) + ",199999.99,2024-03-15\n" +
		"GHOST-1,,5000.00,2024-04-01\n"
	up := "/api/v1/reports/reconciliation?bank_code=" + apptest.Bank + "&from=2024-01-01&to=2024-12-31"
	if got := s.Do("POST", up, c.bank, list, "Content-Type", "text/csv").WantProblem(422, "validation_failed").FieldErrors(); !reflect.DeepEqual(got, []string{"name"}) {
		t.Fatalf("a line without name or ID: %v", got)
	}
	list = strings.Replace(list, "GHOST-1,,", "GHOST-1,"+loanPersonID(9)+",", 1)
	s.Do("POST", up, c.bank, strings.Replace(list, "2024-04-01", "2025-04-01", 1), "Content-Type", "text/csv").WantProblem(422, "validation_failed")
	var rec struct {
		Banks []struct {
			BankCode          string `json:"bank_code"`
			RecordedLoans     int64  `json:"recorded_loans"`
			RecordedAmount    string `json:"recorded_amount"`
			ReportedLoans     int64  `json:"reported_loans"`
			ReportedAmount    string `json:"reported_amount"`
			Matched           int64  `json:"matched"`
			MissingInBank     []map[string]any
			MissingInRecords  []map[string]any `json:"missing_in_records"`
			AmountDifferences []map[string]any `json:"amount_differences"`
		} `json:"banks"`
	}
	s.Do("POST", up, c.bank, list, "Content-Type", "text/csv").Want(200).Decode(&rec)
	if len(rec.Banks) != 1 {
		t.Fatalf("reconciliation %+v", rec)
	}
	bk := rec.Banks[0]
	if bk.RecordedLoans != 2 || bk.RecordedAmount != "400000.00" || bk.ReportedLoans != 3 || bk.ReportedAmount != "404999.99" || bk.Matched != 1 ||
		len(bk.MissingInRecords) != 1 || bk.MissingInRecords[0]["bank_reference"] != "GHOST-1" || bk.MissingInRecords[0]["row"] != 4.0 ||
		len(bk.AmountDifferences) != 1 || bk.AmountDifferences[0]["recorded_amount"] != "200000.00" || bk.AmountDifferences[0]["reported_amount"] != "199999.99" {
		t.Errorf("reconciliation %+v", bk)
	}
	// A new list of the period replaces the old one; the auditor reads it.
	s.Do("POST", up, c.bank, "bank_reference,name,amount,disbursed_on\n"+refA+",张伟,200000.00,2024-03-15\n", "Content-Type", "text/csv").Want(200)
	var all map[string]any
	s.Do("GET", "/api/v1/reports/reconciliation?from=2024-01-01&to=2024-12-31", c.auditor, nil).Want(200).Decode(&all)
	bank := all["banks"].([]any)[0].(map[string]any)
	if bank["matched"] != 1.0 || len(bank["missing_in_bank"].([]any)) != 1 || len(bank["missing_in_records"].([]any)) != 0 {
		t.Errorf("after the second list: %v", bank)
	}
	csvBody := s.Do("GET", "/api/v1/reports/reconciliation?from=2024-01-01&to=2024-12-31&format=csv&headers=labels", c.auditor, nil).Want(200).Body
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvBody, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil || len(records) != 2 || records[0][2] != "差异类型" || records[1][0] != apptest.Bank || records[1][1] != "中国工商银行三门峡分行" ||
		records[1][2] != "银行清单中没有" || records[1][3] != refB || records[1][7] != "200000.00" {
		t.Errorf("reconciliation CSV %q %v", records, err)
	}
	plain := csvRecords(t, s.Do("GET", "/api/v1/reports/reconciliation?from=2024-01-01&to=2024-12-31&format=csv", c.auditor, nil).Want(200).Body)
	if len(plain) != 2 || plain[0][2] != "kind" || plain[1][2] != "missing_in_bank" || plain[1][7] != "200000.00" {
		t.Errorf("reconciliation CSV by default %q", plain)
	}
	// Resident IDs are masked in the reconciliation and its exports.
	if strings.Contains(string(csvBody), loanPersonID(2)) {
		t.Errorf("reconciliation CSV shows a full resident ID: %s", csvBody)
	}
	if m := bank["missing_in_bank"].([]any)[0].(map[string]any)["national_id"]; m != idnum.Mask(loanPersonID(2)) {
		t.Errorf("reconciliation JSON shows %v", m)
	}
}

// exportRows downloads path as CSV (with the JSON field names as its
// header, the default) and as XLSX and returns the CSV header, the CSV rows and the
// workbook's data rows (raw cell values).
func exportRows(t *testing.T, s *apptest.Server, token, path string) ([]string, [][]string, [][]string) {
	t.Helper()
	c := s.Do("GET", path+"&format=csv", token, nil).Want(200)
	if !bytes.HasPrefix(c.Body, []byte("\xEF\xBB\xBF")) || !strings.HasPrefix(c.Header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("CSV download of %s: %q", path, c.Header.Get("Content-Disposition"))
	}
	records, err := csv.NewReader(bytes.NewReader(c.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	x := s.Do("GET", path+"&format=xlsx", token, nil).Want(200)
	if x.Header.Get("Content-Type") != report.MediaXLSX || !strings.HasSuffix(x.Header.Get("Content-Disposition"), `.xlsx"`) {
		t.Fatalf("XLSX download of %s: %q %q", path, x.Header.Get("Content-Type"), x.Header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return records[0], records[1:], rows[2:]
}

// jsonCell prints a JSON value as the exports write it.
func jsonCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func TestDisbursementAndPortfolioExportsEqualTheJSON(t *testing.T) {
	s := apptest.NewServer(t)
	bulletinFixture(t, s)
	for _, path := range []string{
		"/api/v1/reports/disbursements?from=2023-01-01&to=2024-12-31&group_by=district",
		"/api/v1/reports/disbursements?from=2024-01-01&to=2024-12-31&group_by=district",
		"/api/v1/reports/disbursements?from=2023-01-01&to=2024-12-31&group_by=key_group",
		"/api/v1/reports/disbursements?from=2023-01-01&to=2024-12-31&group_by=month",
		"/api/v1/reports/disbursements?from=2023-01-01&to=2024-12-31&group_by=gender",
		"/api/v1/reports/portfolio?as_of=2024-12-31",
	} {
		body := s.Do("GET", path, s.AdminToken, nil).Want(200).JSON()
		var want []map[string]any
		for _, r := range body["rows"].([]any) {
			want = append(want, r.(map[string]any))
		}
		if strings.Contains(path, "portfolio") {
			total := map[string]any{}
			for k, v := range body {
				total[k] = v
			}
			total["district_code"], total["district_name"] = "", report.TotalLabel
			want = append(want, total)
		} else {
			want = append(want, body["total"].(map[string]any))
		}
		header, records, sheet := exportRows(t, s, s.AdminToken, path)
		if len(records) != len(want) || len(sheet) != len(want) {
			t.Fatalf("%s: %d CSV rows, %d sheet rows, JSON has %d", path, len(records), len(sheet), len(want))
		}
		for i, w := range want {
			for j, key := range header {
				jv := jsonCell(w[key])
				if records[i][j] != jv {
					t.Errorf("%s row %d %s: CSV %q, JSON %q", path, i, key, records[i][j], jv)
				}
				xv := ""
				if j < len(sheet[i]) {
					xv = sheet[i][j]
				}
				if !sameFigure(xv, jv) {
					t.Errorf("%s row %d %s: XLSX %q, JSON %q", path, i, key, xv, jv)
				}
			}
		}
	}
}

func TestConcurrentImportsKeepTheSummariesExact(t *testing.T) {
	s := apptest.NewServer(t)
	file := func(prefix string, offset int) string {
		var b strings.Builder
		b.WriteString(legacyHeader)
		for i := range 300 {
			district := apptest.District
			if i%3 == 0 {
				district = apptest.OtherDistrict
			}
			on := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%40).Format(time.DateOnly)
			b.WriteString(legacyLine(fmt.Sprintf("%s-%03d", prefix, i), offset+i, "returning_migrant_worker", district, "10000.00", on))
		}
		return b.String()
	}
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for k := range statuses {
		wg.Go(func() {
			statuses[k] = importLegacy(s, s.AdminToken, file(fmt.Sprintf("C%d", k), 5000+1000*k)).Status
		})
	}
	wg.Wait()
	for k, st := range statuses {
		if st != 200 {
			t.Errorf("import %d answered %d", k, st)
		}
	}
	assertSummariesMatchLoans(t, s)
	var p progressBody
	s.Do("GET", "/api/v1/reports/progress?year=2024&through=2024-12-31", s.AdminToken, nil).Want(200).Decode(&p)
	if p.Total.Loans != 1200 || p.Total.Amount != "12000000.00" || p.Returnee.Total.Loans != 1200 {
		t.Errorf("bulletin after concurrent imports: %+v", p.Total)
	}
}

// The bureau reports loans to women, disabled people, village officials and
// returned overseas students: the applicant declares the flags, the loan
// keeps them, and group_by=flag counts each loan under each of its flags.
func TestDisbursementsByReportingFlag(t *testing.T) {
	c := newCast(t)
	body := individual(c.nextID())
	body["is_disabled"], body["is_village_official"] = true, true
	c.decideInPast()
	id := c.at(t, "approved", body)
	got := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()
	if got["is_disabled"] != true || got["is_village_official"] != true || got["is_returned_overseas_student"] != false {
		t.Fatalf("flags on the application: %v", got)
	}
	c.s.Do("POST", path(id, "/disbursement"), c.bank2, disbursement("150000.00", "2024-03-15", "F-1"), "Idempotency-Key", "flag-1").Want(201)
	plain := c.at(t, "approved", nil)
	c.s.Do("POST", path(plain, "/disbursement"), c.bank2, disbursement("150000.00", "2024-03-16", "F-2"), "Idempotency-Key", "flag-2").Want(201)

	var rep struct {
		Rows []struct {
			Key, Label, Amount string
			Loans              int
		} `json:"rows"`
		Total struct {
			Loans  int
			Amount string
		} `json:"total"`
	}
	c.s.Do("GET", "/api/v1/reports/disbursements?from=2024-01-01&to=2024-12-31&group_by=flag", c.auditor, nil).Want(200).Decode(&rep)
	keys := map[string]int{}
	for _, r := range rep.Rows {
		keys[r.Key] = r.Loans
	}
	if keys["disabled"] != 1 || keys["village_official"] != 1 || keys["returned_overseas_student"] != 0 || rep.Total.Loans != 2 || rep.Total.Amount != "300000.00" {
		t.Fatalf("flag report %+v", rep)
	}
	assertSummariesMatchLoans(t, c.s)
}

// TestBankOfficersReconcileTheirOwnBank: a bank officer reads the
// reconciliation of their own bank only (bank_code defaults to it), with
// the bank's lines grouped by kind and counted; another bank's is 403.
func TestBankOfficersReconcileTheirOwnBank(t *testing.T) {
	c := newCast(t)
	s := c.s
	a := c.loan(t)
	b := c.loan(t)
	list := "bank_reference,national_id,amount,disbursed_on\n" +
		a["bank_reference"].(string) + "," + loanPersonID(1) + ",200000.00,2024-03-15\n" +
		b["bank_reference"].(string) + "," + loanPersonID(2) + ",199999.99,2024-03-15\n" +
		"GHOST-1," + loanPersonID(9) + ",5000.00,2024-04-01\n"
	s.Do("POST", "/api/v1/reports/reconciliation?bank_code="+apptest.Bank+"&from=2024-01-01&to=2024-12-31", c.bank, list, "Content-Type", "text/csv").Want(200)
	var rec struct {
		Banks []struct {
			BankCode string `json:"bank_code"`
			Groups   []struct {
				Kind, Label string
				Count       int
			}
		}
	}
	s.Do("GET", "/api/v1/reports/reconciliation?from=2024-01-01&to=2024-12-31", c.bank2, nil).Want(200).Decode(&rec)
	if len(rec.Banks) != 1 || rec.Banks[0].BankCode != apptest.Bank {
		t.Fatalf("banks %+v", rec.Banks)
	}
	// Two recorded loans and three lines: A matches, B differs by 0.01, GHOST-1 has no loan.
	got := map[string]string{}
	for _, g := range rec.Banks[0].Groups {
		got[g.Kind] = fmt.Sprintf("%s %d", g.Label, g.Count)
	}
	want := map[string]string{"matched": "已核对一致 1", "missing_in_bank": "银行清单中没有 0", "missing_in_records": "系统中没有 1", "amount_differences": "金额不符 1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	s.Do("GET", "/api/v1/reports/reconciliation?bank_code="+apptest.Bank+"&from=2024-01-01&to=2024-12-31&format=csv", c.bank, nil).Want(200)
	s.Do("GET", "/api/v1/reports/reconciliation?bank_code="+apptest.Bank+"&from=2024-01-01&to=2024-12-31", c.bankOther, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/reports/reconciliation?bank_code="+apptest.OtherBank, c.bank, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/reports/reconciliation?from=2024-01-01&to=2024-12-31", c.bankOther, nil).Want(200).Decode(&rec)
	for _, bk := range rec.Banks {
		if bk.BankCode != apptest.OtherBank {
			t.Errorf("the other bank's officer sees %s", bk.BankCode)
		}
	}
	s.Do("GET", "/api/v1/reports/reconciliation", c.hrss, nil).WantProblem(403, "forbidden")
}
