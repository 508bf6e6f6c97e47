package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"chuangdai/internal/apperr"
	"chuangdai/internal/sheet/sheettest"
)

// roster is a small spec with one column of each kind.
var roster = Spec{Columns: []Column{
	{Name: "national_id", Header: "身份证号", Aliases: []string{"公民身份号码"}, Kind: Code, Required: true, Example: "11010519491231002X"},
	{Name: "name", Header: "姓名", Required: true, Example: "张伟"},
	{Name: "course", Header: "培训课程", Closed: true, Example: "马兰花",
		Choices: []Choice{{Code: "SYB"}, {Code: "malanhua", Label: "马兰花", Aliases: []string{"马兰花计划"}}}},
	{Name: "district_code", Header: "区县", Choices: []Choice{{Code: "411282", Label: "灵宝市"}}, Example: "灵宝市"},
	{Name: "start_date", Header: "开始日期", Kind: Date, Example: "2024-03-01"},
	{Name: "annual_rate", Header: "年利率（%）", PercentHeaders: []string{"年利率（%）"}, Aliases: []string{"年利率"}, Kind: Rate, Example: "3.95"},
	{Name: "amount", Header: "金额（元）", Kind: Number, Example: "200,000.00"},
}}

type got struct {
	num  int
	vals []string
}

// readAll reads every row of a file of spec, and the error of the whole.
func readAll(t *testing.T, spec Spec, up Upload, lim Limits) ([]got, error) {
	t.Helper()
	f, err := Open(up, spec, lim)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []got
	err = f.Each(func(r Row, _ *apperr.Fields) error {
		var vals []string
		for _, c := range spec.Columns {
			vals = append(vals, r.Get(c.Name))
		}
		out = append(out, got{r.Num, vals})
		return nil
	})
	return out, err
}

func csvUp(s string) Upload { return Upload{Body: strings.NewReader(s)} }

func gb(t *testing.T, s string) string {
	t.Helper()
	out, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fields lists "row:field" of a validation error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, fe := range e.Fields {
		out = append(out, fmt.Sprintf("%d:%s", fe.Row, fe.Field))
	}
	return out
}

func messages(err error) string {
	e, _ := apperr.As(err)
	var out []string
	for _, fe := range e.Fields {
		out = append(out, fe.Message.String())
	}
	return e.Message.String() + " | " + strings.Join(out, " | ")
}

