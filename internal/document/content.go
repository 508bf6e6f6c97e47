package document

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"slices"

	"chuangdai/internal/apperr"
)

// The content types chuangdai keeps. Nothing else is accepted, whatever a
// file is called.
const (
	PDF  = "application/pdf"
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// MaxBytes is the largest document accepted (10 MiB).
const MaxBytes = 10 << 20

// Content is what the checks found out about an accepted file.
type Content struct {
	Type   string
	Size   int64
	SHA256 string
}

// errContent is a refused file: 422 on the field "file".
func errContent(format string, args ...any) error {
	return apperr.Field("file", format, args...)
}

// Inspect checks a whole file by its content, never by its name: it must be
// a well-formed PDF, JPEG or PNG of at most MaxBytes. A PDF that can run
// anything (JavaScript, launch actions, embedded files, forms that submit)
// or is encrypted (so that it cannot be checked) is refused, and so is an
// image with anything after its end (a polyglot: an image that is also an
// archive or a page).
func Inspect(b []byte) (Content, error) {
	if len(b) == 0 {
		return Content{}, errContent("is empty: choose the scanned document or photo again")
	}
	if len(b) > MaxBytes {
		return Content{}, errContent("is larger than 10 MiB (%d bytes): scan it at a lower resolution or split it", len(b))
	}
	var typ string
	var err error
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		typ, err = PDF, checkPDF(b)
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		typ, err = JPEG, checkJPEG(b)
	case bytes.HasPrefix(b, pngSignature):
		typ, err = PNG, checkPNG(b)
	default:
		return Content{}, errContent("is not a PDF, JPEG or PNG file (whatever its name says): scan the document to PDF, or photograph it as JPEG or PNG")
	}
	if err != nil {
		return Content{}, err
	}
	sum := sha256.Sum256(b)
	return Content{Type: typ, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}, nil
}

var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}

// maxPixels bounds an image's size in pixels (a decompression bomb is a
// small file of a huge image).
const maxPixels = 100_000_000

// checkPNG walks the chunks: each with a correct CRC, IHDR first, the known
// critical chunks only, the image data inflating to exactly the size the
// header announces, and nothing after IEND.
func checkPNG(b []byte) error {
	bad := func() error { return errContent("is not a well-formed PNG image: save or export it again") }
	pos := len(pngSignature)
	var width, height uint32
	var depth, color, interlace byte
	var idat bytes.Buffer
	first, ended := true, false
	for !ended {
		if pos+12 > len(b) {
			return bad()
		}
		n := binary.BigEndian.Uint32(b[pos:])
		if n > uint32(len(b)-pos-12) {
			return bad()
		}
		typ := string(b[pos+4 : pos+8])
		data := b[pos+8 : pos+8+int(n)]
		if crc32.ChecksumIEEE(b[pos+4:pos+8+int(n)]) != binary.BigEndian.Uint32(b[pos+8+int(n):]) {
			return bad()
		}
		pos += 12 + int(n)
		if first != (typ == "IHDR") {
			return bad()
		}
		first = false
		switch typ {
		case "IHDR":
			if n != 13 {
				return bad()
			}
			width, height = binary.BigEndian.Uint32(data), binary.BigEndian.Uint32(data[4:])
			depth, color, interlace = data[8], data[9], data[12]
			if width == 0 || height == 0 || uint64(width)*uint64(height) > maxPixels || data[10] != 0 || data[11] != 0 || interlace > 1 {
				return bad()
			}
		case "IDAT":
			idat.Write(data)
		case "IEND":
			ended = true
		case "PLTE":
		default:
			if typ[0]&0x20 == 0 { // an unknown critical chunk
				return bad()
			}
		}
	}
	if pos != len(b) {
		return errContent("has data after the end of the PNG image (it may be another file in disguise): export the image again")
	}
	want, ok := pngRawSize(width, height, depth, color, interlace)
	if !ok || idat.Len() == 0 {
		return bad()
	}
	z, err := zlib.NewReader(&idat)
	if err != nil {
		return bad()
	}
	got, err := io.Copy(io.Discard, io.LimitReader(z, want+1))
	if err != nil || got != want {
		return bad()
	}
	return nil
}

