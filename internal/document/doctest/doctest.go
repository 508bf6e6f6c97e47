// Package doctest holds real document files and builders of disguised ones,
// for the tests of uploads.
package doctest

import (
	"bytes"
	"compress/zlib"
	"embed"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
)

//go:embed files/*.pdf files/*.png files/*.jpg
var files embed.FS

// File returns one of the real files in files/ (see files/README.md).
func File(name string) []byte {
	b, err := files.ReadFile("files/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

// The real files.
var (
	ChromiumPDF = File("chromium.pdf")
	ChromiumPNG = File("chromium.png")
	ChromiumJPG = File("chromium.jpg")
	// InterlacedPNG is libpng's own test image.
	InterlacedPNG = File("libpng-interlaced.png")
)

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := range 80 {
		for x := range 120 {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 3), 160, 255})
		}
	}
	return img
}

// GoPNG is a picture encoded by Go's image/png.
func GoPNG() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, picture()); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GoJPEG is a picture encoded by Go's image/jpeg.
func GoJPEG() []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(), &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PDF builds a one-page PDF with a correct cross-reference table. extra
// objects (dictionaries) are added after the page, numbered from 5; catalog
// is added to the catalogue's dictionary, such as "/OpenAction 5 0 R".
func PDF(catalog string, extra ...string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R " + catalog + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		stream("", "BT /F1 12 Tf 72 770 Td (chuangdai test) Tj ET"),
	}
	return assemble(append(objs, extra...), "")
}

func stream(dict, data string) string {
	return fmt.Sprintf("<< /Length %d %s >>\nstream\n%s\nendstream", len(data), dict, data)
}

func assemble(objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, xref)
	return b.Bytes()
}

// PDFWithObjectStream builds a PDF whose catalogue extra entries live in
// object 6, compressed inside an object stream (object 5), as PDF 1.5 and
// later writers store objects; inner is object 6's dictionary.
func PDFWithObjectStream(inner string) []byte {
	header := "6 0 "
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	_, _ = w.Write([]byte(header + inner))
	_ = w.Close()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /Names 6 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		stream("", "BT /F1 12 Tf 72 770 Td (chuangdai test) Tj ET"),
		fmt.Sprintf("<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(header), z.Len(), z.String()),
	}
	return assemble(objs, "")
}

// EncryptedPDF is a PDF whose trailer names an encryption dictionary.
func EncryptedPDF() []byte {
	return assemble([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [] /Count 0 >>",
		"<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>",
	}, "/Encrypt 3 0 R")
}

// Executable is the start of an ELF program and of a Windows one.
var (
	ELF = append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0x90}, 4096)...)
	EXE = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 4096)...)
)

// SVG is an image that carries a script.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`

// HTML is a page.
const HTML = "<!doctype html><html><body><script>alert(1)</script></body></html>"

// Zip is an empty zip archive (its end-of-central-directory record).
var Zip = []byte("PK\x05\x06" + strings.Repeat("\x00", 18))
