package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"chuangdai/internal/apperr"
	"chuangdai/internal/beijing"
	"chuangdai/internal/sheet"
)

// Export formats.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Media types of the downloads.
const (
	MediaCSV  = "text/csv; charset=utf-8"
	MediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// CellKind says how a column is written to a workbook.
type CellKind int

// The kinds of cell: text, whole number, money (two decimals), percent
// (a number of percent with two decimals, empty when not defined) and rate
// (a decimal fraction as the JSON has it, 0.0395, that people read in
// percent: 3.95).
const (
	Text CellKind = iota
	Int
	Money
	Pct
	Rate
)

// Column is one column of an exported table: Key is the JSON field name,
// Label the Chinese header that workbooks and CSV with headers=labels show
// (a CSV shows the keys by default, for programs reading the JSON's fields).
type Column struct {
	Key   string
	Label string
	Kind  CellKind
}

// Table is a report as rows of the same strings the JSON carries (codes,
// plain decimals).
type Table struct {
	// Name is the file name without extension (ASCII).
	Name    string
	Title   string
	Period  string
	Columns []Column
	Rows    [][]string
	// Codes names the values of code columns for people: column key →
	// code → Chinese label. Workbooks and CSV with headers=labels show the
	// label; a code without one stays as it is.
	Codes map[string]map[string]string
}

// Cell is row r's cell of column i as a person reads it: the Chinese label
// of a code, a rate in percent.
func (t Table) Cell(r, i int) string {
	v := t.Rows[r][i]
	if l, ok := t.Codes[t.Columns[i].Key][v]; ok {
		return l
	}
	if t.Columns[i].Kind == Rate {
		return percentOf(v)
	}
	return v
}

// percentOf writes the fraction v in percent, exactly: 0.0395 is 3.95,
// 0.03 is 3.00, 0.03125 is 3.125; anything else stays as it is.
func percentOf(v string) string {
	d, err := decimal.NewFromString(v)
	if err != nil {
		return v
	}
	p := d.Shift(2)
	if p.Equal(p.Round(2)) {
		return p.StringFixed(2)
	}
	return p.String()
}

// Headers says what a CSV export shows.
type Headers int

// Fields (the default) writes the JSON field names and values, Labels the
// Chinese column names and the Chinese labels of codes.
const (
	Fields Headers = iota
	Labels
)

// ParseHeaders reads the headers parameter: "" or "fields", or "labels".
func ParseHeaders(v string) (Headers, error) {
	switch strings.TrimSpace(v) {
	case "", "fields":
		return Fields, nil
	case "labels":
		return Labels, nil
	}
	return Fields, apperr.Field("headers", "must be fields (the JSON field names and values, the default) or labels (the Chinese column names and labels)")
}

// WriteCSV writes t as CSV in UTF-8 with a byte order mark, so that Excel
// and WPS read the Chinese text correctly: the header row, then one line per
// row, written as it goes; with Labels the Chinese names and labels. Text
// cells are neutralised against formulas (sheet.CSVText).
func WriteCSV(w io.Writer, t Table, h Headers) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Key
		if h == Labels {
			header[i] = c.Label
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	line := make([]string, len(t.Columns))
	for n, r := range t.Rows {
		for i, v := range r {
			if h == Labels {
				v = t.Cell(n, i)
			}
			if t.Columns[i].Kind == Text {
				v = sheet.CSVText(v)
			}
			line[i] = v
		}
		if err := cw.Write(line[:len(r)]); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes t as a workbook with excelize's stream writer: a title
// row naming the report, its period and the time of export, a styled header
// row, then the rows (codes by their Chinese labels) with amounts and
// percentages as numbers formatted with two decimals (never as text).
func WriteXLSX(w io.Writer, t Table, exportedAt time.Time) error {
	f := excelize.NewFile()
	defer f.Close() //nolint:errcheck // nothing to flush after Write
	sheet := "Sheet1"
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"305496"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
	})
	if err != nil {
		return err
	}
	moneyFmt, pctFmt := "#,##0.00", "0.00"
	amount, err := f.NewStyle(&excelize.Style{CustomNumFmt: &moneyFmt})
	if err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{CustomNumFmt: &pctFmt})
	if err != nil {
		return err
	}
	for i, c := range t.Columns {
		width := 14.0
		if c.Kind == Text {
			width = 22
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	heading := fmt.Sprintf("%s　%s　导出时间 %s", t.Title, t.Period, exportedAt.In(beijing.Zone).Format("2006-01-02 15:04:05"))
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: title, Value: heading}}); err != nil {
		return err
	}
	header := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = excelize.Cell{StyleID: head, Value: c.Label}
	}
	if err := sw.SetRow("A2", header); err != nil {
		return err
	}
	for n, r := range t.Rows {
		cells := make([]any, len(r))
		for i := range r {
			cells[i] = xlsxCell(t.Columns[i].Kind, t.Cell(n, i), amount, pct)
		}
		if err := sw.SetRow("A"+strconv.Itoa(n+3), cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// xlsxCell is one cell of a workbook: text as a string cell, never a
// formula, whatever it starts with; numbers as numbers.
func xlsxCell(kind CellKind, v string, amount, pct int) any {
	if v == "" || kind == Text {
		return excelize.Cell{Value: v}
	}
	switch kind {
	case Int:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return excelize.Cell{Value: n}
		}
	case Money, Pct, Rate:
		if d, err := decimal.NewFromString(v); err == nil {
			style := amount
			if kind != Money {
				style = pct
			}
			return excelize.Cell{StyleID: style, Value: d.InexactFloat64()}
		}
	}
	return excelize.Cell{Value: v}
}
