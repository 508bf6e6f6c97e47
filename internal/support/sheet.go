package support

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"chuangdai/internal/apperr"
)

// Upload is an import file as received: CSV (UTF-8 with or without BOM, or
// GB18030) or an XLSX workbook, told apart by the zip signature.
type Upload struct {
	Body io.Reader
	// Charset is the charset parameter the client sent with the file, if any;
	// gb18030, gbk and gb2312 read a CSV file as GB18030.
	Charset string
}

// sheet streams the rows of an import file.
type sheet interface {
	// next returns the next row's cells and its number as the user sees it
	// (the header is row 1); io.EOF after the last row.
	next() (int, []string, error)
	// serialDates reports whether numbers in date columns are spreadsheet day serials.
	serialDates() bool
	close() error
}

// rowError is a row that cannot be read at all.
type rowError struct {
	row int
	msg string
}

func (e rowError) Error() string { return fmt.Sprintf("row %d: %s", e.row, e.msg) }

var zipSignature = []byte("PK\x03\x04")

// sniffSize is how much of a CSV file decides its encoding.
const sniffSize = 64 << 10

func openSheet(up Upload) (sheet, error) {
	br := bufio.NewReaderSize(up.Body, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, apperr.Validation(apperr.FieldError{Row: 1, Field: "file", Message: "the file is empty: send a header row with the column names and one row per record"})
	}
	if bytes.HasPrefix(head, zipSignature) {
		return openXLSX(br)
	}
	var r io.Reader = br
	utf := true
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		if _, err := br.Discard(3); err != nil {
			return nil, err
		}
	case isGB(up.Charset), !validUTF8Prefix(head):
		r = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		utf = false
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvSheet{r: cr, checkUTF8: utf}, nil
}

func isGB(charset string) bool {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "gb18030", "gbk", "gb2312":
		return true
	}
	return false
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut off at the end.
func validUTF8Prefix(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}

type csvSheet struct {
	r         *csv.Reader
	last      int
	checkUTF8 bool
}

func (c *csvSheet) next() (int, []string, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return pe.StartLine, nil, rowError{pe.StartLine, "cannot be read as CSV: " + pe.Err.Error() + " (put fields holding commas or quotes in double quotes)"}
		}
		return c.last + 1, nil, err
	}
	// Rows are lines of the file, as a spreadsheet shows them.
	row, _ := c.r.FieldPos(0)
	c.last = row
	if c.checkUTF8 {
		for _, v := range rec {
			if !utf8.ValidString(v) {
				return row, nil, rowError{row, "is not valid UTF-8: save the whole file as CSV UTF-8 (or GB18030)"}
			}
		}
	}
	return row, rec, nil
}

func (c *csvSheet) serialDates() bool { return false }
func (c *csvSheet) close() error      { return nil }

type xlsxSheet struct {
	f    *excelize.File
	rows *excelize.Rows
	row  int
}

// openXLSX reads the first worksheet of a workbook. The zip directory is at
// the end of the file, so the workbook is read whole; its rows are streamed.
func openXLSX(r io.Reader) (sheet, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, apperr.Validation(apperr.FieldError{Row: 1, Field: "file", Message: "is not a readable XLSX workbook: save it again as Excel Workbook (.xlsx) or CSV"})
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, apperr.Validation(apperr.FieldError{Row: 1, Field: "file", Message: "the workbook has no worksheet"})
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, apperr.Validation(apperr.FieldError{Row: 1, Field: "file", Message: "the first worksheet cannot be read: save the workbook again"})
	}
	return &xlsxSheet{f: f, rows: rows}, nil
}

func (x *xlsxSheet) next() (int, []string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return x.row + 1, nil, rowError{x.row + 1, "cannot be read: " + err.Error()}
		}
		return x.row + 1, nil, io.EOF
	}
	x.row++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return x.row, nil, rowError{x.row, "cannot be read: " + err.Error()}
	}
	return x.row, cells, nil
}

func (x *xlsxSheet) serialDates() bool { return true }

func (x *xlsxSheet) close() error {
	err := x.rows.Close()
	return errors.Join(err, x.f.Close())
}

// spreadsheetEpoch is day 0 of spreadsheet date serials (after the 1900 leap-year quirk).
var spreadsheetEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// cellDate turns the ways a roster writes a day into YYYY-MM-DD: 2024-03-15,
// 2024/3/15, 2024.3.15 and, in workbooks, the day serial of a date cell.
// Anything else is returned as it was, for the validation to name.
func cellDate(v string, serials bool) string {
	v = strings.TrimSpace(v)
	if serials {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 1 && n < 200000 {
			return spreadsheetEpoch.AddDate(0, 0, int(math.Floor(n))).Format(time.DateOnly)
		}
	}
	for _, layout := range []string{"2006/1/2", "2006.1.2", "2006-1-2"} {
		if d, err := time.Parse(layout, v); err == nil {
			return d.Format(time.DateOnly)
		}
	}
	return v
}
