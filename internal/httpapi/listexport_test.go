package httpapi_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
)

// column returns the column named h of a CSV's records, without the header.
func column(t *testing.T, records [][]string, h string) []string {
	t.Helper()
	i := slices.Index(records[0], h)
	if i < 0 {
		t.Fatalf("no column %q in %q", h, records[0])
	}
	var out []string
	for _, r := range records[1:] {
		out = append(out, r[i])
	}
	return out
}

// TestApplicationsListDownloads: format=csv|xlsx on the applications list
// answers every matching row of the caller's scope, whatever the page, with
// the list's filters; headers=labels names the columns, statuses, districts
// and banks in Chinese and writes rates in percent; an officer of another
// district gets none of the rows; a bad format names format.
func TestApplicationsListDownloads(t *testing.T) {
	c := newCast(t)
	s := c.s
	first := c.at(t, "eligibility_review", nil)
	c.at(t, "approved", nil)
	other := individual(c.nextID())
	other["district_code"], other["bank_code"], other["name"] = apptest.OtherDistrict, apptest.OtherBank, "王芳"
	c.s.Do("POST", path(c.s.Do("POST", "/api/v1/applications", c.owner, other).Want(201).JSON()["id"], "/submit"), c.owner, nil).Want(200)
	number := s.Do("GET", path(first, ""), c.auditor, nil).Want(200).JSON()["number"].(string)

	get := func(tok, q string) [][]string {
		t.Helper()
		r := s.Do("GET", "/api/v1/applications?"+q, tok, nil).Want(200)
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="applications.`) {
			t.Errorf("%s: Content-Disposition %q", q, cd)
		}
		return csvRecords(t, r.Body)
	}
	// Every row, not the page asked for: the auditor sees all three.
	all := get(c.auditor, "format=csv&page_size=1&page=2")
	if len(all) != 4 || !slices.Equal(all[0][:4], []string{"number", "status", "borrower_type", "name"}) {
		t.Fatalf("auditor CSV %q", all)
	}
	if got := column(t, all, "district_code"); !slices.Equal(got, []string{apptest.District, apptest.District, apptest.OtherDistrict}) {
		t.Errorf("districts %v (oldest submission first)", got)
	}
	if got := column(t, all, "annual_rate"); !slices.Equal(got, []string{"", "0.0300", ""}) {
		t.Errorf("rates %v", got)
	}
	// The filters of the list.
	if got := column(t, get(c.auditor, "format=csv&status=eligibility_review&district_code="+apptest.District), "number"); !slices.Equal(got, []string{number}) {
		t.Errorf("filtered numbers %v, want %s", got, number)
	}
	// The scope of the list: the other district's officer sees only its own.
	if got := column(t, get(c.hrssOther, "format=csv"), "name"); !slices.Equal(got, []string{"王芳"}) {
		t.Errorf("other district's officer downloads %v", got)
	}
	if got := get(c.other, "format=csv"); len(got) != 1 {
		t.Errorf("another entrepreneur downloads %q", got)
	}

	labels := get(c.auditor, "format=csv&headers=labels")
	if !slices.Equal(labels[0][:4], []string{"申请编号", "状态", "借款人类型", "申请人"}) {
		t.Errorf("labels header %q", labels[0])
	}
	for col, want := range map[string][]string{
		"状态":       {"资格审核", "已批准待放款", "资格审核"},
		"区县":       {"灵宝市", "灵宝市", "义马市"},
		"经办银行":     {"中国工商银行三门峡分行", "中国工商银行三门峡分行", "灵宝农村商业银行"},
		"重点群体":     {"返乡创业农民工", "返乡创业农民工", "返乡创业农民工"},
		"合同年利率(%)": {"", "3.00", ""},
		"是否超时":     {"否", "否", "否"},
		"申请金额(元)":  {"200000.00", "200000.00", "200000.00"},
	} {
		if got := column(t, labels, col); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", col, got, want)
		}
	}
	x := s.Do("GET", "/api/v1/applications?format=xlsx", c.hrss, nil).Want(200)
	if x.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("workbook type %q", x.Header.Get("Content-Type"))
	}
	cells := workbookCells(t, "/api/v1/applications", x.Body)
	if !slices.Contains(cells, "灵宝市") || slices.Contains(cells, "义马市") || !slices.Contains(cells, number) {
		t.Errorf("the HRSS officer's workbook %q", cells)
	}
	for q, field := range map[string]string{"format=pdf": "format", "format=csv&headers=x": "headers", "format=csv&status=paid": "status"} {
		if f := s.Do("GET", "/api/v1/applications?"+q, c.auditor, nil).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{field}) {
			t.Errorf("%s: fields %v, want %s", q, f, field)
		}
	}
}

