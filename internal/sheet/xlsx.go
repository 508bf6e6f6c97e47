package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
)

// A workbook is read with a zip reader and a streaming XML decoder of its
// own rather than a spreadsheet library: the libraries load the shared
// strings (and often the worksheet) whole, trusting the sizes a zip
// directory claims, which is how a half-megabyte file becomes gigabytes.
// Here the file is spooled to a temporary file (a zip directory is at its
// end), every part is refused when it claims to be too large and cut off
// when it inflates to more than it claimed or than the limit, the shared
// strings are kept as one string with offsets, and the worksheet is
// decoded token by token, one row at a time.

// maxColumns is the last column of a worksheet (XFD).
const maxColumns = 16384

var errNotWorkbook = problemAt(1, "file", "is not a readable XLSX workbook: save it again as Excel Workbook (.xlsx) or as CSV")

type xlsxSource struct {
	tmp     *os.File
	part    io.ReadCloser
	guard   *partGuard
	dec     *xml.Decoder
	lim     Limits
	strings sharedStrings
	percent []bool
	cells   []string
	// long marks the cells of the row that were numbers of more than 15 digits.
	long []bool
	text bytes.Buffer
	row  int
	read int // cells read so far
	done bool
}

// spool copies the upload to an unlinked temporary file.
func spool(r io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "chuangdai-import-*.xlsx")
	if err != nil {
		return nil, 0, fmt.Errorf("spool the workbook to a temporary file: %w", err)
	}
	_ = os.Remove(f.Name()) // the open file stays readable; nothing is left behind
	n, err := io.Copy(f, r)
	if err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	return f, n, nil
}

func openXLSX(body io.Reader, lim Limits) (src source, err error) {
	tmp, size, err := spool(body)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
		}
	}()
	if n, ok := zipEntries(tmp, size); ok && n > uint64(lim.Entries) {
		return nil, tooManyParts(n, lim)
	}
	zr, err := zip.NewReader(tmp, size)
	if err != nil {
		return nil, errNotWorkbook
	}
	if n := len(zr.File); n > lim.Entries {
		return nil, tooManyParts(uint64(n), lim)
	}
	x := &xlsxSource{tmp: tmp, lim: lim}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[f.Name] = f
	}
	sheetPath, stringsPath, stylesPath, err := x.locate(parts)
	if err != nil {
		return nil, err
	}
	if f := parts[stringsPath]; f != nil {
		if err := x.readSharedStrings(f); err != nil {
			return nil, err
		}
	}
	if f := parts[stylesPath]; f != nil {
		if err := x.readStyles(f); err != nil {
			return nil, err
		}
	}
	f := parts[sheetPath]
	if f == nil {
		return nil, problemAt(1, "file", "the workbook has no worksheet: put the records on the first worksheet")
	}
	rc, g, err := x.openPart(f, lim.PartBytes, "worksheet")
	if err != nil {
		return nil, err
	}
	x.part, x.guard = rc, g
	x.dec = xml.NewDecoder(g)
	return x, nil
}

func tooManyParts(n uint64, lim Limits) error {
	return apperr.Newf(apperr.TooLarge, "request_too_large", "the workbook holds %s parts, more than the %s one import reads: save it again as a plain workbook with one worksheet, or as CSV", count(int(min(n, 1<<31))), count(lim.Entries))
}

// zipEntries reads how many entries the zip directory of r claims, from
// its end record, before a zip reader allocates one record per entry.
func zipEntries(r io.ReaderAt, size int64) (uint64, bool) {
	n := min(size, 22+65535)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < 22 {
		return 0, false
	}
	entries := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if entries == 0xFFFF && i >= 20 && bytes.Equal(buf[i-20:i-16], []byte("PK\x06\x07")) {
		off := int64(binary.LittleEndian.Uint64(buf[i-20+8:]))
		rec := make([]byte, 56)
		if off >= 0 && off < size {
			if _, err := r.ReadAt(rec, off); err == nil && bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
				entries = binary.LittleEndian.Uint64(rec[32:])
			}
		}
	}
	return entries, true
}

// openPart opens one part of the workbook within limit bytes.
func (x *xlsxSource) openPart(f *zip.File, limit int64, what string) (io.ReadCloser, *partGuard, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, nil, partTooLarge(f.Name, what, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, errNotWorkbook
	}
	return rc, &partGuard{r: rc, name: f.Name, what: what, limit: limit, maxRun: 8 * x.lim.CellChars}, nil
}