// pngRawSize is the size of the filtered image data a PNG header announces.
func pngRawSize(w, h uint32, depth, color, interlace byte) (int64, bool) {
	channels := map[byte]int64{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
	if channels == 0 {
		return 0, false
	}
	depths := map[byte][]byte{0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
	if !slices.Contains(depths[color], depth) {
		return 0, false
	}
	bits := channels * int64(depth)
	rows := func(pw, ph int64) int64 {
		if pw == 0 || ph == 0 {
			return 0
		}
		return ph * (1 + (pw*bits+7)/8)
	}
	W, H := int64(w), int64(h)
	if interlace == 0 {
		return rows(W, H), true
	}
	// Adam7: the seven passes start at (x, y) and step by (dx, dy).
	var total int64
	for _, p := range [7][4]int64{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
		total += rows((W-p[0]+p[2]-1)/p[2], (H-p[1]+p[3]-1)/p[3])
	}
	return total, true
}

// checkJPEG walks the markers from SOI: segments of the lengths they
// announce, a frame header with a size, entropy-coded scans, and EOI at the
// end. After EOI only padding or further JPEG images (the multi-picture
// format of phone cameras) may follow.
func checkJPEG(b []byte) error {
	bad := func() error { return errContent("is not a well-formed JPEG image: save or export it again") }
	pos := 2
	frame, scan := false, false
	for {
		if pos >= len(b) || b[pos] != 0xFF {
			return bad()
		}
		for pos < len(b) && b[pos] == 0xFF {
			pos++
		}
		if pos >= len(b) {
			return bad()
		}
		m := b[pos]
		pos++
		switch {
		case m == 0xD9:
			if !frame || !scan {
				return bad()
			}
			return jpegTail(b[pos:])
		case m >= 0xD0 && m <= 0xD7, m == 0x01:
			continue
		case m == 0xD8, m == 0x00:
			return bad()
		}
		if pos+2 > len(b) {
			return bad()
		}
		n := int(binary.BigEndian.Uint16(b[pos:]))
		if n < 2 || pos+n > len(b) {
			return bad()
		}
		seg := b[pos+2 : pos+n]
		pos += n
		switch {
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			if len(seg) < 6 {
				return bad()
			}
			h, w := binary.BigEndian.Uint16(seg[1:]), binary.BigEndian.Uint16(seg[3:])
			if w == 0 || uint64(w)*uint64(h) > maxPixels {
				return bad()
			}
			frame = true
		case m == 0xDA:
			if !frame {
				return bad()
			}
			scan = true
			// Entropy-coded data runs to the next marker that is neither a
			// stuffed 0xFF00 nor a restart marker.
			for {
				if pos+1 >= len(b) {
					return bad()
				}
				if b[pos] == 0xFF {
					next := b[pos+1]
					if next != 0x00 && next != 0xFF && (next < 0xD0 || next > 0xD7) {
						break
					}
					if next != 0xFF {
						pos++
					}
				}
				pos++
			}
		}
	}
}

// jpegTail accepts what may follow a JPEG's EOI: nothing, padding, or more
// JPEG images.
func jpegTail(rest []byte) error {
	switch {
	case len(bytes.Trim(rest, "\x00\xff\r\n\t ")) == 0:
		return nil
	case bytes.HasPrefix(rest, []byte{0xFF, 0xD8, 0xFF}):
		return checkJPEG(rest)
	}
	return errContent("has data after the end of the JPEG image (it may be another file in disguise): export the image again")
}

// pdfActive are the PDF names of what can run or carry something when the
// document is opened: scripts, launching programs, embedded files, rich
// media, XFA forms and form actions that send or load data.
var pdfActive = []string{"JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA", "SubmitForm", "ImportData", "GoToE", "Sound", "Movie"}

// maxInflate bounds what the object streams of one PDF may inflate to.
const maxInflate = 64 << 20

// checkPDF checks the header at the start, the end-of-file marker at the
// end and a cross-reference, and refuses an encrypted PDF or one naming any
// of pdfActive — in its objects or inside its compressed object streams,
// and also when the name is written with #xx escapes.
func checkPDF(b []byte) error {
	if len(b) < 8 || (b[5] != '1' && b[5] != '2') || b[6] != '.' {
		return errContent("is not a well-formed PDF: print or save it as PDF again")
	}
	tail := b[max(0, len(b)-1024):]
	if !bytes.Contains(tail, []byte("%%EOF")) || !bytes.Contains(b, []byte("startxref")) {
		return errContent("is not a complete PDF (its end is missing): upload it again, or save it as PDF again")
	}
	s := pdfScan{budget: maxInflate}
	if err := s.scan(b, 0); err != nil {
		return err
	}
	if s.encrypted {
		return errContent("is a password-protected PDF, which cannot be checked: save it again without a password")
	}
	if s.active != "" {
		return errContent("is a PDF with active content (%s): scripts, launch actions, attachments and forms are not accepted; print it to a new PDF and upload that", s.active)
	}
	return nil
}

type pdfScan struct {
	budget    int64
	encrypted bool
	active    string
}

func pdfDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%', 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

// scan tokenises b as PDF objects: it skips comments, strings and stream
// data, collects names, and looks inside object streams (depth 0 only: an
// object stream holds no streams).
func (s *pdfScan) scan(b []byte, depth int) error {
	var names []string // the names of the current object, for its stream
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case c == '(':
			i = skipPDFString(b, i)
		case c == '<' && i+1 < len(b) && b[i+1] == '<':
			i += 2
		case c == '<':
			for i < len(b) && b[i] != '>' {
				i++
			}
			i++
		case c == '/':
			name, next := readPDFName(b, i+1)
			i = next
			names = append(names, name)
			switch {
			case name == "Encrypt":
				s.encrypted = true
			case slices.Contains(pdfActive, name) && s.active == "":
				s.active = name
			}
		case !pdfDelimiter(c):
			j := i
			for j < len(b) && !pdfDelimiter(b[j]) {
				j++
			}
			word := string(b[i:j])
			i = j
			switch word {
			case "obj":
				names = names[:0]
			case "stream":
				data, next, ok := streamData(b, i)
				if !ok {
					return errContent("is not a well-formed PDF: print or save it as PDF again")
				}
				i = next
				if depth == 0 && slices.Contains(names, "ObjStm") {
					if err := s.objectStream(data, names); err != nil {
						return err
					}
				}
				names = names[:0]
			}
		default:
			i++
		}
	}
	return nil
}

