// Package sheettest builds workbooks for tests of the imports: small valid
// ones from raw worksheet XML, and spreadsheet bombs, whose parts inflate
// a thousandfold.
package sheettest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"strings"
)

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
	// styles has the general format (0) and the percent format 10 (0.00%) as style 1.
	styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="10" applyNumberFormat="1"/></cellXfs></styleSheet>`

	// SheetStart and SheetEnd wrap the rows of a worksheet.
	SheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	SheetEnd = `</sheetData></worksheet>`
	// StringsStart and StringsEnd wrap the entries of a shared strings table.
	StringsStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	StringsEnd = `</sst>`
)

// Worksheet and SharedStrings are the part names of the first worksheet
// and of the shared strings.
const (
	Worksheet     = "xl/worksheets/sheet1.xml"
	SharedStrings = "xl/sharedStrings.xml"
)

// Workbook builds a workbook whose first worksheet is sheetXML and whose
// shared strings are stringsXML (none when empty); style 1 is a percent
// format.
func Workbook(sheetXML, stringsXML string) []byte {
	parts := map[string]string{Worksheet: sheetXML}
	if stringsXML != "" {
		parts[SharedStrings] = stringsXML
	}
	return build(parts, nil)
}

// Rows builds a worksheet of inline-string cells, one slice per row.
func Rows(rows ...[]string) string {
	var b strings.Builder
	b.WriteString(SheetStart)
	for i, r := range rows {
		fmt.Fprintf(&b, `<row r="%d">`, i+1)
		for _, v := range r {
			b.WriteString(`<c t="inlineStr"><is><t>`)
			b.WriteString(escape(v))
			b.WriteString(`</t></is></c>`)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(SheetEnd)
	return b.String()
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Bomb is a workbook one of whose parts is Prefix, Unit repeated until the
// part is about Size bytes, then Suffix — compressed about a thousandfold.
type Bomb struct {
	Part                 string
	Prefix, Unit, Suffix string
	Size                 int64
	// Claim is the uncompressed size the zip directory states for the
	// part; 0 states the real size. A smaller claim is a lie a reader
	// must not trust.
	Claim int64
	// Other are the other parts of the workbook that the bomb does not
	// replace (the worksheet, the shared strings), by name.
	Other map[string]string
}

// Build writes the bomb. The CRC of the bomb part is not computed (a
// reader refuses the part long before its end, where the CRC is checked).
func (b Bomb) Build() []byte {
	data, size := inflateTo(b.Prefix, b.Unit, b.Suffix, b.Size)
	claim := size
	if b.Claim > 0 {
		claim = uint64(b.Claim)
	}
	parts := map[string]string{Worksheet: Rows([]string{"national_id"})}
	for k, v := range b.Other {
		parts[k] = v
	}
	delete(parts, b.Part)
	return build(parts, &rawPart{header: &zip.FileHeader{Name: b.Part, Method: zip.Deflate,
		CompressedSize64: uint64(len(data)), UncompressedSize64: claim}, data: data})
}

// SharedStringsBomb is a workbook of about file bytes whose one shared
// string unpacks to size bytes.
func SharedStringsBomb(size int64) []byte {
	return Bomb{Part: SharedStrings, Prefix: StringsStart + `<si><t>`, Unit: strings.Repeat("a", 4096), Suffix: `</t></si>` + StringsEnd, Size: size,
		Other: map[string]string{Worksheet: SheetStart + `<row r="1"><c r="A1" t="s"><v>0</v></c></row>` + SheetEnd}}.Build()
}

// WorksheetBomb is a workbook whose worksheet unpacks to size bytes of
// rows of empty cells.
func WorksheetBomb(size int64) []byte {
	return Bomb{Part: Worksheet, Prefix: SheetStart, Unit: `<row>` + strings.Repeat(`<c/>`, 1000) + `</row>`, Suffix: SheetEnd, Size: size}.Build()
}

// ManyParts is a workbook of n empty parts besides a valid one.
func ManyParts(n int) []byte {
	parts := map[string]string{Worksheet: Rows([]string{"national_id"})}
	for i := range n {
		parts[fmt.Sprintf("x/%d", i)] = ""
	}
	return build(parts, nil)
}

// inflateTo compresses prefix + unit × k + suffix of about size bytes. It
// compresses two chunks of whole units after flushes, so that the second
// chunk's bytes decode the same wherever they are repeated: its window
// is always the chunk before it.
func inflateTo(prefix, unit, suffix string, size int64) ([]byte, uint64) {
	var out bytes.Buffer
	w, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		panic(err)
	}
	chunk := strings.Repeat(unit, max(1, (1<<20)/len(unit)))
	write := func(s string) int {
		if _, err := w.Write([]byte(s)); err != nil {
			panic(err)
		}
		if err := w.Flush(); err != nil {
			panic(err)
		}
		return out.Len()
	}
	write(prefix)
	first := write(chunk)
	second := write(chunk)
	if _, err := w.Write([]byte(suffix)); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	all := out.Bytes()
	head, seg, tail := all[:first], all[first:second], all[second:]
	n := max(2, (size-int64(len(prefix)+len(suffix)))/int64(len(chunk)))
	var b bytes.Buffer
	b.Grow(len(head) + int(n-1)*len(seg) + len(tail))
	b.Write(head)
	for range n - 1 {
		b.Write(seg)
	}
	b.Write(tail)
	return b.Bytes(), uint64(len(prefix)+len(suffix)) + uint64(n)*uint64(len(chunk))
}

// rawPart is a part written as it is, already compressed, under its header.
type rawPart struct {
	header *zip.FileHeader
	data   []byte
}

// build zips the parts of a workbook, and raw if any.
func build(parts map[string]string, raw *rawPart) []byte {
	all := map[string]string{"[Content_Types].xml": contentTypes, "_rels/.rels": rootRels, "xl/workbook.xml": workbook,
		"xl/_rels/workbook.xml.rels": workbookRels, "xl/styles.xml": styles}
	for k, v := range parts {
		all[k] = v
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range all {
		w, err := zw.Create(name)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			panic(err)
		}
	}
	if raw != nil {
		w, err := zw.CreateRaw(raw.header)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write(raw.data); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
