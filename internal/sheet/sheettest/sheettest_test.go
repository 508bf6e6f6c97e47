package sheettest

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
)

// A bomb inflates to exactly the content it stands for.
func TestBombInflatesToItsContent(t *testing.T) {
	b := Bomb{Part: SharedStrings, Prefix: "<sst><si><t>", Unit: "abc", Suffix: "</t></si></sst>", Size: 8 << 20}
	file := b.Build()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != SharedStrings {
			continue
		}
		if f.UncompressedSize64 < 8<<20-(1<<20) || f.UncompressedSize64 > 8<<20 {
			t.Fatalf("claims %d bytes", f.UncompressedSize64)
		}
		if ratio := f.UncompressedSize64 / f.CompressedSize64; ratio < 500 {
			t.Fatalf("compresses only %d:1", ratio)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		// The CRC is not computed (0), so the zip reader does not check it.
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		body := strings.TrimSuffix(strings.TrimPrefix(string(data), b.Prefix), b.Suffix)
		if uint64(len(data)) != f.UncompressedSize64 || strings.Trim(body, "abc") != "" || !strings.HasPrefix(body, "abcabc") || len(body)%3 != 0 {
			t.Fatalf("inflated to %d bytes, %q…", len(data), data[:40])
		}
		return
	}
	t.Fatal("no shared strings part")
}

// A lying bomb claims less than it holds; the zip reader refuses to read
// past the claim.
func TestLyingBombClaimsLess(t *testing.T) {
	file := Bomb{Part: Worksheet, Prefix: SheetStart, Unit: "<row/>", Suffix: SheetEnd, Size: 4 << 20, Claim: 1000}.Build()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == Worksheet {
			rc, _ := f.Open()
			n, err := io.Copy(io.Discard, rc)
			if f.UncompressedSize64 != 1000 || err == nil || n > 1000 {
				t.Fatalf("claim %d, read %d: %v", f.UncompressedSize64, n, err)
			}
		}
	}
}