// objectStream scans the objects compressed in an object stream.
func (s *pdfScan) objectStream(data []byte, names []string) error {
	unusual := errContent("is a PDF whose objects are stored in an unusual encoding, which cannot be checked: print it to a new PDF and upload that")
	flate := false
	for _, n := range names {
		switch {
		case n == "FlateDecode":
			flate = true
		case n == "DecodeParms", n != "FlateDecode" && len(n) > 6 && n[len(n)-6:] == "Decode":
			return unusual
		}
	}
	if flate {
		z, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return unusual
		}
		var out bytes.Buffer
		n, err := io.Copy(&out, io.LimitReader(z, s.budget+1))
		if err != nil && out.Len() == 0 {
			return unusual
		}
		if s.budget -= n; s.budget < 0 {
			return errContent("is a PDF that inflates to more than 64 MiB: print it to a new PDF and upload that")
		}
		data = out.Bytes()
	}
	return s.scan(data, 1)
}

// skipPDFString returns the index after the literal string starting at i
// (balanced parentheses, backslash escapes).
func skipPDFString(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

// readPDFName reads the name starting at i (after its slash), decoding
// #xx escapes, and returns it with the index after it.
func readPDFName(b []byte, i int) (string, int) {
	var name []byte
	for i < len(b) && !pdfDelimiter(b[i]) {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := hex.DecodeString(string(b[i+1 : i+3])); err == nil {
				name = append(name, v[0])
				i += 3
				continue
			}
		}
		name = append(name, b[i])
		i++
	}
	return string(name), i
}

// streamData returns the data of the stream whose keyword ends at i, up to
// its endstream, and the index after endstream.
func streamData(b []byte, i int) ([]byte, int, bool) {
	if i < len(b) && b[i] == '\r' {
		i++
	}
	if i < len(b) && b[i] == '\n' {
		i++
	}
	end := bytes.Index(b[i:], []byte("endstream"))
	if end < 0 {
		return nil, 0, false
	}
	return bytes.TrimRight(b[i:i+end], "\r\n"), i + end + len("endstream"), true
}
