package sheet

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Template formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Media types of the templates.
const (
	MediaCSV  = "text/csv; charset=utf-8"
	MediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Template is what a template file is made of: the spec (its Chinese
// headers and example row), a file name and the title of the worksheet.
type Template struct {
	// Name is the file name without extension (ASCII).
	Name string
	// Title names the worksheet (at most 31 characters).
	Title string
	Spec  Spec
}

// headerOf is the header a template writes for a column.
func headerOf(c Column) string {
	if c.Header != "" {
		return c.Header
	}
	return c.Name
}

// WriteCSV writes the template as CSV in UTF-8 with a byte order mark (so
// that Excel and WPS show the Chinese): the header row and the example row.
func (t Template) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := make([]string, len(t.Spec.Columns))
	example := make([]string, len(t.Spec.Columns))
	for i, c := range t.Spec.Columns {
		header[i], example[i] = CSVText(headerOf(c)), CSVText(c.Example)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.Write(example); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// templateRows is how many rows of a template's columns are formatted
// (text for codes, lists for choices).
const templateRows = 10000

// WriteXLSX writes the template as a workbook: on the first worksheet the
// header row (required columns shaded) and the example row, the code
// columns formatted as text so that Excel keeps every digit of a resident
// ID, a drop-down list of the labels on the columns with choices; on a
// second worksheet 说明, what to write in each column.
func (t Template) WriteXLSX(w io.Writer) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	data := t.Title
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return err
	}
	required, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#FCE4D6"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	for i, c := range t.Spec.Columns {
		col := columnName(i)
		cellName := col + "1"
		if err := f.SetCellStr(data, cellName, headerOf(c)); err != nil {
			return err
		}
		style := head
		if c.Required {
			style = required
		}
		if err := f.SetCellStyle(data, cellName, cellName, style); err != nil {
			return err
		}
		if err := f.SetColWidth(data, col, col, float64(min(30, max(12, 2*len([]rune(headerOf(c)))+4, len(c.Example)+4)))); err != nil {
			return err
		}
		if c.Kind == Code {
			if err := f.SetCellStyle(data, col+"2", fmt.Sprintf("%s%d", col, templateRows+1), text); err != nil {
				return err
			}
		}
		if err := f.SetCellStr(data, col+"2", c.Example); err != nil {
			return err
		}
		if labels := c.labels(); c.Closed && len(labels) > 0 && len(strings.Join(labels, ",")) <= 255 {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, templateRows+1)
			if err := dv.SetDropList(labels); err != nil {
				return err
			}
			if err := f.AddDataValidation(data, dv); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := t.writeNotes(f, head); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// labels are what a drop-down list offers: the label of each choice.
func (c Column) labels() []string {
	out := make([]string, 0, len(c.Choices))
	for _, ch := range c.Choices {
		if ch.Label != "" {
			out = append(out, ch.Label)
		} else {
			out = append(out, ch.Code)
		}
	}
	return out
}

// writeNotes adds the 说明 worksheet: one line per column.
func (t Template) writeNotes(f *excelize.File, head int) error {
	const notes = "说明"
	if _, err := f.NewSheet(notes); err != nil {
		return err
	}
	header := []any{"表头 Header", "字段名 Field", "必填 Required", "说明", "Description", "可填写的值 Values"}
	if err := f.SetSheetRow(notes, "A1", &header); err != nil {
		return err
	}
	if err := f.SetCellStyle(notes, "A1", "F1", head); err != nil {
		return err
	}
	for i, c := range t.Spec.Columns {
		req := "否 no"
		if c.Required {
			req = "是 yes"
		}
		values := ""
		if len(c.Choices) > 0 {
			values = c.choiceList()
		}
		row := []any{headerOf(c), c.Name, req, c.Note, c.NoteEN, values}
		if err := f.SetSheetRow(notes, fmt.Sprintf("A%d", i+2), &row); err != nil {
			return err
		}
	}
	widths := []float64{18, 16, 12, 50, 50, 50}
	for i, wd := range widths {
		col := columnName(i)
		if err := f.SetColWidth(notes, col, col, wd); err != nil {
			return err
		}
	}
	return nil
}
