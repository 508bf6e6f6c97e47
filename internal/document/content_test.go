package document_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"

	"chuangdai/internal/apperr"
	"chuangdai/internal/document"
	"chuangdai/internal/document/doctest"
	"chuangdai/internal/msg"
)

// TestInspectAcceptsRealFiles: PDF, JPEG and PNG files written by real
// encoders (Chromium's, Go's, libpng's interlaced test image, a PDF with its
// objects in a compressed object stream, images of exactly 100 million
// pixels) are accepted with their type, size and SHA-256.
func TestInspectAcceptsRealFiles(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		typ  string
	}{
		{"chromium.pdf", doctest.ChromiumPDF, document.PDF},
		{"chromium.png", doctest.ChromiumPNG, document.PNG},
		{"chromium.jpg", doctest.ChromiumJPG, document.JPEG},
		{"libpng interlaced", doctest.InterlacedPNG, document.PNG},
		{"go png", doctest.GoPNG(), document.PNG},
		{"go jpeg", doctest.GoJPEG(), document.JPEG},
		{"hand-made pdf", doctest.PDF("/PageMode /UseOutlines /OpenAction [3 0 R /Fit]"), document.PDF},
		{"object stream", doctest.PDFWithObjectStream("<< /Dests 7 0 R >>"), document.PDF},
		{"jpeg with padding", append(doctest.GoJPEG(), 0, 0, 0), document.JPEG},
		{"two jpegs (multi-picture)", append(doctest.GoJPEG(), doctest.ChromiumJPG...), document.JPEG},
		{"png of 100 million pixels", pngOfSize(10000, 10000), document.PNG},
		{"jpeg of 100 million pixels", jpegOfSize(10000, 10000), document.JPEG},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := document.Inspect(c.b)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got.Type != c.typ || got.Size != int64(len(c.b)) || len(got.SHA256) != 64 {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

// TestInspectRefusesDisguisedFiles: executables, pages and scripts under
// any name, PDFs that can run something (also hidden by #xx escapes or
// inside a compressed object stream), encrypted PDFs, images with another
// file appended, damaged and truncated files, a decompression bomb, PNG and
// JPEG images of more than 100 million pixels (well-formed otherwise: the
// same files of 100 million are accepted), an empty file and one over
// 10 MiB are each refused on the field file.
func TestInspectRefusesDisguisedFiles(t *testing.T) {
	self, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	program, err := io.ReadAll(io.LimitReader(self, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(doctest.ChromiumPNG)
	damaged[len(damaged)/2] ^= 0xFF
	js := "<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
	for _, c := range []struct {
		name string
		b    []byte
		says string
	}{
		{"this test program (ELF)", program, "not a PDF, JPEG or PNG"},
		{"ELF", doctest.ELF, "not a PDF, JPEG or PNG"},
		{"Windows program", doctest.EXE, "not a PDF, JPEG or PNG"},
		{"SVG with a script", []byte(doctest.SVG), "not a PDF, JPEG or PNG"},
		{"HTML page", []byte(doctest.HTML), "not a PDF, JPEG or PNG"},
		{"zip", doctest.Zip, "not a PDF, JPEG or PNG"},
		{"PDF opening JavaScript", doctest.PDF("/OpenAction 5 0 R", js), "active content (JavaScript)"},
		{"PDF with #-escaped JavaScript", doctest.PDF("/OpenAction 5 0 R", "<< /S /J#61vaScript /J#53 (x) >>"), "active content (JavaScript)"},
		{"PDF launching a program", doctest.PDF("/OpenAction 5 0 R", "<< /S /Launch /F (cmd.exe) >>"), "active content (Launch)"},
		{"PDF with an attachment", doctest.PDF("/Names << /EmbeddedFiles 5 0 R >>", "<< /Names [] >>"), "active content (EmbeddedFiles)"},
		{"PDF hiding JavaScript in an object stream", doctest.PDFWithObjectStream("<< /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>"), "active content (JavaScript)"},
		{"encrypted PDF", doctest.EncryptedPDF(), "password-protected"},
		{"truncated PDF", doctest.ChromiumPDF[:len(doctest.ChromiumPDF)/2], "not a complete PDF"},
		{"PNG with a zip appended", append(bytes.Clone(doctest.ChromiumPNG), doctest.Zip...), "data after the end of the PNG"},
		{"JPEG with a page appended", append(doctest.GoJPEG(), doctest.HTML...), "data after the end of the JPEG"},
		{"damaged PNG", damaged, "not a well-formed PNG"},
		{"truncated JPEG", doctest.ChromiumJPG[:len(doctest.ChromiumJPG)/2], "not a well-formed JPEG"},
		{"PNG bomb", pngHeader(20000, 20000), "not a well-formed PNG"},
		{"PNG of more than 100 million pixels", pngOfSize(10001, 10001), "not a well-formed PNG"},
		{"JPEG of more than 100 million pixels", jpegOfSize(10001, 10000), "not a well-formed JPEG"},
		{"empty", nil, "is empty"},
		{"over 10 MiB", append([]byte("%PDF-1.7\n"), make([]byte, document.MaxBytes)...), "larger than 10 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := document.Inspect(c.b)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
				t.Fatalf("want a 422 on file, got %v", err)
			}
			if got := e.Fields[0].Message.Render(msg.EN); !strings.Contains(got, c.says) {
				t.Fatalf("message %q does not say %q", got, c.says)
			}
		})
	}
}

// pngOfSize is a well-formed black PNG of w × h pixels, one bit each: a
// small file whose image data inflates to about w × h / 8 bytes.
func pngOfSize(w, h uint32) []byte {
	raw := make([]byte, int(h)*(1+int(w+7)/8))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	return pngChunks(w, h, 1, 0, z.Bytes())
}

// jpegOfSize is a JPEG whose frame header says w × h pixels (its scan is
// the small picture's).
func jpegOfSize(w, h uint16) []byte {
	b := doctest.GoJPEG()
	sof := bytes.Index(b, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(b[sof+5:], h)
	binary.BigEndian.PutUint16(b[sof+7:], w)
	return b
}

// pngHeader is a PNG of the given size whose image data is a few bytes.
func pngHeader(w, h uint32) []byte {
	return pngChunks(w, h, 8, 6, []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
}

// pngChunks is a PNG of w × h pixels of depth and colour type color with
// the image data idat.
func pngChunks(w, h uint32, depth, color byte, idat []byte) []byte {
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, color, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, chunk("IHDR", ihdr)...)
	b = append(b, chunk("IDAT", idat)...)
	return append(b, chunk("IEND", nil)...)
}