// partTooLarge names the part of the workbook (what: worksheet,
// sharedStrings or other) that is beyond limit.
func partTooLarge(name, what string, limit int64) error {
	switch what {
	case "worksheet":
		return apperr.Newf(apperr.TooLarge, "request_too_large", "the workbook's worksheet (%s) unpacks to more than %s, the most one import reads: split the records into several files", name, sizeName(limit))
	case "sharedStrings":
		return apperr.Newf(apperr.TooLarge, "request_too_large", "the workbook's table of shared strings (%s) unpacks to more than %s, the most one import reads: split the records into several files", name, sizeName(limit))
	}
	return apperr.Newf(apperr.TooLarge, "request_too_large", "the workbook's part %s unpacks to more than %s, the most one import reads: save it again as a plain workbook, or as CSV", name, sizeName(limit))
}

// partGuard counts the bytes of a part as it inflates, whatever the zip
// directory claimed, and the longest stretch between XML markup, which is
// what the XML decoder would gather in memory as one token.
type partGuard struct {
	r          io.Reader
	name, what string
	limit, n   int64
	maxRun     int
	run        int
	err        error
}

// runTooLong is a text or tag of a part longer than any cell may be.
type runTooLong struct{}

func (runTooLong) Error() string { return "text too long" }

func (g *partGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > g.limit {
		g.err = partTooLarge(g.name, g.what, g.limit)
		return 0, g.err
	}
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexAny(b, "<>")
		if i < 0 {
			g.run += len(b)
			break
		}
		g.run += i
		if g.run > g.maxRun {
			break
		}
		g.run = 0
		b = b[i+1:]
	}
	if g.run > g.maxRun {
		g.err = runTooLong{}
		return 0, g.err
	}
	return n, err
}

// relationship is one entry of a .rels part.
type relationship struct {
	id, typ, target string
}

func (x *xlsxSource) readRels(f *zip.File) ([]relationship, error) {
	var out []relationship
	err := x.eachElement(f, func(e xml.StartElement) error {
		if e.Name.Local == "Relationship" {
			out = append(out, relationship{id: attr(e, "Id"), typ: attr(e, "Type"), target: attr(e, "Target")})
		}
		return nil
	})
	return out, err
}

// eachElement calls fn for every start element of a part.
func (x *xlsxSource) eachElement(f *zip.File, fn func(xml.StartElement) error) error {
	rc, g, err := x.openPart(f, x.lim.PartBytes, "other")
	if err != nil {
		return err
	}
	defer rc.Close() //nolint:errcheck // read-only
	dec := xml.NewDecoder(g)
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return x.partError(err)
		}
		if e, ok := tok.(xml.StartElement); ok {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
}

// partError is the error of a part that failed to decode.
func (x *xlsxSource) partError(err error) error {
	var tooLarge *apperr.Error
	switch {
	case errors.As(err, &tooLarge):
		return tooLarge
	case errors.As(err, new(runTooLong)):
		return problemAt(x.row, "file", "holds a cell of more than %s characters: a cell holds at most %s characters", count(x.lim.CellChars), count(x.lim.CellChars))
	}
	return errNotWorkbook
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// relTarget resolves a relationship's target against the folder of the
// part that names it.
func relTarget(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Join(dir, target)
}

// locate finds the first worksheet, the shared strings and the styles
// through the workbook's relationships.
func (x *xlsxSource) locate(parts map[string]*zip.File) (sheetPath, stringsPath, stylesPath string, err error) {
	book := "xl/workbook.xml"
	if f := parts["_rels/.rels"]; f != nil {
		rels, err := x.readRels(f)
		if err != nil {
			return "", "", "", err
		}
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				book = relTarget("", r.target)
			}
		}
	}
	f := parts[book]
	if f == nil {
		return "", "", "", errNotWorkbook
	}
	first := ""
	err = x.eachElement(f, func(e xml.StartElement) error {
		if e.Name.Local == "sheet" && first == "" {
			first = attr(e, "id")
		}
		return nil
	})
	if err != nil {
		return "", "", "", err
	}
	dir := path.Dir(book)
	sheetPath, stringsPath, stylesPath = dir+"/worksheets/sheet1.xml", dir+"/sharedStrings.xml", dir+"/styles.xml"
	if f := parts[dir+"/_rels/"+path.Base(book)+".rels"]; f != nil {
		rels, err := x.readRels(f)
		if err != nil {
			return "", "", "", err
		}
		for _, r := range rels {
			switch {
			case r.id == first && first != "":
				sheetPath = relTarget(dir, r.target)
			case strings.HasSuffix(r.typ, "/sharedStrings"):
				stringsPath = relTarget(dir, r.target)
			case strings.HasSuffix(r.typ, "/styles"):
				stylesPath = relTarget(dir, r.target)
			}
		}
	}
	return sheetPath, stringsPath, stylesPath, nil
}

