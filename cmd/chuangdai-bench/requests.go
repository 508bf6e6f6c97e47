package main

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"chuangdai/internal/app"
	"chuangdai/internal/user"
)

// The request path under load: clients keep sending a GET (of a random
// loan, of an application, of a queue page) for loadDuration (after warmUp) over loadClients keep-alive
// connections, to the floor and then to the service, loadRounds times
// over; the round of the median ratio is the result, so that a burst of
// other work on a shared machine does not decide it.
const (
	loadClients  = 16
	loadDuration = 3 * time.Second
	warmUp       = time.Second
	loadRounds   = 3
)

// minRequestRatio is the share of the floor's throughput the service's
// request path reaches at least (issue 16).
const minRequestRatio = 0.5

// throughput is what one load measured.
type throughput struct {
	requests int
	perSec   float64
	p50, p99 time.Duration
}

// requestRow is one request path against the floor.
type requestRow struct {
	what           string
	service, floor throughput
}

func (r requestRow) ratio() float64 { return r.service.perSec / r.floor.perSec }

// floor is the least each request can cost here: net/http, the token's
// HMAC checked, one indexed query through pgx on a pool as large as the
// service's answering the same question, the rows as JSON. No sessions,
// roles, policy or history.
type floor struct {
	pool *pgxpool.Pool
	key  []byte
	// owner is the entrepreneur whose application GET /applications/{id}
	// answers (the service finds it in the caller's session).
	owner int64
	// district is the HRSS officer's district whose queue GET /queue
	// answers.
	district string
}

// floorLoan is the loan's row as the floor answers it.
type floorLoan struct {
	ID           int64  `json:"id"`
	Number       string `json:"number"`
	Status       string `json:"status"`
	Name         string `json:"name"`
	DistrictCode string `json:"district_code"`
	BankCode     string `json:"bank_code"`
	Principal    int64  `json:"principal_fen"`
	Outstanding  int64  `json:"outstanding_fen"`
	AnnualRate   int64  `json:"annual_rate_ppm"`
	TermMonths   int    `json:"term_months"`
	DisbursedOn  string `json:"disbursed_on"`
	Maturity     string `json:"maturity_date"`
	DaysOverdue  int    `json:"days_overdue"`
}

// floorApplication is an application's row as the floor answers it.
type floorApplication struct {
	ID             int64      `json:"id"`
	Number         string     `json:"number"`
	Status         string     `json:"status"`
	Version        int        `json:"version"`
	ApplicantID    int64      `json:"applicant_id"`
	BorrowerType   string     `json:"borrower_type"`
	Name           string     `json:"name"`
	DistrictCode   string     `json:"district_code"`
	BankCode       string     `json:"bank_code"`
	Amount         int64      `json:"amount_fen"`
	TermMonths     int        `json:"term_months"`
	BusinessName   string     `json:"business_name"`
	Industry       string     `json:"industry"`
	CreatedAt      time.Time  `json:"created_at"`
	SubmittedAt    *time.Time `json:"submitted_at"`
	StageEnteredAt *time.Time `json:"stage_entered_at"`
}

// floorApplicationColumns are the columns of floorApplication, in order.
const floorApplicationColumns = `id, number, status, version, applicant_id, borrower_type, name, district_code, bank_code, amount_fen,
	term_months, business_name, industry, created_at, submitted_at, stage_entered_at`

func (a *floorApplication) fields() []any {
	return []any{&a.ID, &a.Number, &a.Status, &a.Version, &a.ApplicantID, &a.BorrowerType, &a.Name, &a.DistrictCode, &a.BankCode,
		&a.Amount, &a.TermMonths, &a.BusinessName, &a.Industry, &a.CreatedAt, &a.SubmittedAt, &a.StageEnteredAt}
}

// ServeHTTP answers, with the bearer token "session.HMAC", GET /loans/{id},
// GET /applications/{id} (the owner's) and GET /queue (the first page of
// the district's applications waiting for the eligibility review, oldest
// first, with their number).
func (f floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sid, sig, ok := strings.Cut(token, ".")
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(sid))
	if !ok || !hmac.Equal([]byte(sig), []byte(base64.RawURLEncoding.EncodeToString(m.Sum(nil)))) {
		http.Error(w, "unauthenticated", http.StatusUnauthorized)
		return
	}
	var answer any
	var err error
	switch kind, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); kind {
	case "loans":
		answer, err = f.loan(r.Context(), rest)
	case "applications":
		answer, err = f.application(r.Context(), rest)
	case "queue":
		answer, err = f.queue(r.Context())
	default:
		err = pgx.ErrNoRows
	}
	if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, strconv.ErrSyntax) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func (f floor) loan(ctx context.Context, id string) (any, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, err
	}
	var l floorLoan
	var disbursed, maturity time.Time
	err = f.pool.QueryRow(ctx, `SELECT id, number, status, name, district_code, bank_code, principal_fen, outstanding_fen,
		annual_rate_ppm, term_months, disbursed_on, maturity_date, days_overdue FROM loans WHERE id = $1`, n).
		Scan(&l.ID, &l.Number, &l.Status, &l.Name, &l.DistrictCode, &l.BankCode, &l.Principal, &l.Outstanding,
			&l.AnnualRate, &l.TermMonths, &disbursed, &maturity, &l.DaysOverdue)
	l.DisbursedOn, l.Maturity = disbursed.Format(time.DateOnly), maturity.Format(time.DateOnly)
	return l, err
}