func TestCSVEncodings(t *testing.T) {
	text := "name,national_id\n张伟,11010519491231002X\n\n李娜,\"440524188001010014\"\n"
	want := []got{{2, []string{"11010519491231002X", "张伟", "", "", "", "", ""}}, {4, []string{"440524188001010014", "李娜", "", "", "", "", ""}}}
	long := "name,national_id\n" + strings.Repeat("a,b\n", 20000) + "张伟,x\n"
	for _, c := range []struct {
		name string
		up   Upload
	}{
		{"UTF-8", csvUp(text)},
		{"UTF-8 with BOM", csvUp("\xEF\xBB\xBF" + text)},
		{"GB18030 detected", csvUp(gb(t, text))},
		{"GB18030 named", Upload{Body: strings.NewReader(gb(t, text)), Charset: "GBK"}},
		{"CRLF", csvUp(strings.ReplaceAll(text, "\n", "\r\n"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, err := readAll(t, roster, c.up, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(rows, want, func(a, b got) bool { return a.num == b.num && slices.Equal(a.vals, b.vals) }) {
				t.Fatalf("rows %v", rows)
			}
		})
	}
	// A file whose first 64 KiB are ASCII needs the charset to be read as GB18030.
	rows, err := readAll(t, roster, Upload{Body: strings.NewReader(gb(t, long)), Charset: "gb18030"}, DefaultLimits)
	if err != nil || len(rows) != 20001 || rows[20000].num != 20002 || rows[20000].vals[1] != "张伟" {
		t.Fatalf("late GB18030, named: %v", err)
	}
	_, err = readAll(t, roster, csvUp(long[:len(long)-7]+gb(t, "张伟,x\n")), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"20002:file"}) || !strings.Contains(messages(err), "UTF-8") {
		t.Fatalf("late GB18030, unnamed: %v %s", got, messages(err))
	}
}

func TestCSVUnreadable(t *testing.T) {
	for _, c := range []struct{ name, body, want, words string }{
		{"open quote", "name,national_id\n1,\"2\n3,4\n", "2:file", "never closed"},
		{"bare quote", "name,national_id\n1,a\"b\n", "2:file", "double quote"},
		{"empty", "", "1:file", "empty"},
		{"blank lines", "  \n\n", "1:file", "empty"},
		{"byte order mark only", "\xEF\xBB\xBF", "1:file", "empty"},
		{"header only", "name,national_id\n", "2:file", "no records"},
		{"not a workbook", "PK\x03\x04garbage", "1:file", "XLSX"},
	} {
		_, err := readAll(t, roster, csvUp(c.body), DefaultLimits)
		if got := fields(t, err); !slices.Equal(got, []string{c.want}) || !strings.Contains(messages(err), c.words) {
			t.Errorf("%s: %v %s", c.name, got, messages(err))
		}
	}
}

func TestHeader(t *testing.T) {
	for _, c := range []struct{ header, row string }{
		{"national_id,name", "11010519491231002X,张伟"},
		{" NATIONAL_ID ,Name", "11010519491231002X,张伟"},
		{"身份证号,姓名", "11010519491231002X,张伟"},
		{"*身份证号,姓名：", "11010519491231002X,张伟"},
		{"公民身份号码,姓名", "11010519491231002X,张伟"},
		{"身份证号(national_id),姓名（name）", "11010519491231002X,张伟"},
		{"身份证号 ,　姓名", "11010519491231002X,张伟"},
		{"name,,national_id", "张伟,ignored,11010519491231002X"},
	} {
		rows, err := readAll(t, roster, csvUp(c.header+"\n"+c.row+"\n"), DefaultLimits)
		if err != nil {
			t.Errorf("%q: %v", c.header, err)
			continue
		}
		if rows[0].vals[0] != "11010519491231002X" || rows[0].vals[1] != "张伟" {
			t.Errorf("%q read %v", c.header, rows[0].vals)
		}
	}
	for _, c := range []struct {
		header string
		want   []string
		words  string
	}{
		{"national_id,grade", []string{"1:grade", "1:name"}, "身份证号 (national_id), 姓名 (name)"},
		{"national_id,身份证号,name", []string{"1:national_id"}, "columns A and B"},
		{"name", []string{"1:national_id"}, "add the column 身份证号 (national_id)"},
	} {
		_, err := readAll(t, roster, csvUp(c.header+"\nx,y,z\n"), DefaultLimits)
		if got := fields(t, err); !slices.Equal(got, c.want) || !strings.Contains(messages(err), c.words) {
			t.Errorf("%q: %v %s", c.header, got, messages(err))
		}
	}
	bank := Spec{Columns: []Column{{Name: "ref", Required: true}, {Name: "name"}, {Name: "national_id"}}, OneOf: [][]string{{"national_id", "name"}}}
	_, err := readAll(t, bank, csvUp("ref\nD-1\n"), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"1:national_id"}) || !strings.Contains(messages(err), "one of the columns") {
		t.Errorf("one of: %v %s", got, messages(err))
	}
	if _, err := readAll(t, bank, csvUp("ref,name\nD-1,张三\n"), DefaultLimits); err != nil {
		t.Errorf("one of, present: %v", err)
	}
}

