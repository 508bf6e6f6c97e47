package main

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
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
)

// The request path under load: clients keep sending a GET of a random
// loan for loadDuration (after warmUp) over loadClients keep-alive
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

// floor is the least a GET of one loan can cost here: net/http, the token's
// HMAC checked, one indexed query through pgx on a pool as large as the
// service's, the row as JSON. No sessions, roles, policy or history.
type floor struct {
	pool *pgxpool.Pool
	key  []byte
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

// ServeHTTP answers GET /loans/{id} with the bearer token "session.HMAC".
func (f floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sid, sig, ok := strings.Cut(token, ".")
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(sid))
	if !ok || !hmac.Equal([]byte(sig), []byte(base64.RawURLEncoding.EncodeToString(m.Sum(nil)))) {
		http.Error(w, "unauthenticated", http.StatusUnauthorized)
		return
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/loans/"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	var l floorLoan
	var disbursed, maturity time.Time
	err = f.pool.QueryRow(r.Context(), `SELECT id, number, status, name, district_code, bank_code, principal_fen, outstanding_fen,
		annual_rate_ppm, term_months, disbursed_on, maturity_date, days_overdue FROM loans WHERE id = $1`, id).
		Scan(&l.ID, &l.Number, &l.Status, &l.Name, &l.DistrictCode, &l.BankCode, &l.Principal, &l.Outstanding,
			&l.AnnualRate, &l.TermMonths, &disbursed, &maturity, &l.DaysOverdue)
	if errors.Is(err, pgx.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	l.DisbursedOn, l.Maturity = disbursed.Format(time.DateOnly), maturity.Format(time.DateOnly)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(l)
}

// serveFloor starts the floor on a loopback port with a pool of conns
// connections to dsn; stop ends it.
func serveFloor(ctx context.Context, dsn string, conns int, key []byte) (base string, stop func(), err error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return "", nil, err
	}
	pc.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pool.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: floor{pool: pool, key: key}, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close(); pool.Close() }, nil
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

// measureRequests puts the service's GET of a random loan (as the auditor)
// and the floor's under the same load, one after the other.
func measureRequests(ctx context.Context, dsn string, conns int, key []byte, base, token string, loans int) ([]requestRow, error) {
	floorBase, stop, err := serveFloor(ctx, dsn, conns, key)
	if err != nil {
		return nil, err
	}
	defer stop()
	randomLoan := func(prefix string) func(r *rand.Rand) string {
		return func(r *rand.Rand) string { return prefix + strconv.Itoa(1+r.IntN(loans)) }
	}
	what := fmt.Sprintf("GET one loan of %s by id, as a finance auditor", thousands(loans))
	var rounds []requestRow
	for range loadRounds {
		r := requestRow{what: what}
		if r.floor, err = hammer(randomLoan(floorBase+"/loans/"), token); err != nil {
			return nil, fmt.Errorf("floor: %w", err)
		}
		if r.service, err = hammer(randomLoan(base+"/api/v1/loans/"), token); err != nil {
			return nil, fmt.Errorf("GET /api/v1/loans/{id}: %w", err)
		}
		rounds = append(rounds, r)
	}
	slices.SortFunc(rounds, func(a, b requestRow) int { return cmp.Compare(a.ratio(), b.ratio()) })
	return []requestRow{rounds[len(rounds)/2]}, nil
}