// sharedStrings is the workbook's table of strings as one string and the
// end of each entry in it.
type sharedStrings struct {
	text string
	ends []uint32
}

func (s sharedStrings) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]]
}

// cellCap is how many bytes of one cell are kept: more than CellChars
// characters however they are encoded, so that a longer cell is still
// found too long, without keeping all of it.
func (x *xlsxSource) cellCap() int { return 4*x.lim.CellChars + 4 }

func (x *xlsxSource) readSharedStrings(f *zip.File) error {
	rc, g, err := x.openPart(f, x.lim.SharedStringsBytes, "sharedStrings")
	if err != nil {
		return err
	}
	defer rc.Close() //nolint:errcheck // read-only
	var b strings.Builder
	b.Grow(int(min(f.UncompressedSize64, uint64(x.lim.SharedStringsBytes))))
	var ends []uint32
	dec := xml.NewDecoder(g)
	inT, inPhonetic, start := false, false, 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return x.partError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sst":
				if n, err := strconv.Atoi(attr(t, "uniqueCount")); err == nil && n > x.lim.Cells {
					return tooManyCells(x.lim)
				}
			case "si":
				start = b.Len()
			case "t":
				inT = true
			case "rPh":
				inPhonetic = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inT = false
			case "rPh":
				inPhonetic = false
			case "si":
				if len(ends) >= x.lim.Cells {
					return tooManyCells(x.lim)
				}
				ends = append(ends, uint32(b.Len()))
			}
		case xml.CharData:
			if inT && !inPhonetic && b.Len()-start < x.cellCap() {
				b.Write(t[:min(len(t), x.cellCap()-(b.Len()-start))])
			}
		}
	}
	x.strings = sharedStrings{text: b.String(), ends: ends}
	return nil
}

// readStyles notes which cell formats show numbers as percent, so that a
// cell showing 3.95% reads as 3.95% and not as 0.0395.
func (x *xlsxSource) readStyles(f *zip.File) error {
	custom := map[string]bool{}
	inCellXfs := false
	var percent []bool
	err := x.eachElement(f, func(e xml.StartElement) error {
		switch e.Name.Local {
		case "numFmt":
			custom[attr(e, "numFmtId")] = strings.Contains(attr(e, "formatCode"), "%")
		case "cellXfs":
			inCellXfs = true
		case "cellStyles", "dxfs":
			inCellXfs = false
		case "xf":
			if inCellXfs {
				id := attr(e, "numFmtId")
				percent = append(percent, id == "9" || id == "10" || custom[id])
			}
		}
		return nil
	})
	x.percent = percent
	return err
}

func (x *xlsxSource) serialDates() bool { return true }

func (x *xlsxSource) rounded(pos int) bool { return pos < len(x.long) && x.long[pos] }

func (x *xlsxSource) close() error {
	var err error
	if x.part != nil {
		err = x.part.Close()
	}
	return errors.Join(err, x.tmp.Close())
}

// cell is the cell being read.
type cell struct {
	col   int
	typ   string
	style int
}