func TestCellValues(t *testing.T) {
	header := "national_id,name,course,district_code,start_date,annual_rate,amount\n"
	for _, c := range []struct {
		row   string
		col   int
		want  string
		field string // a problem of the reader on this field
	}{
		{"x,张伟,马兰花,,,,", 2, "malanhua", ""},
		{"x,张伟,马兰花计划,,,,", 2, "malanhua", ""},
		{"x,张伟,syb,,,,", 2, "SYB", ""},
		{"x,张伟,MBA,,,,", 2, "MBA", "course"},
		{"x,张伟,,灵宝市,,,", 3, "411282", ""},
		{"x,张伟,,陕州区,,,", 3, "陕州区", ""}, // open choices leave the rest to the rules
		{"x,张伟,,,2024/3/5,,", 4, "2024-03-05", ""},
		{"x,张伟,,,2024.12.1,,", 4, "2024-12-01", ""},
		{"x,张伟,,,2024年3月15日,,", 4, "2024-03-15", ""},
		{"x,张伟,,,2024-03-15T00:00:00,,", 4, "2024-03-15", ""},
		{"x,张伟,,,45383,,", 4, "45383", ""}, // serials only in workbooks
		{"x,张伟,,,2024-02-30,,", 4, "2024-02-30", ""},
		{"x,张伟,,,2024-3-5,,", 4, "2024-03-05", ""},
		{"x,张伟,,,2024-03-5,,", 4, "2024-03-05", ""},
		{"x,张伟,,,2024-02-29,,", 4, "2024-02-29", ""},
		{"x,张伟,,,2024/02/30,,", 4, "2024/02/30", ""},
		{"x,张伟,,,2024 年 3 月 5,,", 4, "2024-03-05", ""},
		{"x,张伟,,,24-03-15,,", 4, "24-03-15", ""},
		{"x,张伟,,,2024,,", 4, "2024", ""},
		{"x,张伟,,,20240315,,", 4, "20240315", ""},
		{"x,张伟,,,2024-03-15x,,", 4, "2024-03-15x", ""},
		{"x,张伟,,,,0.0395,", 5, "0.0395", ""},
		{"x,张伟,,,,0.,", 5, "0.", ""},
		{"x,张伟,,,,0.03950000000000000000001,", 5, "0.03950000000000000000001", ""},
		{"x,张伟,,,,0.0395e2,", 5, "0.0395e2", ""},
		{"x,张伟,,,,　 0.0395 ,", 5, "0.0395", ""},
		{"x,张伟,,,,1.0,", 5, "1.0", "annual_rate"},
		{"x,张伟,,,,3.95%,", 5, "0.0395", ""},
		{"x,张伟,,,,3.95％,", 5, "0.0395", ""},
		{"x,张伟,,,,3.95,", 5, "3.95", "annual_rate"},
		{"x,张伟,,,,abc%,", 5, "abc%", "annual_rate"},
		{"x,张伟,,,,abc,", 5, "abc", ""},
		{"x,张伟,,,,,\"200,000.00\"", 6, "200000.00", ""},
		{"x,张伟,,,,,200000.00元", 6, "200000.00", ""},
		{"x,张伟,,,,,\"2,00.00\"", 6, "2,00.00", ""},
		{"x,张伟,,,,,\"1，234，567.5\"", 6, "1234567.5", ""},
		{"x,张伟,,,,,1234567.50 元", 6, "1234567.50", ""},
	} {
		var problems []string
		f, err := Open(csvUp(header+c.row+"\n"), roster, DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		var v string
		err = f.Each(func(r Row, fe *apperr.Fields) error {
			v = r.Get(roster.Columns[c.col].Name)
			for _, e := range fe.List() {
				problems = append(problems, e.Field)
			}
			return nil
		})
		f.Close()
		if v != c.want {
			t.Errorf("%q: column %d read %q, want %q", c.row, c.col, v, c.want)
		}
		if want := []string{c.field}; c.field == "" && len(problems) > 0 || c.field != "" && !slices.Equal(problems, want) {
			t.Errorf("%q: problems %v, want %v (%v)", c.row, problems, c.field, err)
		}
	}
	// A percent header reads plain numbers as percent, and asks about one under 1.
	pct := "national_id,name,年利率（%）\n"
	rows, err := readAll(t, roster, csvUp(pct+"x,张伟,3.95\ny,李娜,4.35%\n"), DefaultLimits)
	if err != nil || rows[0].vals[5] != "0.0395" || rows[1].vals[5] != "0.0435" {
		t.Fatalf("percent column: %v %v", rows, err)
	}
	_, err = readAll(t, roster, csvUp(pct+"x,张伟,0.0395\n"), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"2:annual_rate"}) || !strings.Contains(messages(err), "did you mean 3.95%?") {
		t.Fatalf("percent under 1: %v %s", got, messages(err))
	}
	_, err = readAll(t, roster, csvUp("national_id,name,annual_rate\nx,张伟,3.95\n"), DefaultLimits)
	if !strings.Contains(messages(err), "did you mean 3.95%?") || !strings.Contains(messages(err), "395%") {
		t.Fatalf("fraction of 1 or more: %s", messages(err))
	}
}

