package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// The markers around the results in the README's benchmark section.
const (
	beginMarker = "<!-- bench results: written by make bench, replaced on each run -->"
	endMarker   = "<!-- end of bench results -->"
)

type row struct {
	path        string
	report, raw time.Duration
}

// results is what one run measured.
type results struct {
	loans   int
	at      time.Time
	cores   int
	server  string
	load    time.Duration
	imports []importRow
	// loadBefore and loadAfter are the machine's load average at the
	// start and at the end of the run.
	loadBefore, loadAfter string
	importMB              float64
	total                 time.Duration
	rows                  []row
	requests              []requestRow
}

// markdown is the results as the README shows them.
func (r results) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run of %s UTC: %s loans, PostgreSQL %s, %d cores (shared with other work: load average %s at the start, %s at the end).\n\n",
		r.at.Format("2006-01-02 15:04"), thousands(r.loans), r.server, r.cores, r.loadBefore, r.loadAfter)
	if len(r.rows) > 0 {
		b.WriteString("| endpoint | report ms | raw ms | ratio |\n|---|---:|---:|---:|\n")
		for _, x := range r.rows {
			mark := ""
			if x.report.Seconds() > maxRatio*x.raw.Seconds() {
				mark = " (over 1.5)"
			}
			fmt.Fprintf(&b, "| `%s` | %.2f | %.2f | %.3f%s |\n", x.path, ms(x.report), ms(x.raw), x.report.Seconds()/x.raw.Seconds(), mark)
		}
		b.WriteString("\n")
	}
	if len(r.requests) > 0 {
		fmt.Fprintf(&b, "Request path, %d clients for %s after %s of warm-up, floor then service, the round of the median ratio of %d; each floor is net/http + pgx with the HMAC token check and one indexed query answering the same question:\n\n", loadClients, loadDuration, warmUp, loadRounds)
		b.WriteString("| request | service | floor | ratio |\n|---|---:|---:|---:|\n")
		for _, x := range r.requests {
			mark := ""
			if x.ratio() < minRequestRatio {
				mark = " (under 0.5)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f%s |\n", x.what, x.service, x.floor, x.ratio(), mark)
		}
		b.WriteString("\n")
	}
	if len(r.imports) > 0 {
		fmt.Fprintf(&b, "Import of %s legacy loans (%.1f MB of CSV) in one request, against the floor loading the same file into a plain 13-column table with a unique key (PostgreSQL: COPY FROM STDIN, as psql's \\copy; SQLite: the sqlite3 shell's .import):\n\n", thousands(legacyRows), r.importMB)
		b.WriteString("| engine | import | floor | ratio |\n|---|---:|---:|---:|\n")
		for _, x := range r.imports {
			mark := ""
			if x.ratio() < minImportRatio {
				mark = " (under 0.3)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.3f%s |\n", x.engine, x.service.Round(10*time.Millisecond), x.floor.Round(10*time.Millisecond), x.ratio(), mark)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Loading the loans took %s, the whole run %s.\n", r.load.Round(100*time.Millisecond), r.total.Round(time.Second))
	return b.String()
}

// String is the throughput as the tables show it.
func (t throughput) String() string {
	return fmt.Sprintf("%s req/s, p50 %.2f ms, p99 %.1f ms", thousands(int(t.perSec)), ms(t.p50), ms(t.p99))
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// replaceResults puts block between the markers of readme, in place of what
// was there.
func replaceResults(readme []byte, block string) ([]byte, error) {
	begin := bytes.Index(readme, []byte(beginMarker))
	end := bytes.Index(readme, []byte(endMarker))
	if begin < 0 || end < begin {
		return nil, errors.New("the benchmark section has no markers " + beginMarker + " … " + endMarker)
	}
	var out bytes.Buffer
	out.Write(readme[:begin+len(beginMarker)])
	out.WriteString("\n\n" + strings.TrimSpace(block) + "\n\n")
	out.Write(readme[end:])
	return out.Bytes(), nil
}

// writeReadme replaces the results in the file at path.
func writeReadme(path, block string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceResults(b, block)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}
