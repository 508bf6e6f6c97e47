// Command soak drives a mixed load against a running chuangdai on loopback
// for a bounded time: entrepreneurs register, apply and look up their status;
// officers decide every stage; a bank officer disburses. It reports errors
// (which must be 0), p50/p99 latency per operation and the server's memory
// growth, and exits 1 when any request failed.
//
//	soak -url http://127.0.0.1:18090 -credentials data/demo-credentials.txt -duration 3m
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"chuangdai/internal/idnum"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:18090", "server URL (loopback only)")
	credFile := flag.String("credentials", "", "demo credentials file written by `chuangdai seed demo --credentials-file`")
	duration := flag.Duration("duration", 3*time.Minute, "how long to drive load")
	users := flag.Int("users", 12, "concurrent entrepreneurs")
	flag.Parse()
	if err := run(*base, *credFile, *duration, *users); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(base, credFile string, duration time.Duration, users int) error {
	u, err := url.Parse(base)
	if err != nil || !(u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1") {
		return errors.New("-url must be a loopback address: the soak never sends traffic elsewhere")
	}
	creds, err := readCredentials(credFile)
	if err != nil {
		return err
	}
	c := &client{base: base, http: &http.Client{Timeout: 30 * time.Second}, stats: map[string]*opStats{}}
	tokens := map[string]string{}
	for _, name := range []string{"hrss.lingbao", "guarantee.lingbao", "bank.icbc", "bank.icbc2"} {
		pw, ok := creds[name]
		if !ok {
			return fmt.Errorf("credentials file lacks %s", name)
		}
		tok, err := c.login(name, pw)
		if err != nil {
			return err
		}
		tokens[name] = tok
	}
	memStart, _ := c.memory()
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	var seq atomic.Int64
	for w := range users {
		wg.Go(func() { c.entrepreneur(w, &seq, deadline) })
	}
	officers := []struct{ name, status string }{
		{"hrss.lingbao", "eligibility_review"}, {"guarantee.lingbao", "guarantee_review"}, {"bank.icbc", "bank_review"},
	}
	for _, o := range officers {
		wg.Go(func() { c.officer(tokens[o.name], o.status, deadline) })
	}
	wg.Go(func() { c.disburser(tokens["bank.icbc2"], deadline) })
	wg.Wait()
	memEnd, _ := c.memory()

	fmt.Printf("soak: %s, %d entrepreneurs, 4 officers\n", duration, users)
	fmt.Printf("%-14s %8s %8s %10s %10s\n", "operation", "count", "errors", "p50 ms", "p99 ms")
	names := make([]string, 0, len(c.stats))
	for n := range c.stats {
		names = append(names, n)
	}
	sort.Strings(names)
	var total, failed int
	for _, n := range names {
		s := c.stats[n]
		p50, p99 := s.percentiles()
		fmt.Printf("%-14s %8d %8d %10.1f %10.1f\n", n, len(s.lat), s.errors, p50, p99)
		total += len(s.lat)
		failed += s.errors
	}
	fmt.Printf("server resident memory: %.1f MiB → %.1f MiB (%+.1f MiB)\n", memStart/1048576, memEnd/1048576, (memEnd-memStart)/1048576)
	for _, e := range c.firstErrors {
		fmt.Println("error:", e)
	}
	fmt.Printf("%d requests, %d errors\n", total, failed)
	if failed > 0 || total == 0 {
		return fmt.Errorf("%d of %d requests failed", failed, total)
	}
	return nil
}

func readCredentials(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 3 && fields[0] != "username" {
			out[fields[0]] = fields[1]
		}
	}
	return out, sc.Err()
}

type opStats struct {
	lat    []float64
	errors int
}

func (s *opStats) percentiles() (float64, float64) {
	if len(s.lat) == 0 {
		return 0, 0
	}
	sorted := append([]float64(nil), s.lat...)
	sort.Float64s(sorted)
	at := func(q float64) float64 { return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))] }
	return at(0.50), at(0.99)
}

type client struct {
	base        string
	http        *http.Client
	mu          sync.Mutex
	stats       map[string]*opStats
	firstErrors []string
}

// call sends a request; a status outside ok counts as an error of op.
func (c *client) call(op, method, path, token string, body any, ok []int, headers ...string) (int, map[string]any) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	ms := float64(time.Since(start).Microseconds()) / 1000
	status := 0
	var m map[string]any
	var raw []byte
	if err == nil {
		raw, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
		_ = json.Unmarshal(raw, &m)
	}
	good := err == nil
	if good {
		good = false
		for _, s := range ok {
			good = good || s == status
		}
	}
	c.mu.Lock()
	s := c.stats[op]
	if s == nil {
		s = &opStats{}
		c.stats[op] = s
	}
	s.lat = append(s.lat, ms)
	if !good {
		s.errors++
		if len(c.firstErrors) < 10 {
			c.firstErrors = append(c.firstErrors, fmt.Sprintf("%s %s %s → %d %v %s", op, method, path, status, err, raw))
		}
	}
	c.mu.Unlock()
	return status, m
}

