// Command chuangdai-bench (make bench) measures the reports at a million
// loans on PostgreSQL. It creates a scratch database, loads the loans with
// generate_series (the summary triggers fold each statement), checks that
// the summaries equal the raw aggregates, then times every report endpoint
// over real HTTP against the raw SQL aggregate over the loans that answers
// the same question. It prints a table and exits 1 if any report takes more
// than 1.5 times its raw aggregate. Then it puts GET /api/v1/loans/{id} (an
// auditor), GET /api/v1/applications/{id} (its entrepreneur) and the first
// page of the eligibility queue (an HRSS officer) under load, each beside a
// bare net/http + pgx handler answering the same question (the floor,
// requests.go), and fails when the service reaches less than half a
// floor's throughput. Last it imports 200,000 legacy loans in one request
// on PostgreSQL and on SQLite, each against the same file loaded into a
// plain table by COPY and by the sqlite3 shell's .import (imports.go), and
// fails when an import reaches less than 0.3 of its floor's speed.
//
// CHUANGDAI_BENCH_DATABASE_URL names the PostgreSQL server (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable);
// CHUANGDAI_BENCH_LOANS the number of loans (default 1000000). With
// -readme FILE (make bench passes README.md) it also writes the results
// between the markers of FILE's benchmark section, replacing the last run's.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver for the admin connection

	"chuangdai/internal/app"
	"chuangdai/internal/config"
	"chuangdai/internal/idnum"
	"chuangdai/internal/user"
)

// maxRatio is how much slower than its raw aggregate a report may be.
const maxRatio = 1.5

