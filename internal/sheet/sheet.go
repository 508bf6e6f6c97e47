// Package sheet reads the files of every import (training rosters, tenancy
// lists, legacy loans, bank disbursement lists): CSV in UTF-8 with or
// without a byte order mark or in GB18030, and XLSX workbooks, streamed row
// by row within fixed limits, so that no file — however it was made — costs
// the server more than a few megabytes of memory. It also maps the header
// row (field names or Chinese headers) to the columns of an import, turns
// the labels and percent rates people write into the codes and fractions of
// the API, and writes the templates of the imports.
package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"chuangdai/internal/apperr"
)

// Upload is an import file as received.
type Upload struct {
	Body io.Reader
	// Charset is the charset parameter the client sent with the file, if any;
	// gb18030, gbk and gb2312 read a CSV file as GB18030.
	Charset string
}

// Limits bound what reading one file may cost. Every limit is checked
// against what the file claims before anything is read (a workbook part's
// size in the zip directory, the worksheet's dimension) and again against
// what is really read (bytes counted while inflating, cells counted).
type Limits struct {
	// PartBytes bounds the uncompressed size of each part of a workbook
	// that is streamed (the worksheet, the workbook, the relations).
	PartBytes int64
	// SharedStringsBytes bounds the workbook's table of shared strings,
	// which is held in memory while the worksheet is read.
	SharedStringsBytes int64
	// Cells bounds the cells of the file (XLSX cells, CSV fields).
	Cells int
	// CellChars bounds the characters of one cell.
	CellChars int
	// LineBytes bounds one CSV record (a line, or several when a quoted
	// field holds line breaks).
	LineBytes int
	// Entries bounds the entries of a workbook's zip directory.
	Entries int
}

// DefaultLimits hold a 200,000-row legacy loan file and any roster a
// bureau keeps. CellChars is Excel's own limit of a cell.
var DefaultLimits = Limits{
	PartBytes:          256 << 20,
	SharedStringsBytes: 64 << 20,
	Cells:              5_000_000,
	CellChars:          32_767,
	LineBytes:          1 << 20,
	Entries:            10_000,
}

// maxListed bounds the row errors one answer lists.
const maxListed = 1000

// source streams the rows of a file.
type source interface {
	// next returns the next row's cells and its number as a spreadsheet
	// shows it (the header is row 1), io.EOF after the last row, a
	// *rowProblem for a row that cannot be read, or a fatal error.
	next() (int, []string, error)
	// serialDates reports whether numbers in date columns are day serials.
	serialDates() bool
	// rounded reports whether the cell at pos of the last row was a
	// number longer than the 15 digits a spreadsheet keeps, such as a
	// resident ID typed into a number cell: its last digits are lost.
	rounded(pos int) bool
	close() error
}

// rowProblem is a row that cannot be read; reading stops there.
type rowProblem struct {
	err apperr.FieldError
}

func (p *rowProblem) Error() string { return p.err.Message.String() }

// problemAt builds the rowProblem of row for field.
func problemAt(row int, field, format string, args ...any) *rowProblem {
	var f apperr.Fields
	f.Addf(field, format, args...)
	fe := f.List()[0]
	fe.Row = row
	return &rowProblem{err: fe}
}

var (
	zipSignature = []byte("PK\x03\x04")
	utf8BOM      = []byte("\xEF\xBB\xBF")
)

// sniffSize is how much of a CSV file decides its encoding.
const sniffSize = 64 << 10

// File is an open import file whose header row has been read and checked.
type File struct {
	src    source
	spec   Spec
	lim    Limits
	header header
	failed bool
	vals   []string
}

// Open reads the header row of up and checks it against spec: every
// column known, none twice, the required ones present. A file that cannot
// be read or whose header is wrong is a validation error naming row 1; a
// file beyond lim is 413.
func Open(up Upload, spec Spec, lim Limits) (*File, error) {
	src, err := openSource(up, lim)
	if err != nil {
		return nil, fatal(err)
	}
	f := &File{src: src, spec: spec, lim: lim, vals: make([]string, len(spec.Columns))}
	num, cells, err := src.next()
	if errors.Is(err, io.EOF) {
		_ = src.close()
		return nil, apperr.Validation(problemAt(1, "file", "the file is empty: send a header row with the column names (%s) and one row per record", spec.names()).err)
	}
	if err != nil {
		_ = src.close()
		return nil, fatal(err)
	}
	h, errs := f.spec.readHeader(num, cells)
	if len(errs) > 0 {
		_ = src.close()
		return nil, apperr.Validation(errs...)
	}
	f.header = h
	return f, nil
}

func openSource(up Upload, lim Limits) (source, error) {
	br := bufio.NewReaderSize(up.Body, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(head, utf8BOM))) == 0 {
		return nil, apperr.Validation(problemAt(1, "file", "the file is empty: send a header row with the column names and one row per record").err)
	}
	if bytes.HasPrefix(head, zipSignature) {
		return openXLSX(br, lim)
	}
	return openCSV(br, head, up.Charset, lim)
}

// fatal turns what a source returned into the error of the import.
func fatal(err error) error {
	var p *rowProblem
	if errors.As(err, &p) {
		return apperr.Validation(p.err)
	}
	return err
}

// Close releases the file.
func (f *File) Close() error { return f.src.close() }

// Failed reports whether a row read so far had a problem. An import keeps
// reading to report every bad row but stops writing at the first.
func (f *File) Failed() bool { return f.failed }

