package httpapi_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// An import larger than a batch (5,000 loans) goes in whole: the summaries
// equal the raw aggregate over the loans, every loan has its lead's person
// row (the same blind index, so the person checks find it), and a second
// file repeating part of it imports only the new loans.
func TestBigImportKeepsSummariesAndPersonsExact(t *testing.T) {
	s := apptest.NewServer(t)
	file := bigFile
	if got := importLegacy(s, s.AdminToken, file(0, 11_000)).Want(200).JSON(); got["imported"] != 11_000.0 || got["skipped"] != 0.0 {
		t.Fatalf("import answered %v", got)
	}
	if got := importLegacy(s, s.AdminToken, file(10_000, 12_000)).Want(200).JSON(); got["imported"] != 1_000.0 || got["skipped"] != 1_000.0 {
		t.Fatalf("second import answered %v", got)
	}
	assertSummariesMatchLoans(t, s)
	leads := sqlRows(t, s, `SELECT COUNT(*) FROM loans l JOIN application_persons p ON p.loan_id = l.id
		WHERE p.national_id_hash = l.national_id_hash AND p.role = 'lead' AND p.verified AND p.application_id IS NULL`)
	persons := sqlRows(t, s, "SELECT COUNT(*) FROM application_persons")
	if leads[0][0] != "12000" || persons[0][0] != "12000" {
		t.Errorf("%s leads matching their loans, %s person rows, for 12000 loans", leads[0][0], persons[0][0])
	}
	numbers := sqlRows(t, s, "SELECT COUNT(DISTINCT number), MIN(number), MAX(number) FROM loans WHERE district_code = '"+apptest.OtherDistrict+"'")
	if numbers[0][0] != "4000" || !strings.HasSuffix(numbers[0][1], "-2024-000001") || !strings.HasSuffix(numbers[0][2], "-2024-004000") {
		t.Errorf("numbers of the other district: %v", numbers)
	}
}

// bigFile is a legacy file of the loans from to to (exclusive) in two
// districts over 300 days.
func bigFile(from, to int) string {
	var b strings.Builder
	b.WriteString(legacyHeader)
	for i := from; i < to; i++ {
		district, group := apptest.District, "college_graduate"
		if i%3 == 0 {
			district, group = apptest.OtherDistrict, "returning_migrant_worker"
		}
		on := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%300).Format(time.DateOnly)
		b.WriteString(legacyLine(fmt.Sprintf("BIG-%05d", i), i, group, district, fmt.Sprintf("%d.%02d", 10_000+i%97*100, i%100), on))
	}
	return b.String()
}

// BenchmarkLegacyImportMemory reports what an import allocates (the whole
// process, server and client) and the heap still in use after it, for two
// file sizes (go test -run - -bench LegacyImportMemory -benchtime 1x
// ./internal/httpapi). It measures; it asserts nothing.
func BenchmarkLegacyImportMemory(b *testing.B) {
	for _, rows := range []int{2_000, 8_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			body := bigFile(0, rows)
			b.ReportAllocs()
			var heap uint64
			for b.Loop() {
				b.StopTimer()
				s := apptest.NewServer(b)
				b.StartTimer()
				importLegacy(s, s.AdminToken, body).Want(200)
				b.StopTimer()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				heap = max(heap, m.HeapInuse)
				b.StartTimer()
			}
			b.ReportMetric(float64(heap)/(1<<20), "MiB-heap-after")
		})
	}
}
