package main

import (
	"strings"
	"testing"
	"time"
)

func TestReplaceResults(t *testing.T) {
	readme := "# x\n### Benchmark\nintro\n\n" + beginMarker + "\nold table\n" + endMarker + "\n\nafter\n"
	r := results{
		loans: 200000, at: time.Date(2026, 12, 1, 11, 5, 0, 0, time.UTC), cores: 2, server: "15.20", loadBefore: "0.52", loadAfter: "1.90",
		load: 15400 * time.Millisecond, total: 61 * time.Second, importMB: 27.94,
		imports: []importRow{{"PostgreSQL", 12340 * time.Millisecond, 650 * time.Millisecond}, {"SQLite", 20 * time.Second, 8 * time.Second}},
		rows: []row{
			{"/api/v1/reports/progress?year=2024", 2 * time.Millisecond, 200 * time.Millisecond},
			{"/api/v1/reports/slow", 4 * time.Millisecond, 2 * time.Millisecond},
		},
		requests: []requestRow{{what: "GET one loan",
			service: throughput{perSec: 4321.5, p50: 1500 * time.Microsecond, p99: 6 * time.Millisecond},
			floor:   throughput{perSec: 9000, p50: 800 * time.Microsecond, p99: 2500 * time.Microsecond}}},
	}
	out, err := replaceResults([]byte(readme), r.markdown())
	if err != nil {
		t.Fatal(err)
	}
	want := "# x\n### Benchmark\nintro\n\n" + beginMarker + "\n\n" +
		"Run of 2026-12-01 11:05 UTC: 200,000 loans, PostgreSQL 15.20, 2 cores (shared with other work: load average 0.52 at the start, 1.90 at the end).\n\n" +
		"| endpoint | report ms | raw ms | ratio |\n|---|---:|---:|---:|\n" +
		"| `/api/v1/reports/progress?year=2024` | 2.00 | 200.00 | 0.010 |\n" +
		"| `/api/v1/reports/slow` | 4.00 | 2.00 | 2.000 (over 1.5) |\n\n" +
		"Request path, 16 clients for 3s after 1s of warm-up, floor then service, the round of the median ratio of 3; each floor is net/http + pgx with the HMAC token check and one indexed query answering the same question:\n\n" +
		"| request | service | floor | ratio |\n|---|---:|---:|---:|\n" +
		"| GET one loan | 4,321 req/s, p50 1.50 ms, p99 6.0 ms | 9,000 req/s, p50 0.80 ms, p99 2.5 ms | 0.48 (under 0.5) |\n\n" +
		"Import of 200,000 legacy loans (27.9 MB of CSV) in one request, against the floor loading the same file into a plain 13-column table with a unique key (PostgreSQL: COPY FROM STDIN, as psql's \\copy; SQLite: the sqlite3 shell's .import):\n\n" +
		"| engine | import | floor | ratio |\n|---|---:|---:|---:|\n" +
		"| PostgreSQL | 12.34s | 650ms | 0.053 (under 0.3) |\n" +
		"| SQLite | 20s | 8s | 0.400 |\n\n" +
		"Loading the loans took 15.4s, the whole run 1m1s.\n\n" +
		endMarker + "\n\nafter\n"
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	again, err := replaceResults(out, r.markdown())
	if err != nil || string(again) != want {
		t.Fatalf("a second run does not replace the first: %v\n%s", err, again)
	}
	if _, err := replaceResults([]byte("no markers"), "x"); err == nil || !strings.Contains(err.Error(), "markers") {
		t.Fatalf("missing markers: %v", err)
	}
}