// Row is one data row of a file, its cells already turned into the values
// of the API (codes for labels, fractions for percent rates, YYYY-MM-DD
// for dates).
type Row struct {
	// Num is the row as a spreadsheet shows it (the header is row 1).
	Num  int
	spec *Spec
	vals []string
}

// Get returns the value of a column of the spec ("" when the file has no
// such column or the cell is empty).
func (r Row) Get(column string) string {
	i, ok := r.spec.index[column]
	if !ok {
		return ""
	}
	return r.vals[i]
}

// Each calls fn for every row after the header that is not blank. fn adds
// the row's problems to fe, each naming its field; Each adds the row
// number. fe already holds what the reader found wrong with a cell (a
// label that is no choice, a cell too long), and that problem stands in
// place of fn's for the same field. Each
// reads the whole file, then answers one validation error listing every
// bad row (the first maxListed problems and how many more), or the first
// error fn returned, or a limit of the file (413).
func (f *File) Each(fn func(r Row, fe *apperr.Fields) error) error {
	var errs []apperr.FieldError
	more, moreFrom := 0, 0
	report := func(fe apperr.FieldError) {
		f.failed = true
		if len(errs) < maxListed {
			errs = append(errs, fe)
			return
		}
		if more == 0 {
			moreFrom = fe.Row
		}
		more++
	}
	rows := 0
	// fe is each row's in turn, declared once: fn's pointer to it would
	// otherwise cost an allocation a row.
	var fe apperr.Fields
	for {
		num, cells, err := f.src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if p := (*rowProblem)(nil); errors.As(err, &p) {
				report(p.err)
				break
			}
			return err
		}
		if blank(cells) {
			continue
		}
		rows++
		fe = apperr.Fields{}
		f.fill(cells, &fe)
		read := fe.List()
		n := len(read)
		if err := fn(Row{Num: num, spec: &f.spec, vals: f.vals}, &fe); err != nil {
			return err
		}
		var problems []apperr.FieldError
		for i, e := range fe.List() {
			if i >= n && slices.ContainsFunc(read[:n], func(r apperr.FieldError) bool { return r.Field == e.Field }) {
				continue
			}
			e.Row = num
			problems = append(problems, e)
		}
		// In the order of the columns, as a person reads the row.
		slices.SortStableFunc(problems, func(a, b apperr.FieldError) int { return f.spec.position(a.Field) - f.spec.position(b.Field) })
		for _, e := range problems {
			report(e)
		}
	}
	if more > 0 {
		var fe apperr.Fields
		fe.Addf("file", "%d more problems from row %d on are not listed: correct the rows above and send the file again", more, moreFrom)
		last := fe.List()[0]
		last.Row = moreFrom
		errs = append(errs, last)
	}
	if len(errs) > 0 {
		return apperr.Validation(errs...)
	}
	if rows == 0 {
		return apperr.Validation(problemAt(2, "file", "the file has a header but no records: add one row per record below the header").err)
	}
	return nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// fill turns the cells of a data row into the values of the spec's
// columns, adding to read what cannot be a value.
func (f *File) fill(cells []string, read *apperr.Fields) {
	for i := range f.vals {
		f.vals[i] = ""
	}
	for pos, col := range f.header.cols {
		if col < 0 || pos >= len(cells) {
			continue
		}
		c := &f.spec.Columns[col]
		raw := trim(cells[pos])
		if strings.ContainsRune(raw, 0) {
			// No column has a use for it, and PostgreSQL cannot store it.
			read.Add(c.Name, "holds a NUL character (\\u0000): remove it from the file and send it again")
			continue
		}
		if c.Kind == Code && f.src.rounded(pos) {
			read.Addf(c.Name, "is a number cell (%s), of which Excel keeps only 15 digits, so the last ones are lost: format the column as text and type the value again", raw)
			continue
		}
		if len(raw) > f.lim.CellChars && utf8.RuneCountInString(raw) > f.lim.CellChars {
			read.Addf(c.Name, "is longer than %s characters, the most a cell holds: shorten it", count(f.lim.CellChars))
			continue
		}
		f.vals[col] = f.spec.value(col, raw, f.header.percent[col], f.src.serialDates(), read)
	}
}

// trim removes the spaces around a cell, full-width ones included.
func trim(s string) string {
	if s == "" || !trimmable(s[0]) && !trimmable(s[len(s)-1]) {
		return s
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u3000' || r == '\u00a0' || r == '\ufeff'
	})
}

// trimmable reports whether a cell starting or ending with the byte b may
// have a space for trim to remove: an ASCII space, or any byte of a
// multi-byte rune (the full-width spaces are such runes).
func trimmable(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b >= utf8.RuneSelf
}

// Mode says whether an import writes what it read.
type Mode int

// The modes of an import.
const (
	// Write imports the file.
	Write Mode = iota
	// DryRun reads, checks and writes the file in a transaction that is
	// then rolled back: the same answer as Write, nothing kept.
	DryRun
)

// Result counts what an import did: the rows imported, and those skipped
// as already there.
type Result struct {
	Imported int
	Skipped  int
}

// ErrDryRun ends the transaction of a dry run, rolling it back.
var ErrDryRun = errors.New("dry run: everything is rolled back")

// Finish is what the transaction of an import returns when everything
// went well: nil to commit, ErrDryRun to roll back a dry run.
func (m Mode) Finish() error {
	if m == DryRun {
		return ErrDryRun
	}
	return nil
}
