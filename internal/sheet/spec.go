package sheet

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"chuangdai/internal/apperr"
)

// Kind says how the cells of a column are read.
type Kind int

// The kinds of column.
const (
	// Text is read as written (spaces around it removed).
	Text Kind = iota
	// Code is an identifier (resident ID, code, reference): read as text,
	// and formatted as text in a template so that Excel keeps every digit.
	Code
	// Date accepts 2024-03-15, 2024/3/15, 2024.3.15, 2024年3月15日 and, in a
	// workbook, a date cell; it reads as YYYY-MM-DD.
	Date
	// Rate accepts a decimal fraction (0.0395) or a percent (3.95%), and a
	// plain number in a column whose header says percent (年利率（%）); it
	// reads as the decimal fraction.
	Rate
	// Number is an amount or a count; thousands separators and a trailing
	// 元 are dropped.
	Number
)

// Choice is one code of a column and the labels people write for it.
type Choice struct {
	Code  string
	Label string
	// Aliases are further spellings of the label.
	Aliases []string
}

// Column is one column of an import file.
type Column struct {
	// Name is the field name of the API: the header scripts write, and the
	// field every problem of the column names.
	Name string
	// Header is the Chinese header the template writes.
	Header string
	// Aliases are further headers accepted for the column.
	Aliases []string
	// PercentHeaders are headers of a Rate column whose plain numbers are
	// percent (年利率（%）: 3.95 is 3.95%).
	PercentHeaders []string
	Kind           Kind
	Required       bool
	// Choices map labels to codes; a cell may hold either.
	Choices []Choice
	// Closed means Choices are every value the column allows, so that any
	// other value is refused here with the labels, not later with the codes.
	Closed bool
	// Example is the cell of the template's example row.
	Example string
	// Note and NoteEN say what to write, in the template's 说明 sheet.
	Note, NoteEN string
}

// Spec is the layout of one import file.
type Spec struct {
	Columns []Column
	// OneOf are groups of columns of which the header needs at least one.
	OneOf [][]string
	index map[string]int
	// choices map, per column, a cell (as written, and normalised) to its code.
	choices []map[string]string
}

// header is a file's header row read against its spec.
type header struct {
	// cols gives, per position of the file, the spec column or -1.
	cols []int
	// percent tells, per spec column, whether its header says percent.
	percent []bool
}

// norm is the form in which headers and labels are compared: no spaces,
// lower case, half-width brackets and percent sign, no required-marker
// asterisk or trailing colon.
func norm(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '\ufeff':
			continue
		case r == '（':
			r = '('
		case r == '）':
			r = ')'
		case r == '％':
			r = '%'
		case r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ', r >= '０' && r <= '９':
			r -= 'Ａ' - 'A'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimRight(strings.Trim(b.String(), "*＊"), ":：")
}

func (s *Spec) prepare() {
	if s.index != nil {
		return
	}
	s.index = make(map[string]int, len(s.Columns))
	s.choices = make([]map[string]string, len(s.Columns))
	for i, c := range s.Columns {
		s.index[c.Name] = i
		if len(c.Choices) == 0 {
			continue
		}
		m := map[string]string{}
		for _, ch := range c.Choices {
			for _, v := range append([]string{ch.Code, ch.Label}, ch.Aliases...) {
				if v != "" {
					m[v], m[norm(v)] = ch.Code, ch.Code
				}
			}
		}
		s.choices[i] = m
	}
}

// position orders the problems of a row: by column, then the rest.
func (s *Spec) position(field string) int {
	if i, ok := s.index[field]; ok {
		return i
	}
	return len(s.Columns)
}

// label names a column for a person: its Chinese header and field name.
func (c Column) label() string {
	if c.Header == "" {
		return c.Name
	}
	return c.Header + " (" + c.Name + ")"
}

// names lists the columns of the spec for a message.
func (s *Spec) names() string {
	parts := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		parts[i] = c.label()
	}
	return strings.Join(parts, ", ")
}