// runs is how many timed runs each measurement takes (after warm-up).
const runs = 7

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	readme := flag.String("readme", "", "write the results between the benchmark markers of this file (README.md)")
	only := flag.String("only", "", "run only this part: reports, requests or import (default all; -readme then writes what ran)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the parts that run to this file (go tool pprof -top; the floor's samples are under floor.ServeHTTP)")
	flag.Parse()
	if !slices.Contains([]string{"", "reports", "requests", "import"}, *only) {
		return fmt.Errorf("-only %q: want reports, requests or import", *only)
	}
	part := func(name string) bool { return *only == "" || *only == name }
	admin := os.Getenv("CHUANGDAI_BENCH_DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	n := 1_000_000
	if v := os.Getenv("CHUANGDAI_BENCH_LOANS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			return fmt.Errorf("CHUANGDAI_BENCH_LOANS=%q: want a number of loans from 1000", v)
		}
	}
	ctx := context.Background()
	adm, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer adm.Close()
	if err := adm.PingContext(ctx); err != nil {
		return fmt.Errorf("PostgreSQL at CHUANGDAI_BENCH_DATABASE_URL does not answer: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "chuangdai_bench_" + hex.EncodeToString(b[:])
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create scratch database: %w", err)
	}
	defer func() {
		if _, err := adm.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "bench: drop scratch database:", err)
		}
	}()
	u, err := url.Parse(admin)
	if err != nil {
		return err
	}
	u.Path = "/" + name
	cfg := config.Defaults()
	cfg.DatabaseURL = u.String()
	cfg.PasswordCost = 4
	cfg.TokenKey = "bench-signing-key-0123456789abcdef"
	cfg.DBMaxOpenConns = 4
	// The daily job would walk every open loan at start, in the middle of
	// the measurements.
	cfg.DailyJobAt = "off"
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer a.Close()
	db := a.DB.SQL()
	res := results{loans: n, at: time.Now().UTC(), cores: runtime.NumCPU(), loadBefore: loadAverage()}
	if err := db.QueryRowContext(ctx, "SELECT current_setting('server_version')").Scan(&res.server); err != nil {
		return err
	}

	start := time.Now()
	if err := load(ctx, db, n); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	res.load = time.Since(start)
	fmt.Printf("loaded %d loans with repayments, recoveries and subsidy claims in %s\n", n, res.load.Round(time.Millisecond))
	if err := checkSummaries(ctx, db); err != nil {
		return err
	}
	fmt.Println("summaries equal the raw aggregates over the loans")

	if _, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "auditor", Password: "bench-pass-word-1", Name: "Auditor", Role: "finance_auditor"}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = a.ServeListener(sctx, ln) }()
	base := "http://" + ln.Addr().String()
	token, err := loginAs(base, "auditor")
	if err != nil {
		return err
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	failed := false
	if part("reports") {
		fmt.Printf("\n%-84s %10s %10s %7s\n", "endpoint", "report ms", "raw ms", "ratio")
		for _, c := range cases() {
			rep, err := median(func() error { return get(base+c.path, token) })
			if err != nil {
				return fmt.Errorf("%s: %w", c.path, err)
			}
			raw, err := median(func() error { return query(ctx, db, c.raw) })
			if err != nil {
				return fmt.Errorf("raw aggregate of %s: %w", c.path, err)
			}
			ratio := rep.Seconds() / raw.Seconds()
			mark := ""
			if ratio > maxRatio {
				mark, failed = "  > 1.5", true
			}
			fmt.Printf("%-84s %10.2f %10.2f %7.3f%s\n", c.path, ms(rep), ms(raw), ratio, mark)
			res.rows = append(res.rows, row{path: c.path, report: rep, raw: raw})
		}
	}

	if part("requests") {
		who, err := setUpCallers(ctx, a, db, base, token)
		if err != nil {
			return fmt.Errorf("set up the callers of the request path: %w", err)
		}
		res.requests, err = measureRequests(ctx, cfg.DatabaseURL, cfg.DBMaxOpenConns, []byte(cfg.TokenKey), base, who, n)
		if err != nil {
			return err
		}
		fmt.Printf("\n%d clients, %s each after %s of warm-up, floor then service, the median of %d rounds:\n%-92s %22s %22s %7s\n", loadClients, loadDuration, warmUp, loadRounds,
			"request", "service req/s p50 p99", "floor req/s p50 p99", "ratio")
		for _, r := range res.requests {
			mark := ""
			if r.ratio() < minRequestRatio {
				mark, failed = "  < 0.5", true
			}
			fmt.Printf("%-92s %22s %22s %7.3f%s\n", r.what, r.service, r.floor, r.ratio(), mark)
		}
	}

	if part("import") {
		if res.imports, res.importMB, err = measureImports(ctx, a, base, cfg.DatabaseURL); err != nil {
			return err
		}
		fmt.Printf("\n%-28s %12s %12s %7s\n", "import of "+thousands(legacyRows)+" loans", "service", "floor", "ratio")
		for _, m := range res.imports {
			mark := ""
			if m.ratio() < minImportRatio {
				mark, failed = "  < 0.3", true
			}
			fmt.Printf("%-28s %12s %12s %7.3f%s\n", m.engine, m.service.Round(time.Millisecond), m.floor.Round(time.Millisecond), m.ratio(), mark)
		}
	}
	res.total, res.loadAfter = time.Since(res.at), loadAverage()
	if *readme != "" {
		if err := writeReadme(*readme, res.markdown()); err != nil {
			return err
		}
		fmt.Println("results written into", *readme)
	}
	if failed {
		return errors.New("a report is more than 1.5 times slower than its raw aggregate, a request path reaches less than half its floor's throughput, or an import less than 0.3 of its floor's speed")
	}
	return nil
}

// personID is a valid resident ID number for borrower i of the import, and
// whether it is a woman's.
func personID(i int) (string, bool) {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
	body := fmt.Sprintf("411282%s%03d", birth.Format("20060102"), i%1000)
	return idnum.WithCheckDigit(body), (body[16]-'0')%2 == 0
}

// loadAverage is the machine's load average over the last minute, as
// /proc/loadavg says ("?" where there is none).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type benchCase struct {
	path string
	raw  []string
}