// What the reader finds wrong with a cell stands in place of the rule's
// problem for that field; problems are listed in the order of the columns.
func TestRowProblems(t *testing.T) {
	f, err := Open(csvUp("national_id,name,course\nx,,MBA\n"), roster, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = f.Each(func(r Row, fe *apperr.Fields) error {
		if !fe.Has("course") || f.Failed() {
			t.Error("the rule sees the reader's problem, and no earlier row failed")
		}
		fe.Add("course", "must be one of SYB, malanhua")
		fe.Add("name", "is required")
		fe.Add("national_id", "is not a resident ID")
		return nil
	})
	if got := fields(t, err); !slices.Equal(got, []string{"2:national_id", "2:name", "2:course"}) || strings.Contains(messages(err), "must be one of") {
		t.Fatalf("%v %s", got, messages(err))
	}
	if !f.Failed() {
		t.Error("Failed after a bad row")
	}
}

func TestManyBadRowsAreCounted(t *testing.T) {
	body := "national_id,name,course\n" + strings.Repeat("x,张伟,MBA\n", 1500)
	_, err := readAll(t, roster, csvUp(body), DefaultLimits)
	e, _ := apperr.As(err)
	last := e.Fields[len(e.Fields)-1]
	if len(e.Fields) != maxListed+1 || last.Field != "file" || last.Row != maxListed+2 || !strings.Contains(last.Message.String(), "500 more problems") {
		t.Fatalf("%d problems, last %+v", len(e.Fields), last)
	}
}

func TestCSVLimits(t *testing.T) {
	lim := DefaultLimits
	header := "national_id,name\n"
	long := strings.Repeat("甲", 40000)
	for _, c := range []struct {
		name, body string
		want       []string
		words      string
	}{
		{"a cell over the limit", header + "x," + long + "\ny,李娜\n", []string{"2:name"}, "32,767 characters"},
		{"a line over the limit", header + "x,张伟\n" + strings.Repeat("a", 3<<20) + "\n", []string{"3:file"}, "1 MiB"},
		{"a quoted field over the limit across lines", header + "x,张伟\ny,\"" + strings.Repeat("a\n", 1<<20) + "\"\n", []string{"3:file"}, "1 MiB"},
	} {
		rows, err := readAll(t, roster, csvUp(c.body), lim)
		if got := fields(t, err); !slices.Equal(got, c.want) || !strings.Contains(messages(err), c.words) {
			t.Errorf("%s: %v %s", c.name, got, messages(err))
		}
		if len(rows) == 0 || rows[0].num != 2 {
			t.Errorf("%s: the rows before were not read: %v", c.name, rows)
		}
	}
	lim.Cells = 1000
	_, err := readAll(t, roster, csvUp(header+strings.Repeat("x,y\n", 600)), lim)
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.TooLarge || !strings.Contains(e.Message.String(), "1,000 cells") {
		t.Fatalf("cells: %v", err)
	}
}

func xlsxUp(b []byte) Upload { return Upload{Body: bytes.NewReader(b)} }

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"身份证号", "姓名", "开始日期", "年利率", "金额（元）"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"11010519491231002X", "张伟", 45383, 0.0395, 200000.1})
	_ = f.SetCellStyle("Sheet1", "D2", "D2", pct)
	_ = f.SetCellValue("Sheet1", "A4", "440524188001010014")
	_ = f.SetCellValue("Sheet1", "C4", "2024/4/1")
	_ = f.SetCellValue("Sheet1", "E4", 0.1+0.2)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, roster, xlsxUp(buf.Bytes()), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{2, []string{"11010519491231002X", "张伟", "", "", "2024-04-01", "0.0395", "200000.1"}},
		{4, []string{"440524188001010014", "", "", "", "2024-04-01", "", "0.3"}},
	}
	if !slices.EqualFunc(rows, want, func(a, b got) bool { return a.num == b.num && slices.Equal(a.vals, b.vals) }) {
		t.Fatalf("rows %v", rows)
	}
}