// headerRef is the column a header names and whether it says percent.
type headerRef struct {
	col     int
	percent bool
}

// headers maps every accepted header, normalised, to its column.
func (s *Spec) headers() map[string]headerRef {
	out := map[string]headerRef{}
	add := func(h string, col int, percent bool) {
		if h != "" {
			out[norm(h)] = headerRef{col, percent}
		}
	}
	for i, c := range s.Columns {
		add(c.Name, i, false)
		add(c.Header, i, false)
		if c.Header != "" {
			add(c.Header+"("+c.Name+")", i, false)
		}
		for _, a := range c.Aliases {
			add(a, i, false)
		}
		for _, h := range c.PercentHeaders {
			add(h, i, true)
		}
	}
	return out
}

// readHeader maps the cells of the header row (row num, 1 unless rows
// above it are empty) to the columns of the spec.
func (s *Spec) readHeader(num int, cells []string) (header, []apperr.FieldError) {
	s.prepare()
	known := s.headers()
	h := header{cols: make([]int, len(cells)), percent: make([]bool, len(s.Columns))}
	at := make([]int, len(s.Columns))
	for i := range at {
		at[i] = -1
	}
	var f apperr.Fields
	for pos, cell := range cells {
		h.cols[pos] = -1
		name := trim(cell)
		if name == "" {
			continue
		}
		k, ok := known[norm(name)]
		switch {
		case !ok:
			f.Addf(shorten(name), "is not a column of this import: the columns are %s", s.names())
		case at[k.col] >= 0:
			f.Addf(s.Columns[k.col].Name, "appears twice in the header, in columns %s and %s: keep one", columnName(at[k.col]), columnName(pos))
		default:
			at[k.col] = pos
			h.cols[pos] = k.col
			h.percent[k.col] = k.percent
		}
	}
	for i, c := range s.Columns {
		if c.Required && at[i] < 0 {
			f.Addf(c.Name, "column is missing from the header row: add the column %s", c.label())
		}
	}
	for _, group := range s.OneOf {
		found := false
		var labels []string
		for _, name := range group {
			i := s.index[name]
			found = found || at[i] >= 0
			labels = append(labels, s.Columns[i].label())
		}
		if !found {
			f.Addf(group[0], "the header needs one of the columns %s", strings.Join(labels, ", "))
		}
	}
	errs := f.List()
	for i := range errs {
		errs[i].Row = num
	}
	return h, errs
}

// shorten keeps the first 64 characters of an unknown header for the
// problem that names it.
func shorten(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return s
}

// columnName is the spreadsheet name of a 0-based column position (A, B, … AA).
func columnName(pos int) string {
	name, err := excelize.ColumnNumberToName(pos + 1)
	if err != nil {
		return strconv.Itoa(pos + 1)
	}
	return name
}

// value reads one non-empty cell of column col.
func (s *Spec) value(col int, raw string, percent, serials bool, read *apperr.Fields) string {
	if raw == "" {
		return ""
	}
	c := &s.Columns[col]
	if m := s.choices[col]; m != nil {
		if code, ok := m[raw]; ok {
			return code
		}
		if code, ok := m[norm(raw)]; ok {
			return code
		}
		if c.Closed {
			read.Addf(c.Name, "is %q, which is not one of %s", raw, c.choiceList())
		}
		return raw
	}
	switch c.Kind {
	case Date:
		return cellDate(raw, serials)
	case Rate:
		return c.rate(raw, percent, read)
	case Number:
		return number(raw)
	}
	return raw
}

func (c *Column) choiceList() string {
	parts := make([]string, len(c.Choices))
	for i, ch := range c.Choices {
		parts[i] = ch.Code
		if ch.Label != "" {
			parts[i] = ch.Label + " (" + ch.Code + ")"
		}
	}
	return strings.Join(parts, ", ")
}