// TestLoansListDownloads: the loans list downloads every matching loan of
// the caller's scope, with labels in Chinese and rates in percent.
func TestLoansListDownloads(t *testing.T) {
	c := newCast(t)
	s := c.s
	l := c.loan(t)
	get := func(tok, q string) [][]string {
		t.Helper()
		return csvRecords(t, s.Do("GET", "/api/v1/loans?"+q, tok, nil).Want(200).Body)
	}
	rows := get(c.auditor, "format=csv")
	if len(rows) != 2 || column(t, rows, "number")[0] != l["number"] || column(t, rows, "annual_rate")[0] != "0.0395" ||
		column(t, rows, "principal")[0] != "200000.00" || column(t, rows, "status")[0] != "active" {
		t.Fatalf("auditor loans CSV %q", rows)
	}
	for tok, n := range map[string]int{c.owner: 1, c.other: 0, c.hrss: 1, c.hrssOther: 0, c.bank: 1, c.bankOther: 0} {
		if got := get(tok, "format=csv"); len(got)-1 != n {
			t.Errorf("%d rows downloaded, want %d", len(got)-1, n)
		}
	}
	if got := get(c.auditor, "format=csv&status=settled"); len(got) != 1 {
		t.Errorf("settled loans %q", got)
	}
	labels := get(c.auditor, "format=csv&headers=labels")
	for col, want := range map[string]string{"贷款编号": l["number"].(string), "状态": "正常", "区县": "灵宝市", "经办银行": "中国工商银行三门峡分行",
		"合同年利率(%)": "3.95", "放款日期": "2024-03-15", "贷款余额(元)": "200000.00"} {
		if got := column(t, labels, col); !slices.Equal(got, []string{want}) {
			t.Errorf("%s: %q, want %s", col, got, want)
		}
	}
	s.Do("GET", "/api/v1/loans?format=csv", c.admin, nil).WantProblem(403, "forbidden")
	cells := workbookCells(t, "/api/v1/loans", s.Do("GET", "/api/v1/loans?format=xlsx", c.bank, nil).Want(200).Body)
	if !slices.Contains(cells, l["number"].(string)) || !slices.Contains(cells, "中国工商银行三门峡分行") {
		t.Errorf("workbook %q", cells)
	}
}

// TestListDownloadCap: a download of the applications, the loans or the
// audit list holds up to 10,000 rows, every one of them; a filter matching
// one more is refused, 422 on format with the cap and the count in the
// message, never a file cut short (rows made by SQL: the list reads them as
// any others; the audit events are not chained, the list does not ask). The
// deadline is a minute: under the race detector, on a loaded machine, reading
// 10,000 rows took longer than the 5 s default (TestWaitingForALockAnswers503
// and the stall tests hold the deadline itself).
func TestListDownloadCap(t *testing.T) {
	c := newCastOn(apptest.NewServerWith(t, func(cfg *config.Config) { cfg.DBTimeout = time.Minute }))
	s := c.s
	db := s.App.DB.SQL()
	series := func(from, to int) string {
		return "WITH RECURSIVE n(i) AS (SELECT " + strconv.Itoa(from) + " UNION ALL SELECT i + 1 FROM n WHERE i < " + strconv.Itoa(to) + ") "
	}
	const at = "'2024-03-01 10:00:00'"
	addLoans := func(from, to int) {
		t.Helper()
		q := "INSERT INTO loans (number, status, version, name, national_id, gender, borrower_type, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) " +
			series(from, to) + "SELECT 'DK-' || i, 'active', 1, '张伟', '11010519491231002X', 'male', 'individual', '" + apptest.District + "', '" + apptest.Bank + "', 10000000, 10000000, 39500, 19750, 19750, 30000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + at + ", " + at + " FROM n"
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	owner := c.s.Do("GET", "/api/v1/me", c.owner, nil).Want(200).JSON()["id"]
	addApplications := func(from, to int) {
		t.Helper()
		q := "INSERT INTO applications (number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, district_code, bank_code, amount_fen, term_months, created_year, created_at, updated_at, submitted_at, submitted_on, stage_entered_at, partners) " +
			series(from, to) + "SELECT '411282-2024-' || i, 'approved', 1, " + strconv.FormatFloat(owner.(float64), 'f', 0, 64) + ", 'individual', '张伟', '11010519491231002X', '1949-12-31', true, '" + apptest.District + "', '" + apptest.Bank + "', 20000000, 24, 2024, " + at + ", " + at + ", " + at + ", '2024-03-01', " + at + ", '[]' FROM n"
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	addEvents := func(from, to int) {
		t.Helper()
		q := "INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, request_id, prev_hash, hash) " +
			series(from, to) + "SELECT (SELECT COALESCE(MAX(id), 0) FROM audit_events) + i, " + at + ", 'admin', 'loan.create', 'bulk', '' || i, '', '', '' FROM n"
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, l := range []struct {
		path, narrow string
		add          func(from, to int)
	}{
		{"/api/v1/loans?", "district_code=" + apptest.OtherDistrict, addLoans},
		{"/api/v1/applications?", "district_code=" + apptest.OtherDistrict, addApplications},
		{"/api/v1/audit-events?entity_type=bulk&", "actor=nobody", addEvents},
	} {
		l.add(1, 10_000)
		rows := csvRecords(t, s.Do("GET", l.path+"format=csv", c.auditor, nil).Want(200).Body)
		if len(rows) != 10_001 {
			t.Fatalf("%s: a download of 10,000 rows has %d records with its header", l.path, len(rows))
		}
		if n := s.Do("GET", l.path+"page_size=1", c.auditor, nil).Want(200).JSON()["total"]; n != float64(10_000) {
			t.Fatalf("%s: the list's total = %v, want 10000", l.path, n)
		}
		l.add(10_001, 10_001)
		for _, format := range []string{"csv", "xlsx"} {
			p := s.Do("GET", l.path+"format="+format, c.auditor, nil).WantProblem(422, "validation_failed")
			if f := p.FieldErrors(); !slices.Equal(f, []string{"format"}) {
				t.Errorf("%s as %s over the cap: fields %v, want format", l.path, format, f)
			}
			if body := string(p.Body); !strings.Contains(body, "10000") || !strings.Contains(body, "10001") {
				t.Errorf("%s as %s over the cap: %s; want the cap and the count named", l.path, format, body)
			}
		}
		if got := csvRecords(t, s.Do("GET", l.path+"format=csv&"+l.narrow, c.auditor, nil).Want(200).Body); len(got) != 1 {
			t.Errorf("%s: a filter narrowed under the cap downloads %d records", l.path, len(got))
		}
	}
}