// Workbooks written by other programs: prefixed elements, rich text with a
// phonetic run, shared and inline strings, formula results, ISO dates,
// cells without references, numbers with exponents.
func TestXLSXAsOthersWriteIt(t *testing.T) {
	sheetXML := `<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:E3"/><x:sheetData>
<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="E1" t="inlineStr"><x:is><x:t>开始日期</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>年利率</x:t></x:is></x:c></x:row>
<x:row r="3"><x:c r="A3" t="str"><x:f>A1</x:f><x:v>11010519491231002X</x:v></x:c><x:c r="B3" t="s"><x:v>2</x:v></x:c><x:c r="E3" t="d"><x:v>2024-03-15T00:00:00Z</x:v></x:c><x:c s="1"><x:v>3.95E-2</x:v></x:c></x:row>
</x:sheetData></x:worksheet>`
	stringsXML := sheettest.StringsStart + `<si><t>身份证号</t></si><si><r><t>姓</t></r><r><t>名</t></r></si><si><t>张伟</t><rPh sb="0" eb="2"><t>zhang wei</t></rPh></si>` + sheettest.StringsEnd
	rows, err := readAll(t, roster, xlsxUp(sheettest.Workbook(sheetXML, stringsXML)), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].num != 3 || !slices.Equal(rows[0].vals, []string{"11010519491231002X", "张伟", "", "", "2024-03-15", "0.0395", ""}) {
		t.Fatalf("rows %v", rows)
	}
}

func tooLarge(t *testing.T, err error, words string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.TooLarge || e.Code != "request_too_large" || !strings.Contains(e.Message.String(), words) {
		t.Fatalf("want 413 naming %q, got %v", words, err)
	}
}

func TestXLSXLimits(t *testing.T) {
	_, err := readAll(t, roster, xlsxUp(sheettest.SharedStringsBomb(512<<20)), DefaultLimits)
	tooLarge(t, err, "shared strings (xl/sharedStrings.xml) unpacks to more than 64 MiB")
	_, err = readAll(t, roster, xlsxUp(sheettest.WorksheetBomb(5<<30)), DefaultLimits)
	tooLarge(t, err, "worksheet (xl/worksheets/sheet1.xml) unpacks to more than 256 MiB")
	_, err = readAll(t, roster, xlsxUp(sheettest.ManyParts(DefaultLimits.Entries+10)), DefaultLimits)
	tooLarge(t, err, "10,000")

	// A worksheet that claims less than it holds is counted as it inflates:
	// its cells run over the limit long before its claim is reached.
	lying := sheettest.Bomb{Part: sheettest.Worksheet, Prefix: strings.TrimSuffix(sheettest.Rows([]string{"身份证号", "姓名"}), sheettest.SheetEnd), Unit: `<row>` + strings.Repeat(`<c/>`, 1000) + `</row>`,
		Suffix: sheettest.SheetEnd, Size: 1 << 30, Claim: 200 << 20}.Build()
	small := DefaultLimits
	small.Cells = 200_000
	_, err = readAll(t, roster, xlsxUp(lying), small)
	tooLarge(t, err, "200,000 cells")
	// A shared string that claims little but holds a huge text stops at
	// the length of a cell.
	lying = sheettest.Bomb{Part: sheettest.SharedStrings, Prefix: sheettest.StringsStart + `<si><t>`, Unit: strings.Repeat("a", 4096),
		Suffix: `</t></si>` + sheettest.StringsEnd, Size: 512 << 20, Claim: 60 << 20,
		Other: map[string]string{sheettest.Worksheet: sheettest.Rows([]string{"national_id"})}}.Build()
	_, err = readAll(t, roster, xlsxUp(lying), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"0:file"}) || !strings.Contains(messages(err), "32,767 characters") {
		t.Fatalf("lying shared strings: %v %s", got, messages(err))
	}

	// The dimension claims too many cells: refused before any row.
	claim := sheettest.SheetStart[:len(sheettest.SheetStart)-len("<sheetData>")] + `<dimension ref="A1:XFD1048576"/><sheetData>` + `<row r="1"><c t="inlineStr"><is><t>身份证号</t></is></c></row>` + sheettest.SheetEnd
	_, err = readAll(t, roster, xlsxUp(sheettest.Workbook(claim, "")), DefaultLimits)
	tooLarge(t, err, "5,000,000 cells")

	// Cells too long, inline or shared: the row and the column are named.
	long := strings.Repeat("甲", 40000)
	_, err = readAll(t, roster, xlsxUp(sheettest.Workbook(sheettest.Rows([]string{"身份证号", "姓名"}, []string{"x", "张伟"}, []string{"y", long}), "")), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"3:name"}) {
		t.Fatalf("long inline cell: %v %s", got, messages(err))
	}
	shared := sheettest.SheetStart + `<row r="1"><c t="inlineStr"><is><t>身份证号</t></is></c><c t="inlineStr"><is><t>姓名</t></is></c></row><row r="2"><c t="inlineStr"><is><t>x</t></is></c><c t="s"><v>0</v></c></row>` + sheettest.SheetEnd
	_, err = readAll(t, roster, xlsxUp(sheettest.Workbook(shared, sheettest.StringsStart+`<si><t>`+long+`</t></si>`+sheettest.StringsEnd)), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"2:name"}) || !strings.Contains(messages(err), "32,767 characters") {
		t.Fatalf("long shared string: %v %s", got, messages(err))
	}
	// One text run longer than any cell.
	run := sheettest.SheetStart + `<row r="1"><c t="inlineStr"><is><t>` + strings.Repeat("a", 300_000) + `</t></is></c></row>` + sheettest.SheetEnd
	_, err = readAll(t, roster, xlsxUp(sheettest.Workbook(run, "")), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"1:file"}) {
		t.Fatalf("long run: %v %s", got, messages(err))
	}
}