// cases are the report calls and the raw SQL over the loans answering the
// same question.
func cases() []benchCase {
	const from, to = "2024-01-01", "2024-12-31"
	period := "disbursed_on BETWEEN DATE '" + from + "' AND DATE '" + to + "'"
	var out []benchCase
	out = append(out, benchCase{
		path: "/api/v1/reports/progress?year=2024&through=2024-06-30",
		raw: []string{`SELECT d.code, d.name, COUNT(l.id), COALESCE(SUM(l.principal_fen), 0),
			COUNT(l.id) FILTER (WHERE l.key_group = 'returning_migrant_worker'),
			COALESCE(SUM(l.principal_fen) FILTER (WHERE l.key_group = 'returning_migrant_worker'), 0),
			MAX(t.loan_amount_fen), MAX(t.returnee_loan_amount_fen)
			FROM districts d
			LEFT JOIN loans l ON l.district_code = d.code AND l.disbursed_on BETWEEN DATE '2024-01-01' AND DATE '2024-06-30'
			LEFT JOIN targets t ON t.district_code = d.code AND t.year = 2024
			GROUP BY d.code, d.name ORDER BY d.code`},
	})
	for _, g := range []struct{ by, col string }{
		{"district", "district_code"}, {"key_group", "key_group"}, {"bank", "bank_code"},
		{"borrower_type", "borrower_type"}, {"industry", "industry"},
		{"month", "disbursed_year, disbursed_month"}, {"quarter", "disbursed_year, disbursed_quarter"},
	} {
		out = append(out, benchCase{
			path: "/api/v1/reports/disbursements?from=" + from + "&to=" + to + "&group_by=" + g.by,
			raw: []string{"SELECT " + g.col + ", COUNT(*), SUM(principal_fen), SUM(jobs), SUM(jobs_created) FROM loans WHERE " +
				period + " GROUP BY " + g.col + " ORDER BY " + g.col},
		})
	}
	asOf := "DATE '2025-06-30'"
	out = append(out, benchCase{
		path: "/api/v1/reports/portfolio?as_of=2025-06-30",
		raw: []string{
			`SELECT district_code, COUNT(*), SUM(principal_fen),
				SUM(CASE WHEN compensated_on <= ` + asOf + ` THEN compensation_fen ELSE 0 END),
				SUM(CASE WHEN compensated_on <= ` + asOf + ` THEN fund_paid_fen ELSE 0 END),
				SUM(CASE WHEN written_off_on <= ` + asOf + ` THEN written_off_fen ELSE 0 END),
				COUNT(*) FILTER (WHERE maturity_date <= ` + asOf + `),
				SUM(CASE WHEN maturity_date <= ` + asOf + ` THEN principal_fen ELSE 0 END),
				SUM(CASE WHEN maturity_date <= ` + asOf + ` THEN CASE WHEN status IN ('active', 'overdue') THEN outstanding_fen
					ELSE COALESCE(compensation_fen, 0) - recovered_fen END ELSE 0 END),
				COUNT(*) FILTER (WHERE status = 'overdue' AND overdue_since <= ` + asOf + `),
				SUM(CASE WHEN status = 'overdue' AND overdue_since <= ` + asOf + ` THEN outstanding_fen ELSE 0 END)
				FROM loans WHERE disbursed_on <= ` + asOf + ` GROUP BY district_code ORDER BY district_code`,
			`SELECT l.district_code, SUM(r.principal_fen) FROM loan_repayments r JOIN loans l ON l.id = r.loan_id
				WHERE r.paid_on <= ` + asOf + ` GROUP BY l.district_code`,
			`SELECT l.district_code, SUM(r.amount_fen) FROM loan_recoveries r JOIN loans l ON l.id = r.loan_id
				WHERE r.recovered_on <= ` + asOf + ` GROUP BY l.district_code`,
			`SELECT district_code, SUM(subsidy_fen) FILTER (WHERE status <> 'refused' AND claimed_at < ` + asOf + ` + 1),
				SUM(subsidy_fen) FILTER (WHERE status = 'paid' AND paid_at < ` + asOf + ` + 1)
				FROM subsidy_claims GROUP BY district_code`,
		},
	})
	return out
}