func (x *xlsxSource) next() (int, []string, error) {
	if x.done {
		return x.row + 1, nil, io.EOF
	}
	var (
		cur                      cell
		inRow, inValue, inInline bool
		inT, inPhonetic          bool
	)
	for {
		tok, err := x.dec.RawToken()
		if errors.Is(err, io.EOF) {
			x.done = true
			if inRow {
				return x.row, x.cells, nil
			}
			return x.row + 1, nil, io.EOF
		}
		if err != nil {
			return x.row, nil, x.partError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "dimension":
				if n, ok := dimensionCells(attr(t, "ref")); ok && n > int64(x.lim.Cells) {
					return x.row, nil, tooManyCells(x.lim)
				}
			case "row":
				inRow = true
				x.cells, x.long = x.cells[:0], x.long[:0]
				cur.col = -1
				if n, err := strconv.Atoi(attr(t, "r")); err == nil && n > 0 {
					x.row = n
				} else {
					x.row++
				}
			case "c":
				x.read++
				if x.read > x.lim.Cells {
					return x.row, nil, tooManyCells(x.lim)
				}
				cur.col++
				if col, ok := refColumn(attr(t, "r")); ok {
					cur.col = col
				}
				if cur.col >= maxColumns {
					return x.row, nil, problemAt(x.row, "file", "has a cell beyond column XFD, the last column of a worksheet: save the workbook again")
				}
				cur.typ = attr(t, "t")
				cur.style, _ = strconv.Atoi(attr(t, "s"))
				x.text.Reset()
			case "v":
				inValue = true
			case "is":
				inInline = true
			case "t":
				inT = true
			case "rPh":
				inPhonetic = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inValue = false
			case "is":
				inInline = false
			case "t":
				inT = false
			case "rPh":
				inPhonetic = false
			case "c":
				v, long, err := x.value(cur)
				if err != nil {
					return x.row, nil, err
				}
				for len(x.cells) <= cur.col {
					x.cells, x.long = append(x.cells, ""), append(x.long, false)
				}
				x.cells[cur.col], x.long[cur.col] = v, long
			case "row":
				return x.row, x.cells, nil
			case "sheetData":
				x.done = true
				return x.row + 1, nil, io.EOF
			}
		case xml.CharData:
			if (inValue || inInline && inT && !inPhonetic) && x.text.Len() < x.cellCap() {
				x.text.Write(t[:min(len(t), x.cellCap()-x.text.Len())])
			}
		}
	}
}

// value is what a finished cell holds, as the file's reader shows it, and
// whether it was a number longer than a spreadsheet keeps.
func (x *xlsxSource) value(c cell) (string, bool, error) {
	raw := x.text.String()
	switch c.typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || i < 0 || i >= len(x.strings.ends) {
			return "", false, problemAt(x.row, "file", "refers to a shared string that the workbook does not have: save the workbook again")
		}
		return x.strings.get(i), false, nil
	case "", "n":
		v, long := numberCell(strings.TrimSpace(raw))
		if c.style >= 0 && c.style < len(x.percent) && x.percent[c.style] {
			if d, err := decimal.NewFromString(v); err == nil {
				return d.Shift(2).String() + "%", long, nil
			}
		}
		return v, long, nil
	}
	return raw, false, nil
}

// numberCell writes a number cell as a person reads it: Excel keeps 15
// significant digits and stores values such as 0.1 + 0.2 as
// 0.30000000000000004 or 3.95E-2, so longer numbers are rounded to 15
// significant digits and written without an exponent. It also reports
// whether the number was longer than that.
func numberCell(v string) (string, bool) {
	digits := 0
	for i := range len(v) {
		if v[i] >= '0' && v[i] <= '9' {
			digits++
		}
	}
	if digits <= 15 && !strings.ContainsAny(v, "eE") {
		return v, false
	}
	d, err := decimal.NewFromString(v)
	if err != nil || d.IsZero() {
		return v, false
	}
	places := 15 - (d.NumDigits() + int(d.Exponent()))
	return d.Round(int32(places)).String(), d.NumDigits()+int(d.Exponent()) > 15
}

// refColumn reads the column of a cell reference such as "AB12" (0-based).
func refColumn(ref string) (int, bool) {
	col, n := 0, 0
	for n < len(ref) && ref[n] >= 'A' && ref[n] <= 'Z' {
		col = col*26 + int(ref[n]-'A') + 1
		n++
		if col > maxColumns {
			return maxColumns, true
		}
	}
	if n == 0 {
		return 0, false
	}
	return col - 1, true
}

// dimensionCells is how many cells a worksheet's dimension (A1:M200001) claims.
func dimensionCells(ref string) (int64, bool) {
	from, to, ok := strings.Cut(ref, ":")
	if !ok {
		return 1, true
	}
	c1, r1, ok1 := splitRef(from)
	c2, r2, ok2 := splitRef(to)
	if !ok1 || !ok2 {
		return 0, false
	}
	return (abs(c2-c1) + 1) * (abs(r2-r1) + 1), true
}

func splitRef(ref string) (int64, int64, bool) {
	col, ok := refColumn(ref)
	if !ok {
		return 0, 0, false
	}
	i := strings.IndexAny(ref, "0123456789")
	if i < 0 {
		return 0, 0, false
	}
	row, err := strconv.ParseInt(ref[i:], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return int64(col), row, true
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
