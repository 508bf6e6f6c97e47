package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"chuangdai/internal/apptest"
	"chuangdai/internal/sheet/sheettest"
)

// importKind is one of the four imports, as a test drives it.
type importKind struct {
	name  string
	path  string // the import, with its query
	tpl   string // the template
	token string
	// rows are n good rows under the template's Chinese headers, the
	// labels and percent rates people write.
	rows func(n int) [][]string
	// written counts what the import writes.
	written string
}

// importWorld is a server with the people and the base every import needs.
type importWorld struct {
	s     *apptest.Server
	kinds []importKind
}

func newImportWorld(t *testing.T) importWorld {
	s := apptest.NewServer(t)
	hrss := s.User("hrss", "hrss_officer", apptest.District, "")
	bank := s.User("bank", "bank_officer", "", apptest.Bank)
	s.Do("POST", "/api/v1/incubation-bases", s.AdminToken, map[string]any{"name": "灵宝市创业孵化园", "district_code": apptest.District, "level": "municipal"}).Want(201)
	person := func(i int) string { return reportPersonID(1000 + i) }
	return importWorld{s: s, kinds: []importKind{
		{name: "training", path: "/api/v1/training-records/import", tpl: "/api/v1/training-records/import/template", token: hrss,
			rows: func(n int) [][]string {
				var out [][]string
				for i := range n {
					out = append(out, []string{person(i), "张伟", "马兰花", "三门峡市技师学院", "2024/3/1", "2024年3月10日", fmt.Sprintf("MLH-%04d", i), "灵宝市"})
				}
				return out
			}, written: "SELECT COUNT(*) FROM training_records"},
		{name: "tenancies", path: "/api/v1/incubation-records/import", tpl: "/api/v1/incubation-records/import/template", token: hrss,
			rows: func(n int) [][]string {
				var out [][]string
				for i := range n {
					out = append(out, []string{"灵宝市创业孵化园", person(i), "灵宝苹果合作社", "2024-01-15", ""})
				}
				return out
			}, written: "SELECT COUNT(*) FROM incubation_records"},
		{name: "legacy loans", path: "/api/v1/imports/loans", tpl: "/api/v1/imports/loans/template", token: s.AdminToken,
			rows: func(n int) [][]string {
				var out [][]string
				for i := range n {
					gender := map[bool]string{true: "男", false: "女"}[(1000+i)%2 == 1]
					out = append(out, []string{fmt.Sprintf("OLD-%04d", i), "李四", person(i), gender, "返乡创业农民工", "个人", "灵宝市", "中国工商银行三门峡分行",
						"200,000.00", "3.95", "24", "2024/6/3", "2"})
				}
				return out
			}, written: "SELECT COUNT(*) FROM loans"},
		{name: "bank list", path: "/api/v1/reports/reconciliation?bank_code=" + apptest.Bank + "&from=2024-01-01&to=2024-12-31",
			tpl: "/api/v1/reports/reconciliation/template", token: bank,
			rows: func(n int) [][]string {
				var out [][]string
				for i := range n {
					out = append(out, []string{fmt.Sprintf("D-%04d", i), "张三", person(i), "200000.00", "2024-03-15"})
				}
				return out
			}, written: "SELECT COUNT(*) FROM reconciliation_lines"},
	}}
}

func (w importWorld) count(t *testing.T, q string) string { return sqlRows(t, w.s, q)[0][0] }

// xlsxOfRows writes rows to a fresh workbook, every cell as text.
func xlsxOfRows(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var cells [][]any
	for _, r := range rows {
		var row []any
		for _, c := range r {
			row = append(row, c)
		}
		cells = append(cells, row)
	}
	return xlsxOf(t, cells)
}