func (f floor) application(ctx context.Context, id string) (any, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, err
	}
	var a floorApplication
	err = f.pool.QueryRow(ctx, `SELECT `+floorApplicationColumns+` FROM applications WHERE id = $1 AND applicant_id = $2`, n, f.owner).
		Scan(a.fields()...)
	return a, err
}

// floorPage is a page of a list with the number of items in it.
type floorPage struct {
	Items []floorApplication `json:"items"`
	Total int64              `json:"total"`
}

func (f floor) queue(ctx context.Context) (any, error) {
	rows, err := f.pool.Query(ctx, `SELECT `+floorApplicationColumns+`, COUNT(*) OVER () FROM applications
		WHERE district_code = $1 AND status = 'eligibility_review' ORDER BY stage_entered_at, id LIMIT 20`, f.district)
	if err != nil {
		return nil, err
	}
	p := floorPage{Items: []floorApplication{}}
	var x floorApplication
	_, err = pgx.ForEachRow(rows, append(x.fields(), &p.Total), func() error {
		p.Items = append(p.Items, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// serveFloor starts f on a loopback port with a pool of conns connections
// to dsn; stop ends it.
func serveFloor(ctx context.Context, dsn string, conns int, f floor) (base string, stop func(), err error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return "", nil, err
	}
	pc.MaxConns = int32(conns)
	if f.pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.pool.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close(); f.pool.Close() }, nil
}

// hammer sends GETs of url(rand) with token from loadClients clients for
// warmUp, then for loadDuration, and measures the second part. Any answer
// but 200 fails the run.
func hammer(url func(r *rand.Rand) string, token string) (throughput, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadClients, MaxConnsPerHost: loadClients}}
	defer client.CloseIdleConnections()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failure   error
		wg        sync.WaitGroup
	)
	begin := time.Now()
	measureFrom, end := begin.Add(warmUp), begin.Add(warmUp+loadDuration)
	for i := range loadClients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 16))
			var mine []time.Duration
			for {
				t := time.Now()
				if !t.Before(end) {
					break
				}
				req, _ := http.NewRequest("GET", url(r), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: status %d", req.URL.Path, resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failure = err
					mu.Unlock()
					return
				}
				if !t.Before(measureFrom) {
					mine = append(mine, time.Since(t))
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if failure != nil {
		return throughput{}, failure
	}
	if len(latencies) == 0 {
		return throughput{}, errors.New("no request finished")
	}
	slices.Sort(latencies)
	return throughput{
		requests: len(latencies), perSec: float64(len(latencies)) / loadDuration.Seconds(),
		p50: latencies[len(latencies)/2], p99: latencies[len(latencies)*99/100],
	}, nil
}

// callers are who the request path is measured as, and what they read.
type callers struct {
	// auditor reads any loan.
	auditor string
	// owner, an entrepreneur, reads their application (ownerID,
	// application).
	owner       string
	ownerID     int64
	application int64
	// officer, an HRSS officer of district, reads the first page of the
	// eligibility review queue.
	officer  string
	district string
}

// queueApplications is how many applications setUpCallers puts in the
// districts' queues and beyond (a seventh of them in each district, a
// fifth of those waiting for the eligibility review).
const queueApplications = 10_000

// queuePath is the first page of the queue as the web asks for it.
const queuePath = "/api/v1/applications?status=eligibility_review&sort=deadline&page=1&page_size=20"

// setUpCallers makes the entrepreneur with one application submitted
// through the service, the HRSS officer of the district, and
// queueApplications copies of the application (their personal data sealed
// as the service seals it) in the seven districts and five statuses, so the
// officer's queue holds a few hundred.
func setUpCallers(ctx context.Context, a *app.App, db *sql.DB, base, auditor string) (callers, error) {
	c := callers{auditor: auditor, district: "411282"}
	owner, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "owner", Password: "bench-pass-word-1", Name: "张伟", Role: "entrepreneur"})
	if err != nil {
		return c, err
	}
	c.ownerID = int64(owner.ID)
	if _, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "hrss", Password: "bench-pass-word-1", Name: "HRSS officer",
		Role: "hrss_officer", DistrictCode: c.district}); err != nil {
		return c, err
	}
	if c.owner, err = loginAs(base, "owner"); err != nil {
		return c, err
	}
	if c.officer, err = loginAs(base, "hrss"); err != nil {
		return c, err
	}
	nationalID, _ := personID(7_000_001)
	body, _ := json.Marshal(map[string]any{
		"borrower_type": "individual", "name": "张伟", "national_id": nationalID, "phone": "13800138000",
		"key_group": "returning_migrant_worker", "district_code": c.district, "bank_code": "RCB-LB",
		"amount": "200000.00", "term_months": 24, "business_name": "灵宝苹果合作社", "industry": "agriculture",
		"purpose": "cold storage", "jobs_planned": 3, "not_employed": true,
	})
	var created struct{ ID int64 }
	if err := call(base, "POST", "/api/v1/applications", c.owner, body, http.StatusCreated, &created); err != nil {
		return c, fmt.Errorf("apply: %w", err)
	}
	c.application = created.ID
	if err := call(base, "POST", "/api/v1/applications/"+strconv.FormatInt(c.application, 10)+"/submit", c.owner, nil, http.StatusOK, nil); err != nil {
		return c, fmt.Errorf("submit: %w", err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO applications (number, status, version, applicant_id, borrower_type, name, national_id,
			national_id_hash, birth_date, female, is_disabled, is_village_official, is_returned_overseas_student, not_employed, phone,
			key_group, district_code, bank_code, amount_fen, term_months, business_name, industry, purpose, jobs_planned, partners,
			other_loans, created_year, created_at, updated_at, submitted_at, submitted_on, stage_entered_at, counter_guarantee)
		SELECT 'Q' || g, (ARRAY['eligibility_review','guarantee_review','bank_review','approved','returned'])[1 + g % 5], version,
			applicant_id, borrower_type, name, national_id, national_id_hash, birth_date, female, is_disabled, is_village_official,
			is_returned_overseas_student, not_employed, phone, key_group,
			(ARRAY['411200','411202','411203','411221','411224','411281','411282'])[1 + (g / 5) % 7], bank_code, amount_fen,
			term_months, business_name, industry, purpose, jobs_planned, partners, other_loans, created_year, created_at - g * interval '1 minute',
			updated_at, submitted_at - g * interval '1 minute', submitted_on, stage_entered_at - g * interval '1 minute', counter_guarantee
		FROM applications, generate_series(1, $2::int) g WHERE id = $1`, c.application, queueApplications)
	if err != nil {
		return c, fmt.Errorf("copy the application: %w", err)
	}
	_, err = db.ExecContext(ctx, "ANALYZE applications")
	return c, err
}

// call sends body to path as the caller with token and decodes the answer
// into out (when not nil); an answer other than want fails.
func call(base, method, path, token string, body []byte, want int, out any) error {
	req, err := http.NewRequest(method, base+path, strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// requestCase is one request path put under load beside its floor.
type requestCase struct {
	what           string
	token          string
	service, floor func(r *rand.Rand) string
}

// measureRequests puts each request path and its floor under the same
// load, one after the other, loadRounds times, and keeps for each the
// round of the median ratio.
func measureRequests(ctx context.Context, dsn string, conns int, key []byte, base string, who callers, loans int) ([]requestRow, error) {
	floorBase, stop, err := serveFloor(ctx, dsn, conns, floor{key: key, owner: who.ownerID, district: who.district})
	if err != nil {
		return nil, err
	}
	defer stop()
	randomLoan := func(prefix string) func(r *rand.Rand) string {
		return func(r *rand.Rand) string { return prefix + strconv.Itoa(1+r.IntN(loans)) }
	}
	fixed := func(u string) func(*rand.Rand) string { return func(*rand.Rand) string { return u } }
	application := "/" + strconv.FormatInt(who.application, 10)
	cases := []requestCase{
		{what: fmt.Sprintf("GET one loan of %s by id, as a finance auditor", thousands(loans)), token: who.auditor,
			service: randomLoan(base + "/api/v1/loans/"), floor: randomLoan(floorBase + "/loans/")},
		{what: "GET an application by id, as its entrepreneur", token: who.owner,
			service: fixed(base + "/api/v1/applications" + application), floor: fixed(floorBase + "/applications" + application)},
		{what: fmt.Sprintf("GET the first page of the eligibility queue (of %s applications), as an HRSS officer", thousands(queueApplications+1)),
			token: who.officer, service: fixed(base + queuePath), floor: fixed(floorBase + "/queue")},
	}
	var out []requestRow
	for _, c := range cases {
		var rounds []requestRow
		for range loadRounds {
			r := requestRow{what: c.what}
			if r.floor, err = hammer(c.floor, c.token); err != nil {
				return nil, fmt.Errorf("floor of %s: %w", c.what, err)
			}
			if r.service, err = hammer(c.service, c.token); err != nil {
				return nil, fmt.Errorf("%s: %w", c.what, err)
			}
			rounds = append(rounds, r)
		}
		slices.SortFunc(rounds, func(a, b requestRow) int { return cmp.Compare(a.ratio(), b.ratio()) })
		out = append(out, rounds[len(rounds)/2])
	}
	return out, nil
}