// median runs fn twice to warm up, then runs times and returns the median.
func median(fn func() error) (time.Duration, error) {
	for range 2 {
		if err := fn(); err != nil {
			return 0, err
		}
	}
	var ds []time.Duration
	for range runs {
		t := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

func query(ctx context.Context, db *sql.DB, qs []string) error {
	for _, q := range qs {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
	}
	return nil
}

func get(u, token string) error {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return nil
}

func loginAs(base, username string) (string, error) {
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"`+username+`","password":"bench-pass-word-1"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("sign in: status %d %v", resp.StatusCode, err)
	}
	return out.Token, nil
}

// load writes the reference data and n loans spread over 2021–2025, six
// districts, five banks, the ten key groups and twelve industries; some
// settled, overdue or compensated, with repayments, recoveries and claims.
func load(ctx context.Context, db *sql.DB, n int) error {
	steps := []string{
		`INSERT INTO districts (code, name, created_at, updated_at) VALUES
			('411200', '市本级', now(), now()), ('411202', '湖滨区', now(), now()), ('411203', '陕州区', now(), now()),
			('411221', '渑池县', now(), now()), ('411224', '卢氏县', now(), now()), ('411281', '义马市', now(), now()),
			('411282', '灵宝市', now(), now())`,
		`INSERT INTO banks (code, name, created_at, updated_at) VALUES
			('ICBC-SMX', '工商银行', now(), now()), ('CCB-SMX', '建设银行', now(), now()), ('ABC-SMX', '农业银行', now(), now()),
			('BOC-SMX', '中国银行', now(), now()), ('RCB-LB', '灵宝农商银行', now(), now())`,
		`INSERT INTO targets (year, district_code, loan_amount_fen, returnee_loan_amount_fen, jobs, updated_at)
			SELECT y, code, 20000000000, 3000000000, 5000, now() FROM districts, generate_series(2021, 2025) y`,
	}
	for _, q := range steps {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	const chunk = 250_000
	for lo := 1; lo <= n; lo += chunk {
		hi := min(lo+chunk-1, n)
		if _, err := db.ExecContext(ctx, loansSQL, lo, hi); err != nil {
			return err
		}
	}
	after := []string{
		// One repayment per loan of the principal no longer outstanding.
		`INSERT INTO loan_repayments (loan_id, principal_fen, interest_fen, paid_on, paid_year, paid_month, paid_quarter, bank_code, bank_reference, created_at)
			SELECT id, principal_fen - outstanding_fen - COALESCE(compensation_fen, 0), 1000, d,
				EXTRACT(YEAR FROM d)::int, EXTRACT(MONTH FROM d)::int, EXTRACT(QUARTER FROM d)::int, bank_code, 'R' || id, now()
			FROM (SELECT *, LEAST(maturity_date, disbursed_on + 180) AS d FROM loans) l
			WHERE principal_fen - outstanding_fen - COALESCE(compensation_fen, 0) > 0`,
		`INSERT INTO loan_recoveries (loan_id, amount_fen, recovered_on, recovered_year, recovered_month, created_at)
			SELECT id, recovered_fen, compensated_on + 60, EXTRACT(YEAR FROM compensated_on + 60)::int,
				EXTRACT(MONTH FROM compensated_on + 60)::int, now()
			FROM loans WHERE recovered_fen > 0`,
		`INSERT INTO subsidy_claims (loan_id, period, period_year, period_quarter, start_on, end_on, days, interest_fen, subsidy_fen,
				borrower_interest_fen, status, district_code, bank_code, claimed_at, paid_at)
			SELECT id, disbursed_year || 'Q' || disbursed_quarter, disbursed_year, disbursed_quarter, disbursed_on, disbursed_on + 30, 30,
				principal_fen / 300, principal_fen / 600, principal_fen / 300 - principal_fen / 600,
				CASE WHEN id % 3 = 0 THEN 'claimed' ELSE 'paid' END, district_code, bank_code,
				(disbursed_on + 40)::timestamptz, CASE WHEN id % 3 = 0 THEN NULL ELSE (disbursed_on + 70)::timestamptz END
			FROM loans WHERE id % 10 = 0`,
		`VACUUM ANALYZE loans`,
		`ANALYZE loan_repayments`,
		`ANALYZE loan_recoveries`,
		`ANALYZE subsidy_claims`,
		`VACUUM ANALYZE loan_day_totals`,
		`VACUUM ANALYZE portfolio_day_flows`,
	}
	for _, q := range after {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// loansSQL inserts loans $1..$2. Status: every 200th compensated (half the
// principal taken over, a tenth of it recovered), every 50th overdue, loans
// matured before November 2025 settled, the others active.
const loansSQL = `
INSERT INTO loans (number, status, version, name, national_id, gender, key_group, borrower_type, industry, jobs, jobs_created,
	district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen,
	term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, bank_reference,
	overdue_since, settled_on, compensated_on, compensation_fen, fund_share_ppm, fund_paid_fen, bank_borne_fen, recovered_fen,
	created_at, updated_at)
SELECT 'B' || g, st, 1, '借款人', '411282199001011234', CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END,
	(ARRAY['registered_unemployed','employment_difficulty','retired_soldier','released_prisoner','college_graduate',
		'overcapacity_worker','returning_migrant_worker','online_merchant','poverty_alleviated','rural_entrepreneur'])[1 + (g * 31) % 10],
	CASE g % 20 WHEN 0 THEN 'enterprise' WHEN 1 THEN 'partnership' ELSE 'individual' END,
	(ARRAY['农业','餐饮','零售','电商','制造','物流','养殖','旅游','服务','建筑','文化','科技'])[1 + (g * 13) % 12],
	1 + g % 5, g % 4,
	(ARRAY['411200','411202','411203','411221','411224','411281','411282'])[1 + (g * 3 + g / 7) % 7],
	(ARRAY['ICBC-SMX','CCB-SMX','ABC-SMX','BOC-SMX','RCB-LB'])[1 + (g * 17) % 5],
	p, CASE st WHEN 'settled' THEN 0 WHEN 'active' THEN CASE WHEN g % 2 = 0 THEN p ELSE p / 2 END ELSE p / 2 END,
	39500, 19750, 19750, 30000000, term, 'quarterly_interest', d, EXTRACT(YEAR FROM d)::int, EXTRACT(MONTH FROM d)::int,
	EXTRACT(QUARTER FROM d)::int, m, 'D' || g,
	CASE WHEN st = 'overdue' THEN d + 200 END, CASE WHEN st = 'settled' THEN m END,
	CASE WHEN st = 'compensated' THEN d + 400 END, CASE WHEN st = 'compensated' THEN p / 2 END,
	CASE WHEN st = 'compensated' THEN 800000 END, CASE WHEN st = 'compensated' THEN p / 2 * 8 / 10 END,
	CASE WHEN st = 'compensated' THEN p / 2 - p / 2 * 8 / 10 END, CASE WHEN st = 'compensated' THEN p / 20 ELSE 0 END,
	now(), now()
FROM (
	SELECT g, d, p, term, (d + make_interval(months => term))::date AS m,
		CASE WHEN g % 200 = 3 THEN 'compensated' WHEN g % 50 = 0 THEN 'overdue'
			WHEN (d + make_interval(months => term))::date < DATE '2025-11-01' THEN 'settled' ELSE 'active' END AS st
	FROM (SELECT g, DATE '2021-01-01' + (g % 1826) AS d, (50000 + (g * 7) % 251 * 1000)::bigint * 100 AS p,
		CASE WHEN g % 3 = 0 THEN 36 ELSE 24 END AS term FROM generate_series($1::int, $2::int) g) x
) y`

// checkSummaries compares the summaries with the raw aggregates.
func checkSummaries(ctx context.Context, db *sql.DB) error {
	pairs := [][2]string{
		{`SELECT COUNT(*), SUM(principal_fen), SUM(jobs_created) FROM loans`,
			`SELECT SUM(loans), SUM(amount_fen), SUM(jobs_created) FROM loan_day_totals WHERE dim = 'district'`},
		{`SELECT COUNT(*), SUM(principal_fen) FROM loans WHERE key_group = 'returning_migrant_worker'`,
			`SELECT SUM(loans), SUM(amount_fen) FROM loan_day_totals WHERE dim = 'returnee'`},
		{`SELECT (SELECT SUM(principal_fen) FROM loan_repayments), (SELECT SUM(amount_fen) FROM loan_recoveries), SUM(COALESCE(compensation_fen, 0)) FROM loans`,
			`SELECT SUM(repaid_fen), SUM(recovered_fen), SUM(compensated_fen) FROM portfolio_day_flows`},
		{`SELECT SUM(subsidy_fen) FILTER (WHERE status = 'paid') FROM subsidy_claims`, `SELECT SUM(subsidy_paid_fen) FROM portfolio_day_flows`},
	}
	for _, p := range pairs {
		a, err := firstRow(ctx, db, p[0])
		if err != nil {
			return err
		}
		b, err := firstRow(ctx, db, p[1])
		if err != nil {
			return err
		}
		if !slices.Equal(a, b) {
			return fmt.Errorf("summary differs from the loans: %v vs %v (%s)", a, b, p[1])
		}
	}
	return nil
}

// firstRow returns the first row of q as text.
func firstRow(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]sql.NullString, len(cols))
	args := make([]any, len(cols))
	for i := range vals {
		args[i] = &vals[i]
	}
	if !rows.Next() {
		return nil, fmt.Errorf("no row from %s", q)
	}
	if err := rows.Scan(args...); err != nil {
		return nil, err
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.String
	}
	return out, rows.Err()
}
