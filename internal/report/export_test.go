package report

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func sampleTable() Table {
	return Table{
		Name: "sample", Title: "发放进度通报", Period: "2024-01-01 至 2024-04-30",
		Columns: []Column{{"district_name", "单位", Text}, {"loans", "笔数", Int}, {"amount", "金额(元)", Money}, {"completion_pct", "完成率(%)", Pct}},
		Rows: [][]string{
			{"灵宝市", "2", "123450.00", "12.35"},
			{"义马市, \"东区\"", "1", "100000.00", ""},
			{"合计", "3", "223450.00", "14.90"},
		},
	}
}

func TestWriteCSVHasBOMAndTheSameCells(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sampleTable(), Fields); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Fatal("no byte order mark: Excel would read the Chinese as mojibake")
	}
	got, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := append([][]string{{"district_name", "loans", "amount", "completion_pct"}}, sampleTable().Rows...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CSV\n got %q\nwant %q", got, want)
	}
}

// TestWriteCSVNeutralisesFormulasInText: a text cell that a spreadsheet
// would run as a formula gets a leading apostrophe; numbers stay numbers;
// with Labels the header row is the Chinese labels.
func TestWriteCSVNeutralisesFormulasInText(t *testing.T) {
	tbl := sampleTable()
	tbl.Rows = [][]string{{"=HYPERLINK(\"http://x\")", "-1", "-5.00", ""}, {"@SUM(1+1)", "2", "3.00", "1.00"}}
	var b bytes.Buffer
	if err := WriteCSV(&b, tbl, Labels); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"单位", "笔数", "金额(元)", "完成率(%)"}, {"'=HYPERLINK(\"http://x\")", "-1", "-5.00", ""}, {"'@SUM(1+1)", "2", "3.00", "1.00"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CSV\n got %q\nwant %q", got, want)
	}
	b.Reset()
	if err := WriteXLSX(&b, tbl, time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, _ := f.GetCellValue("Sheet1", "A3")
	formula, _ := f.GetCellFormula("Sheet1", "A3")
	if typ, _ := f.GetCellType("Sheet1", "A3"); v != "=HYPERLINK(\"http://x\")" || formula != "" || (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) {
		t.Errorf("workbook cell %q, formula %q, type %v: want the text as a string", v, formula, typ)
	}
}

// TestCodesReadAsLabels: by default a CSV carries the codes as the JSON
// does; with Labels, and in workbooks, a code column shows its Chinese
// label, and a code without a label stays as it is.
func TestCodesReadAsLabels(t *testing.T) {
	tbl := Table{Name: "codes", Columns: []Column{{"kind", "差异类型", Text}, {"loans", "笔数", Int}},
		Rows:  [][]string{{"missing_in_bank", "1"}, {"unknown", "2"}},
		Codes: map[string]map[string]string{"kind": {"missing_in_bank": "银行清单中没有"}}}
	for _, tc := range []struct {
		h    Headers
		want [][]string
	}{
		{Fields, [][]string{{"kind", "loans"}, {"missing_in_bank", "1"}, {"unknown", "2"}}},
		{Labels, [][]string{{"差异类型", "笔数"}, {"银行清单中没有", "1"}, {"unknown", "2"}}},
	} {
		var b bytes.Buffer
		if err := WriteCSV(&b, tbl, tc.h); err != nil {
			t.Fatal(err)
		}
		got, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("headers %d: CSV %q %v, want %q", tc.h, got, err, tc.want)
		}
	}
	var b bytes.Buffer
	if err := WriteXLSX(&b, tbl, time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Sheet1", "A3"); v != "银行清单中没有" {
		t.Errorf("workbook cell %q, want the label", v)
	}
}

func TestParseHeaders(t *testing.T) {
	for v, want := range map[string]Headers{"": Fields, "fields": Fields, "labels": Labels} {
		if h, err := ParseHeaders(v); err != nil || h != want {
			t.Errorf("ParseHeaders(%q) = %d, %v", v, h, err)
		}
	}
	if _, err := ParseHeaders("codes"); err == nil {
		t.Error("headers=codes accepted")
	}
}

func TestWriteXLSXTitleHeaderAndNumbers(t *testing.T) {
	var b bytes.Buffer
	at := time.Date(2024, 5, 6, 1, 2, 3, 0, time.UTC)
	if err := WriteXLSX(&b, sampleTable(), at); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	title, _ := f.GetCellValue("Sheet1", "A1")
	for _, part := range []string{"发放进度通报", "2024-01-01 至 2024-04-30", "导出时间 2024-05-06 09:02:03"} {
		if !strings.Contains(title, part) {
			t.Errorf("title %q lacks %q", title, part)
		}
	}
	header, _ := f.GetRows("Sheet1")
	if !reflect.DeepEqual(header[1], []string{"单位", "笔数", "金额(元)", "完成率(%)"}) {
		t.Errorf("header %q", header[1])
	}
	style, _ := f.GetCellStyle("Sheet1", "B2")
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style %+v %v", s, err)
	}
	for cell, want := range map[string]string{"C3": "123,450.00", "D3": "12.35", "B3": "2", "C5": "223,450.00", "D4": "", "A4": "义马市, \"东区\""} {
		if got, _ := f.GetCellValue("Sheet1", cell); got != want {
			t.Errorf("%s shows %q, want %q", cell, got, want)
		}
	}
	for _, cell := range []string{"B3", "C3", "D3", "C5"} {
		raw, _ := f.GetCellValue("Sheet1", cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType("Sheet1", cell)
		if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || strings.Contains(raw, ",") {
			t.Errorf("%s is text (%v %q), want a number", cell, typ, raw)
		}
	}
	if raw, _ := f.GetCellValue("Sheet1", "C3", excelize.Options{RawCellValue: true}); raw != "123450" {
		t.Errorf("raw amount %q", raw)
	}
}

// TestRatesReadInPercent: a rate column keeps the JSON's fraction for
// programs and shows people percent, exactly.
func TestRatesReadInPercent(t *testing.T) {
	tb := Table{Columns: []Column{{Key: "annual_rate", Label: "合同年利率(%)", Kind: Rate}},
		Rows: [][]string{{"0.0395"}, {"0.0300"}, {"0.03125"}, {""}, {"x"}}}
	for i, want := range []string{"3.95", "3.00", "3.125", "", "x"} {
		if got := tb.Cell(i, 0); got != want {
			t.Errorf("%q reads %q, want %q", tb.Rows[i][0], got, want)
		}
	}
	var fields, labels strings.Builder
	if err := WriteCSV(&fields, tb, Fields); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&labels, tb, Labels); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fields.String(), "annual_rate\r\n0.0395\r\n") || !strings.Contains(labels.String(), "合同年利率(%)\r\n3.95\r\n") {
		t.Errorf("fields %q, labels %q", fields.String(), labels.String())
	}
}