// The guard of a part counts what really inflates, whatever was claimed.
func TestPartGuardCountsBytes(t *testing.T) {
	g := &partGuard{r: strings.NewReader(strings.Repeat("<a>b</a>", 1000)), name: "xl/x.xml", what: "other", limit: 4000, maxRun: 100}
	var sink bytes.Buffer
	_, err := sink.ReadFrom(g)
	tooLarge(t, err, "4,000 bytes")
	if sink.Len() > 4096 {
		t.Fatalf("read %d bytes past the limit", sink.Len())
	}
	g = &partGuard{r: strings.NewReader("<a>" + strings.Repeat("b", 200) + "</a>"), limit: 1 << 20, maxRun: 100}
	if _, err := sink.ReadFrom(g); !errors.As(err, new(runTooLong)) {
		t.Fatalf("long run: %v", err)
	}
}

// A template, filled in by nobody, reads back as its example row; the
// workbook keeps code columns as text and says what each column holds.
func TestTemplateRoundTrip(t *testing.T) {
	tpl := Template{Name: "roster-template", Title: "花名册", Spec: roster}
	want := []string{"11010519491231002X", "张伟", "malanhua", "411282", "2024-03-01", "0.0395", "200000.00"}
	var csvBuf, xlsxBuf bytes.Buffer
	if err := tpl.WriteCSV(&csvBuf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csvBuf.Bytes(), utf8BOM) || !strings.HasPrefix(csvBuf.String()[3:], "身份证号,姓名,培训课程") {
		t.Fatalf("CSV template %q", csvBuf.String())
	}
	if err := tpl.WriteXLSX(&xlsxBuf); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"csv": csvBuf.Bytes(), "xlsx": xlsxBuf.Bytes()} {
		rows, err := readAll(t, roster, xlsxUp(b), DefaultLimits)
		if err != nil || len(rows) != 1 || rows[0].num != 2 || !slices.Equal(rows[0].vals, want) {
			t.Errorf("%s template read %v %v", name, rows, err)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsxBuf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"花名册", "说明"}) {
		t.Fatalf("sheets %v", sheets)
	}
	style, _ := f.GetCellStyle("花名册", "A500")
	if s, err := f.GetStyle(style); err != nil || s.NumFmt != 49 {
		t.Errorf("the resident ID column is not text: %+v %v", s, err)
	}
	dvs, _ := f.GetDataValidations("花名册")
	if len(dvs) != 1 || dvs[0].Sqref != "C2:C10001" || !strings.Contains(dvs[0].Formula1, "马兰花") {
		t.Errorf("drop-down lists %+v", dvs)
	}
	notes, _ := f.GetRows("说明")
	if len(notes) != len(roster.Columns)+1 || notes[3][0] != "培训课程" || !strings.Contains(notes[3][5], "马兰花 (malanhua)") {
		t.Errorf("notes %v", notes)
	}
}

