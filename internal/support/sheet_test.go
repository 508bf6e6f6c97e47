package support

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

type readRow struct {
	num   int
	cells []string
}

// readAll reads every row of the upload, stopping at the first row error.
func readAll(t *testing.T, up Upload) ([]readRow, error) {
	t.Helper()
	sh, err := openSheet(up)
	if err != nil {
		return nil, err
	}
	defer sh.close()
	var out []readRow
	for {
		n, cells, err := sh.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, readRow{n, slices.Clone(cells)})
	}
}

func gb(t *testing.T, s string) string {
	t.Helper()
	out, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenSheetEncodings(t *testing.T) {
	text := "name,institution\n张伟,三门峡市技师学院\n\n李娜,\"灵宝市职业技术学校, 东区\"\n"
	want := []readRow{{1, []string{"name", "institution"}}, {2, []string{"张伟", "三门峡市技师学院"}}, {4, []string{"李娜", "灵宝市职业技术学校, 东区"}}}
	// A roster whose first 64 KiB are ASCII needs the charset to be read as GB18030.
	long := "name,institution\n" + strings.Repeat("a,b\n", 20000) + "张伟,学院\n"
	cases := []struct {
		name string
		up   Upload
		want []readRow
	}{
		{"UTF-8", Upload{Body: strings.NewReader(text)}, want},
		{"UTF-8 with BOM", Upload{Body: strings.NewReader("\xEF\xBB\xBF" + text)}, want},
		{"GB18030 detected", Upload{Body: strings.NewReader(gb(t, text))}, want},
		{"GB18030 named", Upload{Body: strings.NewReader(gb(t, text)), Charset: "GBK"}, want},
		{"GB18030 named, late Chinese", Upload{Body: strings.NewReader(gb(t, long)), Charset: "gb18030"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readAll(t, c.up)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				last := got[len(got)-1]
				if last.num != 20002 || last.cells[0] != "张伟" {
					t.Fatalf("last row %v", last)
				}
				return
			}
			if len(got) != len(c.want) {
				t.Fatalf("rows %v", got)
			}
			for i := range got {
				if got[i].num != c.want[i].num || !slices.Equal(got[i].cells, c.want[i].cells) {
					t.Fatalf("row %d = %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestOpenSheetBadFiles(t *testing.T) {
	// Unnamed GB18030 after a long ASCII start is taken as UTF-8 and named as not UTF-8.
	long := "name,institution\n" + strings.Repeat("a,b\n", 20000) + gb(t, "张伟,学院\n")
	_, err := readAll(t, Upload{Body: strings.NewReader(long)})
	var re rowError
	if !errors.As(err, &re) || re.row != 20002 || !strings.Contains(re.msg, "UTF-8") {
		t.Fatalf("late GB18030: %v", err)
	}
	_, err = readAll(t, Upload{Body: strings.NewReader("a,b\n1,\"2\n3,4\n")})
	if !errors.As(err, &re) || re.row != 2 {
		t.Fatalf("broken quote: %v", err)
	}
	for _, body := range []string{"", "  \n\n", "PK\x03\x04garbage"} {
		if _, err := openSheet(Upload{Body: strings.NewReader(body)}); err == nil {
			t.Errorf("%q opened", body)
		}
	}
}

func TestOpenSheetXLSX(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"national_id", "move_in"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"11010519491231002X", 45383})
	_ = f.SetSheetRow("Sheet1", "A4", &[]any{"440524188001010014", "2024/4/1"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sh, err := openSheet(Upload{Body: &buf})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.close()
	if !sh.serialDates() {
		t.Fatal("workbook dates are serials")
	}
	var got []string
	for {
		n, cells, err := sh.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) > 0 {
			got = append(got, strings.Join(append([]string{string(rune('0' + n))}, cells...), "|"))
		}
	}
	want := []string{"1|national_id|move_in", "2|11010519491231002X|45383", "4|440524188001010014|2024/4/1"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
}

func TestCellDate(t *testing.T) {
	cases := []struct {
		in      string
		serials bool
		want    string
	}{
		{"2024-03-15", false, "2024-03-15"},
		{" 2024/3/5 ", false, "2024-03-05"},
		{"2024.12.1", false, "2024-12-01"},
		{"2024-3-5", false, "2024-03-05"},
		{"45383", true, "2024-04-01"},
		{"45383.75", true, "2024-04-01"},
		{"45383", false, "45383"},
		{"2024-02-30", false, "2024-02-30"},
		{"15/03/2024", false, "15/03/2024"},
	}
	for _, c := range cases {
		if got := cellDate(c.in, c.serials); got != c.want {
			t.Errorf("cellDate(%q, %v) = %q, want %q", c.in, c.serials, got, c.want)
		}
	}
}

func TestReadHeader(t *testing.T) {
	index, errs := readHeader([]string{" Base_ID", "national_id", "", "entity_name", "move_in"}, TenancyColumns, []string{"move_out"})
	if len(errs) != 0 || index["base_id"] != 0 || index["move_in"] != 4 {
		t.Fatalf("index %v errors %v", index, errs)
	}
	_, errs = readHeader([]string{"national_id", "national_id", "grade"}, TenancyColumns, []string{"move_out"})
	var got []string
	for _, e := range errs {
		if e.Row != 1 {
			t.Errorf("header error on row %d", e.Row)
		}
		got = append(got, e.Field)
	}
	if !slices.Equal(got, []string{"national_id", "grade", "base_id", "entity_name", "move_in"}) {
		t.Fatalf("header errors %v", got)
	}
}

func TestValidUTF8Prefix(t *testing.T) {
	zh := []byte("张伟")
	for _, c := range []struct {
		b    []byte
		want bool
	}{
		{zh, true}, {zh[:4], true}, {zh[:5], true}, {[]byte("ab\xff"), false}, {append([]byte("\xd5\xc5"), zh...), false},
	} {
		if got := validUTF8Prefix(c.b); got != c.want {
			t.Errorf("validUTF8Prefix(%q) = %v", c.b, got)
		}
	}
}
