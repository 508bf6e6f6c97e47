package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"chuangdai/internal/apperr"
)

type csvSource struct {
	r         *csv.Reader
	lim       Limits
	cells     int
	last      int
	checkUTF8 bool
}

// openCSV reads a CSV file in UTF-8 (a byte order mark is skipped) or, when
// the charset says so or the start is not UTF-8, in GB18030.
func openCSV(br *bufio.Reader, head []byte, charset string, lim Limits) (source, error) {
	var r io.Reader = br
	utf := true
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return nil, err
		}
	case isGB(charset), !validUTF8Prefix(head):
		r = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		utf = false
	}
	g := &recordGuard{r: r, limit: lim.LineBytes, line: 1, start: 1}
	cr := csv.NewReader(g)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvSource{r: cr, lim: lim, checkUTF8: utf}, nil
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

func (c *csvSource) next() (int, []string, error) {
	rec, err := c.r.Read()
	if err != nil {
		var long *longRecord
		var pe *csv.ParseError
		switch {
		case errors.As(err, &long):
			return long.line, nil, problemAt(long.line, "file", "is longer than %s: a line of the file holds at most %s", sizeName(int64(c.lim.LineBytes)), sizeName(int64(c.lim.LineBytes)))
		case errors.As(err, &pe):
			return pe.StartLine, nil, parseProblem(pe)
		}
		return c.last + 1, nil, err
	}
	// Rows are lines of the file, as a spreadsheet shows them.
	row, _ := c.r.FieldPos(0)
	c.last = row
	c.cells += len(rec)
	if c.cells > c.lim.Cells {
		return row, nil, tooManyCells(c.lim)
	}
	if c.checkUTF8 {
		for _, v := range rec {
			if !utf8.ValidString(v) {
				return row, nil, problemAt(row, "file", "is not valid UTF-8: save the whole file as CSV UTF-8 (or GB18030)")
			}
		}
	}
	return row, rec, nil
}

func parseProblem(pe *csv.ParseError) *rowProblem {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return problemAt(pe.StartLine, "file", "has a double quote inside a field that does not start with one: put the field in double quotes and double each quote inside it")
	case errors.Is(pe.Err, csv.ErrQuote):
		return problemAt(pe.StartLine, "file", "has a field whose opening double quote is never closed: close it, or double each quote inside the field")
	}
	return problemAt(pe.StartLine, "file", "cannot be read as CSV: put fields holding commas or quotes in double quotes")
}

func tooManyCells(lim Limits) error {
	return apperr.Newf(apperr.TooLarge, "request_too_large", "the file has more than %s cells, the most one import reads: split it into several files", count(lim.Cells))
}

func (c *csvSource) serialDates() bool { return false }
func (c *csvSource) rounded(int) bool  { return false }
func (c *csvSource) close() error      { return nil }

// recordGuard passes a CSV stream through while counting the bytes of the
// record being read (a quoted field may span lines), and fails once one
// record is longer than limit: the CSV reader would otherwise gather a
// record of any length in memory.
type recordGuard struct {
	r     io.Reader
	limit int
	n     int
	// line is the line being read, start the line the record began on.
	line, start int
	quoted      bool
	err         error
}

// longRecord is a record longer than the limit, starting on line.
type longRecord struct{ line int }

func (e *longRecord) Error() string { return "record too long" }

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		switch b {
		case '"':
			g.quoted = !g.quoted
		case '\n':
			g.line++
			if !g.quoted {
				g.n, g.start = 0, g.line
				continue
			}
		}
		g.n++
		if g.n > g.limit {
			// Hand over what precedes the long record, so that the rows
			// before it are read, then fail.
			g.err = &longRecord{line: g.start}
			return i, nil
		}
	}
	return n, err
}