func TestModeFinish(t *testing.T) {
	if Write.Finish() != nil || !errors.Is(DryRun.Finish(), ErrDryRun) {
		t.Fatal("a dry run ends in ErrDryRun, a write in nil")
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 256 << 20: "256 MiB", 64 << 10: "64 KiB", 4000: "4,000 bytes"} {
		if got := sizeName(n); got != want {
			t.Errorf("sizeName(%d) = %q", n, got)
		}
	}
	if count(5_000_000) != "5,000,000" || count(-1234) != "-1,234" || count(999) != "999" {
		t.Error("count")
	}
}

// Whatever bytes arrive, reading them answers rows or an error of the
// application (a 4xx), never a panic or an unexplained error.
func FuzzRead(f *testing.F) {
	f.Add([]byte("national_id,name\n11010519491231002X,张伟\n"))
	f.Add([]byte("\xEF\xBB\xBF身份证号,姓名,年利率（%）\nx,y,0.5\n"))
	f.Add([]byte("national_id,name\n\"unterminated\n"))
	f.Add([]byte("\xd5\xc5\xce\xb0,\xff\xfe\n"))
	f.Add(sheettest.Workbook(sheettest.Rows([]string{"身份证号", "姓名"}, []string{"x", "y"}), ""))
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := readAll(t, roster, xlsxUp(body), DefaultLimits)
		if err == nil {
			return
		}
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid && e.Kind != apperr.TooLarge {
			t.Fatalf("%q: %v", body, err)
		}
	})
}

// A NUL character is refused in any cell of a column, naming it: no
// column has a use for it and PostgreSQL cannot store it.
func TestNULInACell(t *testing.T) {
	_, err := readAll(t, roster, csvUp("national_id,name\nx,张\x00伟\n"), DefaultLimits)
	if got := fields(t, err); !slices.Equal(got, []string{"2:name"}) || !strings.Contains(messages(err), "NUL") {
		t.Fatalf("%v %s", got, messages(err))
	}
}

// A resident ID typed into a number cell has lost its last digits (Excel
// keeps 15): the reader says so, naming the cell, instead of a checksum error.
func TestXLSXNumberCellInACodeColumn(t *testing.T) {
	for _, v := range []string{"4.11282199003150E+17", "411282199003150011"} {
		sheetXML := sheettest.SheetStart + `<row r="1"><c t="inlineStr"><is><t>身份证号</t></is></c><c t="inlineStr"><is><t>姓名</t></is></c></row>` +
			`<row r="2"><c r="A2"><v>` + v + `</v></c><c r="B2" t="inlineStr"><is><t>张伟</t></is></c></row>` +
			`<row r="3"><c r="A3"><v>12345</v></c><c r="B3" t="inlineStr"><is><t>李娜</t></is></c></row>` + sheettest.SheetEnd
		_, err := readAll(t, roster, xlsxUp(sheettest.Workbook(sheetXML, "")), DefaultLimits)
		if got := fields(t, err); !slices.Equal(got, []string{"2:national_id"}) || !strings.Contains(messages(err), "411282199003150000") || !strings.Contains(messages(err), "format the column as text") {
			t.Errorf("%s: %v %s", v, got, messages(err))
		}
	}
}

// The header is the first row that is not empty, and its problems name
// that row; an unknown header is named by its first 64 characters.
func TestHeaderBelowEmptyRows(t *testing.T) {
	sheetXML := sheettest.SheetStart + `<row r="3"><c t="inlineStr"><is><t>身份证号</t></is></c><c t="inlineStr"><is><t>` + strings.Repeat("备", 100) + `</t></is></c></row>` + sheettest.SheetEnd
	_, err := readAll(t, roster, xlsxUp(sheettest.Workbook(sheetXML, "")), DefaultLimits)
	e, _ := apperr.As(err)
	if got := fields(t, err); len(got) != 2 || got[0] != "3:"+strings.Repeat("备", 64)+"…" || got[1] != "3:name" {
		t.Fatalf("%v %v", got, e)
	}
}
