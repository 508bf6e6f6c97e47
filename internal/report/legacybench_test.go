package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/idnum"
	"chuangdai/internal/sheet"
)

// legacyBenchFile is a legacy file of n valid rows, as the bench
// (cmd/chuangdai-bench) sends.
func legacyBenchFile(n int) string {
	var b strings.Builder
	b.WriteString(strings.Join(LegacyColumns, ",") + "\n")
	day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
		body := fmt.Sprintf("411282%s%03d", birth.Format("20060102"), i%1000)
		gender := "male"
		if (body[16]-'0')%2 == 0 {
			gender = "female"
		}
		fmt.Fprintf(&b, "OLD-%06d,王五,%s,%s,college_graduate,individual,411282,ICBC-SMX,%d.00,0.0395,24,%s,2\n",
			i, idnum.WithCheckDigit(body), gender, 50_000+(i%25)*10_000, day.AddDate(0, 0, i%365).Format(time.DateOnly))
	}
	return b.String()
}

// BenchmarkReadLegacy is the import's work before the database: reading
// and checking 20,000 rows, spilling them in sealed runs and merging the
// runs back in batches.
func BenchmarkReadLegacy(b *testing.B) {
	body := legacyBenchFile(20_000)
	chk := checker(b)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		file, err := sheet.Open(sheet.Upload{Body: strings.NewReader(body)}, LegacySpec(chk.districts, chk.banks), sheet.DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		runs, err := readLegacy(file, chk)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := runs.batches(func(batch []LegacyLoan) error { n += len(batch); return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 20_000 {
			b.Fatalf("%d loans merged, want 20,000", n)
		}
		_ = runs.close()
		_ = file.Close()
	}
}