func csvOfRows(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fillTemplate replaces the example row of a downloaded template with rows.
func fillTemplate(t *testing.T, format string, tpl []byte, rows [][]string) []byte {
	t.Helper()
	if format == "csv" {
		header, _, _ := strings.Cut(string(tpl), "\r\n")
		var b bytes.Buffer
		b.WriteString(header + "\r\n")
		b.Write(csvOfRows(t, rows))
		return b.Bytes()
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dry(path string) string {
	if strings.Contains(path, "?") {
		return path + "&dry_run=true"
	}
	return path + "?dry_run=true"
}

// Every import has a template in both formats; the template as downloaded
// passes a dry run (its example row is a good row), and filled in with
// rows in Chinese headers, labels and percent rates, it imports them.
func TestImportTemplatesRoundTrip(t *testing.T) {
	for _, format := range []string{"xlsx", "csv"} {
		t.Run(format, func(t *testing.T) {
			w := newImportWorld(t)
			for _, k := range w.kinds {
				r := w.s.Do("GET", k.tpl+"?format="+format, k.token, nil).Want(200)
				if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.HasSuffix(cd, "."+format+`"`) {
					t.Errorf("%s: disposition %q", k.name, cd)
				}
				if ct := r.Header.Get("Content-Type"); format == "csv" && !strings.HasPrefix(ct, "text/csv") || format == "xlsx" && ct != xlsxType {
					t.Errorf("%s: content type %q", k.name, ct)
				}
				res := w.s.Do("POST", dry(k.path), k.token, r.Body, "Content-Type", "application/octet-stream").Want(200).JSON()
				if res["dry_run"] != true || k.name != "bank list" && res["imported"] != 1.0 {
					t.Errorf("%s: the template's example row: %v", k.name, res)
				}
				if n := w.count(t, k.written); n != "0" {
					t.Errorf("%s: the dry run wrote %s rows", k.name, n)
				}
				filled := fillTemplate(t, format, r.Body, k.rows(3))
				res = w.s.Do("POST", k.path, k.token, filled, "Content-Type", "application/octet-stream").Want(200).JSON()
				if _, dryRun := res["dry_run"]; dryRun || k.name != "bank list" && res["imported"] != 3.0 {
					t.Errorf("%s: the filled template: %v", k.name, res)
				}
				if n := w.count(t, k.written); n != "3" {
					t.Errorf("%s: %s rows after the import", k.name, n)
				}
			}
		})
	}
}

func TestImportTemplatesAnswers(t *testing.T) {
	w := newImportWorld(t)
	auditor := w.s.User("auditor", "finance_auditor", "", "")
	for _, k := range w.kinds {
		w.s.Do("GET", k.tpl+"?format=pdf", k.token, nil).WantProblem(422, "validation_failed")
		w.s.Do("GET", k.tpl, auditor, nil).WantProblem(403, "forbidden")
		r := w.s.Do("GET", k.tpl, k.token, nil).Want(200)
		if ct := r.Header.Get("Content-Type"); ct != xlsxType {
			t.Errorf("%s: the default template is %q", k.name, ct)
		}
	}
	// The workbook formats the ID columns as text and lists the labels.
	r := w.s.Do("GET", "/api/v1/imports/loans/template", w.s.AdminToken, nil).Want(200)
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("历史贷款")
	if !slices.Equal(rows[0][:4], []string{"原系统编号", "姓名", "身份证号", "性别"}) || rows[0][9] != "年利率（%）" || rows[1][9] != "3.95" {
		t.Errorf("legacy template %v", rows)
	}
	style, _ := f.GetCellStyle("历史贷款", "C2")
	if s, _ := f.GetStyle(style); s == nil || s.NumFmt != 49 {
		t.Errorf("the resident ID column is not text")
	}
	notes, _ := f.GetRows("说明")
	if len(notes) != 15 || notes[5][1] != "key_group" || !strings.Contains(notes[5][5], "返乡创业农民工 (returning_migrant_worker)") {
		t.Errorf("notes %v", notes)
	}
}

// A dry run answers exactly what the import answers — the counts, or
// every bad row — and writes nothing, not even an audit event.
func TestDryRunWritesNothing(t *testing.T) {
	w := newImportWorld(t)
	events := func() string { return w.count(t, "SELECT COUNT(*) FROM audit_events") }
	for _, k := range w.kinds {
		tpl := w.s.Do("GET", k.tpl+"?format=csv", k.token, nil).Want(200).Body
		good := fillTemplate(t, "csv", tpl, k.rows(5))
		rows := k.rows(5)
		rows[3][0] = "bad ref?"
		rows[1][slices.Index(rows[1], reportPersonID(1001))] = "110105194912310021"
		bad := fillTemplate(t, "csv", tpl, rows)
		before := events()
		dryBad := w.s.Do("POST", dry(k.path), k.token, bad, "Content-Type", "text/csv").WantProblem(422, "validation_failed")
		dryGood := w.s.Do("POST", dry(k.path), k.token, good, "Content-Type", "text/csv").Want(200).JSON()
		if n := w.count(t, k.written); n != "0" || events() != before {
			t.Errorf("%s: a dry run wrote %s rows and %s → %s audit events", k.name, n, before, events())
		}
		realBad := w.s.Do("POST", k.path, k.token, bad, "Content-Type", "text/csv").WantProblem(422, "validation_failed")
		if !reflect.DeepEqual(rowErrors(t, dryBad), rowErrors(t, realBad)) || len(rowErrors(t, realBad)) < 2 {
			t.Errorf("%s: dry run %v, import %v", k.name, rowErrors(t, dryBad), rowErrors(t, realBad))
		}
		realGood := w.s.Do("POST", k.path, k.token, good, "Content-Type", "text/csv").Want(200).JSON()
		if dryGood["dry_run"] != true {
			t.Errorf("%s: the dry run does not say so: %v", k.name, dryGood)
		}
		delete(dryGood, "dry_run")
		if !reflect.DeepEqual(dryGood, realGood) {
			t.Errorf("%s: dry run answered %v, the import %v", k.name, dryGood, realGood)
		}
		if n := w.count(t, k.written); n != "5" {
			t.Errorf("%s: %s rows after the import", k.name, n)
		}
		// Sent again: the dry run counts what would be skipped.
		again := w.s.Do("POST", dry(k.path), k.token, good, "Content-Type", "text/csv").Want(200).JSON()
		if k.name != "bank list" && (again["imported"] != 0.0 || again["skipped"] != 5.0) {
			t.Errorf("%s: dry run of a file imported already: %v", k.name, again)
		}
		w.s.Do("POST", k.path+map[bool]string{true: "&", false: "?"}[strings.Contains(k.path, "?")]+"dry_run=maybe", k.token, good, "Content-Type", "text/csv").
			WantProblem(422, "validation_failed")
	}
}

// Every import reads CSV in UTF-8, GB18030 and XLSX, with Chinese headers
// and labels.
func TestEveryImportReadsEveryFormat(t *testing.T) {
	for _, format := range []string{"utf-8", "gb18030", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			w := newImportWorld(t)
			for _, k := range w.kinds {
				tpl := w.s.Do("GET", k.tpl+"?format=csv", k.token, nil).Want(200).Body
				header, _, _ := strings.Cut(strings.TrimPrefix(string(tpl), "\uFEFF"), "\r\n")
				rows := append([][]string{strings.Split(header, ",")}, k.rows(2)...)
				var body []byte
				switch format {
				case "utf-8":
					body = csvOfRows(t, rows)
				case "gb18030":
					s, err := simplifiedchinese.GB18030.NewEncoder().Bytes(csvOfRows(t, rows))
					if err != nil {
						t.Fatal(err)
					}
					body = s
				case "xlsx":
					body = xlsxOfRows(t, rows)
				}
				w.s.Do("POST", k.path, k.token, body, "Content-Type", "application/octet-stream").Want(200)
				if n := w.count(t, k.written); n != "2" {
					t.Errorf("%s: %s rows imported", k.name, n)
				}
			}
			var loan struct {
				Items []map[string]any
			}
			w.s.Do("GET", "/api/v1/loans?page_size=1", w.s.User("auditor", "finance_auditor", "", ""), nil).Want(200).Decode(&loan)
			if l := loan.Items[0]; l["annual_rate"] != "0.0395" || l["principal"] != "200000.00" || l["disbursed_on"] != "2024-06-03" {
				t.Errorf("imported loan %v", l)
			}
			if got := sqlRows(t, w.s, "SELECT course, start_date, end_date FROM training_records ORDER BY id LIMIT 1")[0]; got[0] != "malanhua" {
				t.Errorf("imported training %v", got)
			}
		})
	}
}

// Spreadsheet bombs and gigantic CSV lines are refused by every import,
// naming the limit, before they cost memory; see also the process test
// that measures the server's peak memory.
func TestEveryImportRefusesBombs(t *testing.T) {
	w := newImportWorld(t)
	sst, sheet, parts := sheettest.SharedStringsBomb(512<<20), sheettest.WorksheetBomb(5<<30), sheettest.ManyParts(20000)
	bombs := []struct {
		name   string
		body   func(header string) []byte
		status int
		words  string
	}{
		{"shared strings of 512 MiB", func(string) []byte { return sst }, 413, "64 MiB"},
		{"a worksheet of 5 GiB", func(string) []byte { return sheet }, 413, "256 MiB"},
		{"20,000 parts", func(string) []byte { return parts }, 413, "超过一次导入的上限 10,000"},
		{"a line of 2 MiB", func(h string) []byte { return []byte(h + "\r\n" + strings.Repeat("a", 2<<20) + "\n") }, 422, "1 MiB"},
		{"a quoted cell of 2 MiB across lines", func(h string) []byte { return []byte(h + "\r\nx,\"" + strings.Repeat("a\n", 1<<20) + "\"\n") }, 422, "1 MiB"},
		{"a cell of 40,000 characters", func(h string) []byte { return []byte(h + "\r\n" + strings.Repeat("甲", 40000) + "\n") }, 422, "超过 32,767 个字符"},
	}
	for _, k := range w.kinds {
		tpl := w.s.Do("GET", k.tpl+"?format=csv", k.token, nil).Want(200).Body
		header, _, _ := strings.Cut(string(tpl), "\r\n")
		for _, b := range bombs {
			code := map[int]string{413: "request_too_large", 422: "validation_failed"}[b.status]
			r := w.s.Do("POST", k.path, k.token, b.body(header), "Content-Type", "application/octet-stream").WantProblem(b.status, code)
			if !strings.Contains(string(r.Body), b.words) {
				t.Errorf("%s, %s: %s", k.name, b.name, r.Body)
			}
		}
		if n := w.count(t, k.written); n != "0" {
			t.Errorf("%s: %s rows written", k.name, n)
		}
	}
}