func (c *client) login(username, password string) (string, error) {
	status, m := c.call("login", "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, []int{200})
	if status != 200 {
		return "", fmt.Errorf("login %s: status %d", username, status)
	}
	return m["token"].(string), nil
}

func (c *client) memory() (float64, error) {
	resp, err := c.http.Get(c.base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, errors.New("no process_resident_memory_bytes")
}

func idOf(m map[string]any) string {
	switch v := m["id"].(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case string:
		return v
	}
	return ""
}

// entrepreneur registers, applies, submits and follows applications until the deadline.
func (c *client) entrepreneur(w int, seq *atomic.Int64, deadline time.Time) {
	for time.Now().Before(deadline) {
		n := seq.Add(1)
		name := fmt.Sprintf("soak%d-%d-%s", w, n, randomDigits(6))
		c.call("register", "POST", "/api/v1/auth/register", "", map[string]string{"username": name, "password": "soak-password-1", "name": "压测用户", "phone": "13800138000"}, []int{201})
		tok, err := c.login(name, "soak-password-1")
		if err != nil {
			continue
		}
		_, app := c.call("create", "POST", "/api/v1/applications", tok, map[string]any{
			"borrower_type": "individual", "name": "压测用户", "national_id": residentID(), "phone": "13800138000",
			"key_group": "returning_migrant_worker", "district_code": "411282", "bank_code": "ICBC-SMX",
			"amount": "50000.00", "term_months": 24, "business_name": "压测小店", "industry": "retail",
			"purpose": "working capital", "jobs_planned": 2,
		}, []int{201})
		id := idOf(app)
		if id == "" {
			continue
		}
		c.call("submit", "POST", "/api/v1/applications/"+id+"/submit", tok, nil, []int{200})
		for range 5 {
			c.call("status", "GET", "/api/v1/applications/"+id, tok, nil, []int{200})
			c.call("my-list", "GET", "/api/v1/applications?page_size=10", tok, nil, []int{200})
		}
	}
}

// officer decides the oldest applications of its stage.
func (c *client) officer(token, status string, deadline time.Time) {
	for time.Now().Before(deadline) {
		_, list := c.call("queue", "GET", "/api/v1/applications?status="+status+"&page_size=20", token, nil, []int{200})
		items, _ := list["items"].([]any)
		if len(items) == 0 {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, it := range items {
			id := idOf(it.(map[string]any))
			body := map[string]any{"decision": "approve", "comment": "同意"}
			if status == "bank_review" {
				body["approved_amount"] = "50000.00"
				body["annual_rate"] = "0.0395"
				body["term_months"] = 24
			}
			c.call("decide", "POST", "/api/v1/applications/"+id+"/decisions", token, body, []int{200})
		}
	}
}

// disburser disburses approved applications, each with its own idempotency key.
func (c *client) disburser(token string, deadline time.Time) {
	today := time.Now().Format(time.DateOnly)
	for time.Now().Before(deadline) {
		_, list := c.call("queue", "GET", "/api/v1/applications?status=approved&page_size=20", token, nil, []int{200})
		items, _ := list["items"].([]any)
		if len(items) == 0 {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, it := range items {
			app := it.(map[string]any)
			id := idOf(app)
			key := "soak-" + id + "-" + randomDigits(8)
			body := map[string]any{"amount": app["approved_amount"], "disbursed_on": today, "bank_reference": "SOAK" + id + randomDigits(6)}
			c.call("disburse", "POST", "/api/v1/applications/"+id+"/disbursement", token, body, []int{201}, "Idempotency-Key", key)
			c.call("replay", "POST", "/api/v1/applications/"+id+"/disbursement", token, body, []int{201}, "Idempotency-Key", key)
		}
	}
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		v, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + v.Int64())
	}
	return string(b)
}

// residentID returns a random valid resident ID of a working-age person.
func residentID() string {
	year := 1970 + mustInt(30)
	return idnum.WithCheckDigit(fmt.Sprintf("411282%04d%02d%02d%s", year, 1+mustInt(12), 1+mustInt(28), randomDigits(3)))
}

func mustInt(n int64) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return int(v.Int64())
}
