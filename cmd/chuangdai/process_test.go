package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/beijing"
	"chuangdai/internal/idnum"
	"chuangdai/internal/loan"
	"chuangdai/migrations"
)

// These tests run the real binary as separate processes.

// disbursedOn is the day the loans of these tests are disbursed: today in
// Beijing, since the server approves them today and a bank disburses
// nothing before it approved it.
func disbursedOn() time.Time { return beijing.Day(time.Now()) }

// overdueOn is a day the daily job finds those loans overdue: 11 days after
// their first interest due date (of a 24-month loan).
func overdueOn() time.Time {
	d := disbursedOn()
	return loan.DueDates(d, loan.Maturity(d, 24))[0].AddDate(0, 0, 11)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "chuangdai-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "chuangdai")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running chuangdai serve.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	URL  string
	logs *bytes.Buffer
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs `chuangdai serve` on databaseURL and waits until it is ready.
func start(t *testing.T, databaseURL string, env ...string) *proc {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(),
		"CHUANGDAI_DATABASE_URL="+databaseURL, "CHUANGDAI_ADDR="+addr,
		"CHUANGDAI_PASSWORD_COST=4", "CHUANGDAI_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	p := &proc{t: t, cmd: cmd, URL: "http://" + addr, logs: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not become ready; logs:\n%s", p.logs)
	return nil
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// do sends a JSON request and returns the status and decoded body.
func (p *proc) do(method, path, token string, body any, headers ...string) (int, map[string]any) {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func (p *proc) login(username, password string) string {
	p.t.Helper()
	status, m := p.do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
	if status != 200 {
		p.t.Fatalf("login %s: %d %v", username, status, m)
	}
	return m["token"].(string)
}

func requirePostgres(t *testing.T) string {
	t.Helper()
	if apptest.Engine() != "postgres" {
		t.Skip("several instances share one PostgreSQL database; SQLite serves a single instance (CI runs this with CHUANGDAI_TEST_DATABASE_URL)")
	}
	return apptest.DatabaseURL(t)
}

// A role change made through one instance is enforced by the other at once:
// every request reads the caller's roles from the shared database; directly
// and through PgBouncer's transaction pooling.
func TestRoleChangeSeenByOtherInstance(t *testing.T) {
	requirePostgres(t)
	for _, route := range apptest.Routes(t) {
		t.Run(route.Name, func(t *testing.T) { roleChangeSeenByOtherInstance(t, route.URL(apptest.DatabaseURL(t))) })
	}
}

func roleChangeSeenByOtherInstance(t *testing.T, db string) {
	t.Setenv("CHUANGDAI_DATABASE_URL", db)
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	if _, err := runCLI(t, "Process-pass-1\n", "user", "create", "--username", "admin", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	a := start(t, db)
	b := start(t, db)
	adminA := a.login("admin", "Process-pass-1")
	status, u := a.do("POST", "/api/v1/users", adminA, map[string]string{"username": "auditor.x", "password": "auditor-pass-1", "role": "finance_auditor"})
	if status != 201 {
		t.Fatalf("create user: %d %v", status, u)
	}
	// Tokens and the signing key are shared: a token from A works on B.
	tokB := b.login("auditor.x", "auditor-pass-1")
	if s, _ := b.do("GET", "/api/v1/audit-events", tokB, nil); s != 200 {
		t.Fatalf("auditor on B: %d", s)
	}
	id := fmt.Sprint(int64(u["id"].(float64)))
	if s, m := a.do("PATCH", "/api/v1/users/"+id, adminA, map[string]string{"role": "entrepreneur"}); s != 200 {
		t.Fatalf("role change on A: %d %v", s, m)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, _ := b.do("GET", "/api/v1/audit-events", tokB, nil)
		if s == 403 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still allows the old role 5 s after the change (status %d)", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Disabling through B ends the session on A.
	adminB := b.login("admin", "Process-pass-1")
	if s, _ := b.do("PATCH", "/api/v1/users/"+id, adminB, map[string]any{"disabled": true}); s != 200 {
		t.Fatal("disable on B failed")
	}
	tokA := tokB
	if s, _ := a.do("GET", "/api/v1/me", tokA, nil); s != 401 {
		t.Fatalf("disabled user still signed in on A: %d", s)
	}
}

// world of the kill test: officers and entrepreneurs made through the API.
type killWorld struct {
	hrss, guar, bank, bank2, hrssImport string
	owners                              []string
}

func setUpKillWorld(t *testing.T, p *proc, admin string, owners int) killWorld {
	t.Helper()
	mustDo := func(method, path, token string, body any, want int) map[string]any {
		t.Helper()
		s, m := p.do(method, path, token, body)
		if s != want {
			t.Fatalf("%s %s: %d %v", method, path, s, m)
		}
		return m
	}
	mustDo("POST", "/api/v1/districts", admin, map[string]string{"code": "411282", "name": "灵宝市"}, 201)
	mustDo("POST", "/api/v1/banks", admin, map[string]string{"code": "ICBC-SMX", "name": "工行"}, 201)
	user := func(name, role, district, bank string) string {
		body := map[string]string{"username": name, "password": "long-enough-1", "role": role}
		if district != "" {
			body["district_code"] = district
		}
		if bank != "" {
			body["bank_code"] = bank
		}
		mustDo("POST", "/api/v1/users", admin, body, 201)
		return p.login(name, "long-enough-1")
	}
	w := killWorld{
		hrss: user("hrss", "hrss_officer", "411282", ""), guar: user("guar", "guarantee_officer", "411282", ""),
		bank: user("bank", "bank_officer", "", "ICBC-SMX"), bank2: user("bank2", "bank_officer", "", "ICBC-SMX"),
		hrssImport: user("hrss.import", "hrss_officer", "411282", ""),
	}
	for i := range owners {
		tok := user(fmt.Sprintf("owner%d", i), "entrepreneur", "", "")
		id := killResidentID(i)
		_, app := p.do("POST", "/api/v1/applications", tok, map[string]any{
			"borrower_type": "individual", "name": "张伟", "national_id": id, "phone": "13800138000",
			"key_group": "returning_migrant_worker", "district_code": "411282", "bank_code": "ICBC-SMX",
			"amount": "100000.00", "term_months": 24, "business_name": "小店", "jobs_planned": 1, "not_employed": true,
		})
		appID := fmt.Sprint(app["id"])
		mustDo("POST", "/api/v1/applications/"+appID+"/submit", tok, nil, 200)
		w.owners = append(w.owners, appID)
	}
	return w
}

func killResidentID(n int) string {
	body := fmt.Sprintf("41128219880202%03d", n)
	return idnum.WithCheckDigit(body)
}

// drive decides and disburses every application as fast as it can, and
// imports a large roster, until the server dies.
func (w killWorld) drive(p *proc, roster []byte) {
	var wg sync.WaitGroup
	for _, id := range w.owners {
		wg.Go(func() {
			base := "/api/v1/applications/" + id
			steps := []struct {
				token string
				path  string
				body  map[string]any
			}{
				{w.hrss, "/decisions", map[string]any{"decision": "approve"}},
				{w.guar, "/decisions", map[string]any{"decision": "approve", "comment": "ok"}},
				{w.bank, "/decisions", map[string]any{"decision": "approve", "approved_amount": "100000.00", "annual_rate": "0.0350", "term_months": 24}},
			}
			for _, st := range steps {
				if s, _ := p.tryDo("POST", base+st.path, st.token, st.body); s != 200 {
					return
				}
			}
			p.tryDo("POST", base+"/disbursement", w.bank2, map[string]any{"amount": "100000.00", "disbursed_on": disbursedOn().Format(time.DateOnly), "bank_reference": "K-" + id}, "Idempotency-Key", "kill-"+id)
		})
	}
	wg.Go(func() {
		req, _ := http.NewRequest("POST", p.URL+"/api/v1/training-records/import", bytes.NewReader(roster))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+w.hrssImport)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	wg.Wait()
}

// tryDo is do without failing the test when the server is gone.
func (p *proc) tryDo(method, path, token string, body any, headers ...string) (int, map[string]any) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, p.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// A server killed with SIGKILL while it decides, disburses and imports leaves
// every record whole: each application's status is its last history entry,
// a disbursed application has exactly one loan and every loan a disbursed
// application, the roster is imported entirely or not at all, and the audit
// chain verifies. A retry with the same idempotency key completes the work.
func TestKilledServerLeavesNothingHalfWritten(t *testing.T) {
	db := apptest.DatabaseURL(t)
	t.Setenv("CHUANGDAI_DATABASE_URL", db)
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	if _, err := runCLI(t, "Process-pass-1\n", "user", "create", "--username", "admin", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	p := start(t, db)
	admin := p.login("admin", "Process-pass-1")
	w := setUpKillWorld(t, p, admin, 24)

	const rows = 60000
	var roster bytes.Buffer
	roster.WriteString("national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n")
	for i := range rows {
		fmt.Fprintf(&roster, "%s,张伟,SYB,灵宝市职业技术学校,2024-03-01,2024-03-10,KILL-%06d,411282\n", killResidentID(999), i)
	}
	// The kill comes once the first loan is in (decisions and disbursements
	// under way), not after a fixed time, which on a busy machine passed
	// before the server had done anything.
	driver, dsn := "sqlite", strings.TrimPrefix(db, "sqlite://")
	if apptest.Engine() == "postgres" {
		driver, dsn = "pgx", db
	}
	watch, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	done := make(chan struct{})
	go func() { w.drive(p, roster.Bytes()); close(done) }()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := watch.QueryRow("SELECT count(*) FROM loans").Scan(&n); err == nil && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no loan was disbursed within 2 minutes")
		}
	}
	p.kill()
	<-done

	p2 := start(t, db)
	a, err := app.Open(context.Background(), apptest.Config(db), apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := a.DB.SQL().QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	checks := map[string]string{
		"status differs from the last history entry": `SELECT count(*) FROM applications a WHERE a.status <> (SELECT h.to_status FROM application_history h WHERE h.application_id = a.id ORDER BY h.id DESC LIMIT 1)`,
		"disbursed application without a loan":       `SELECT count(*) FROM applications a WHERE a.status = 'disbursed' AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.application_id = a.id)`,
		"loan of an application not disbursed":       `SELECT count(*) FROM loans l JOIN applications a ON a.id = l.application_id WHERE a.status <> 'disbursed'`,
	}
	for what, q := range checks {
		if n := count(q); n != 0 {
			t.Errorf("%d × %s", n, what)
		}
	}
	t.Logf("after the kill: %d loans, %d applications still in review, %d roster rows",
		count(`SELECT count(*) FROM loans`), count(`SELECT count(*) FROM applications WHERE status LIKE '%review'`), count(`SELECT count(*) FROM training_records`))
	if n := count(`SELECT count(*) FROM training_records`); n != 0 && n != rows {
		t.Errorf("the killed import left %d of %d rows", n, rows)
	}
	adminTok := p2.login("admin", "Process-pass-1")
	if s, v := p2.do("GET", "/api/v1/audit-events/verify", adminTok, nil); s != 200 || v["ok"] != true {
		t.Errorf("audit chain after the kill: %d %v", s, v)
	}
	// Retrying every disbursement with its key completes it exactly once.
	bank2 := p2.login("bank2", "long-enough-1")
	for _, id := range w.owners {
		s, m := p2.tryDo("GET", "/api/v1/applications/"+id, bank2, nil)
		if s != 200 || m["status"] != "approved" && m["status"] != "disbursed" {
			continue
		}
		for range 2 {
			s, m := p2.tryDo("POST", "/api/v1/applications/"+id+"/disbursement", bank2,
				map[string]any{"amount": "100000.00", "disbursed_on": disbursedOn().Format(time.DateOnly), "bank_reference": "K-" + id}, "Idempotency-Key", "kill-"+id)
			if s != 201 && s != 409 {
				t.Errorf("retry of %s: %d %v", id, s, m)
			}
		}
	}
	if n := count(`SELECT count(*) FROM applications a WHERE a.status = 'approved'`); n != 0 {
		t.Errorf("%d approved applications left after the retries", n)
	}
	if n := count(`SELECT count(*) FROM (SELECT application_id FROM loans GROUP BY application_id HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d applications with two loans", n)
	}
}

// Three instances on one PostgreSQL, directly and through PgBouncer in
// transaction mode (pool 5): started by three `chuangdai migrate` at once
// on an empty database, they migrate it once; users sign in on one and
// decide on the others; an idempotency key sent to all of them at once makes
// one loan, replays the same answer on every instance and refuses another
// body; no advisory lock outlives the work that took it (a session lock
// would stay on PgBouncer's idle server connections); the daily job started
// in two processes at once runs its work once and runs again afterwards; a
// backup taken through the same URL restores through it with its audit
// chain intact.
func TestInstancesShareOneDatabase(t *testing.T) {
	requirePostgres(t)
	for _, route := range apptest.Routes(t) {
		t.Run(route.Name, func(t *testing.T) { instancesShareOneDatabase(t, route) })
	}
}

func instancesShareOneDatabase(t *testing.T, route apptest.Route) {
	db := route.URL(apptest.DatabaseURL(t))
	t.Setenv("CHUANGDAI_DATABASE_URL", db)
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(binary(t), args...)
		cmd.Env = append(os.Environ(), "CHUANGDAI_DATABASE_URL="+db, "CHUANGDAI_LOG_LEVEL=warn")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if out, err := cli("migrate"); err != nil {
				t.Errorf("migrate %d: %v: %s", i, err, out)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if _, err := runCLI(t, "Process-pass-1\n", "user", "create", "--username", "admin", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	small := "CHUANGDAI_DB_MAX_OPEN_CONNS=4"
	a, b, c := start(t, db, small), start(t, db, small), start(t, db, small)
	procs := []*proc{a, b, c}
	w := setUpKillWorld(t, a, a.login("admin", "Process-pass-1"), 6)
	for i, id := range w.owners {
		base := "/api/v1/applications/" + id
		for j, st := range []struct {
			token string
			body  map[string]any
		}{
			{w.hrss, map[string]any{"decision": "approve"}},
			{w.guar, map[string]any{"decision": "approve", "comment": "ok"}},
			{w.bank, map[string]any{"decision": "approve", "approved_amount": "100000.00", "annual_rate": "0.0350", "term_months": 24}},
		} {
			if s, m := procs[(i+j)%3].do("POST", base+"/decisions", st.token, st.body); s != 200 {
				t.Fatalf("decide %s: %d %v", id, s, m)
			}
		}
	}
	// bank2's token works on every instance.
	type answer struct {
		id     string
		status int
		loan   any
	}
	answers := make(chan answer, 6*len(w.owners))
	body := func(id string) map[string]any {
		return map[string]any{"amount": "100000.00", "disbursed_on": disbursedOn().Format(time.DateOnly), "bank_reference": "X-" + id}
	}
	for _, id := range w.owners {
		for _, p := range []*proc{a, b, c, a, b, c} {
			wg.Go(func() {
				s, m := p.do("POST", "/api/v1/applications/"+id+"/disbursement", w.bank2, body(id), "Idempotency-Key", "both-"+id)
				if s == 409 && m["code"] != "conflict" {
					// Two requests worked on the key at once: the second
					// found the application disbursed.
					t.Errorf("concurrent disbursement of %s: 409 %v, want conflict (the key is busy)", id, m)
				}
				answers <- answer{id, s, m["loan"]}
			})
		}
	}
	wg.Wait()
	close(answers)
	first := map[string]any{}
	for ans := range answers {
		switch ans.status {
		case 201:
			if prev, ok := first[ans.id]; ok && fmt.Sprint(prev) != fmt.Sprint(ans.loan) {
				t.Errorf("application %s: two different 201 answers", ans.id)
			}
			first[ans.id] = ans.loan
		case 409: // the first request was still running on another instance (code checked above)
		default:
			t.Errorf("concurrent disbursement answered %d", ans.status)
		}
	}
	if len(first) != len(w.owners) {
		t.Errorf("only %d of %d applications got a 201", len(first), len(w.owners))
	}
	for _, id := range w.owners {
		for _, p := range procs {
			s, m := p.do("POST", "/api/v1/applications/"+id+"/disbursement", w.bank2, body(id), "Idempotency-Key", "both-"+id)
			if s != 201 || fmt.Sprint(m["loan"]) != fmt.Sprint(first[id]) {
				t.Errorf("replay of %s on %s: %d %v", id, p.URL, s, m)
			}
			other := body(id)
			other["bank_reference"] = "Y-" + id
			if s, m := p.do("POST", "/api/v1/applications/"+id+"/disbursement", w.bank2, other, "Idempotency-Key", "both-"+id); s != 422 || m["code"] != "idempotency.mismatch" {
				t.Errorf("another body under the key on %s: %d %v", p.URL, s, m)
			}
		}
	}
	adm, err := app.Open(context.Background(), apptest.Config(db), apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	count := func(q string) int {
		var n int
		if err := adm.DB.SQL().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM loans`); n != len(w.owners) {
		t.Fatalf("%d loans for %d applications", n, len(w.owners))
	}
	entries, err := fs.ReadDir(migrations.FS, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`); n != len(entries) || count(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`) != n {
		t.Errorf("goose_db_version holds %d versions for %d migrations, or some twice", n, len(entries))
	}
	// Every lock ends with the transaction that took it. A lock left on a
	// connection (a session lock) stays there, through PgBouncer on a server
	// connection no instance owns any more. The instances are idle now; a
	// transaction of theirs still finishing lets go within seconds.
	noLocksLeft := func(after string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := count(`SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`)
			if n == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d advisory locks held 10 s after %s", n, after)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	noLocksLeft("the disbursements")

	// The daily job in two processes at once: every loan turns overdue once;
	// a run afterwards is not kept out by a lock left behind.
	outs := make([]string, 2)
	for i := range outs {
		wg.Go(func() {
			out, err := cli("jobs", "run-daily", "--date", overdueOn().Format(time.DateOnly))
			if err != nil {
				t.Errorf("job %d: %v: %s", i, err, out)
			}
			outs[i] = out
		})
	}
	wg.Wait()
	// Once: either one run did the work and the other found it running, or
	// they ran one after the other and the second found nothing to do;
	// never the work split between two runs at once.
	worked := 0
	for _, out := range outs {
		switch {
		case strings.Contains(out, "already running"), strings.Contains(out, " 0 became overdue"):
		case strings.Contains(out, fmt.Sprintf(" %d became overdue", len(w.owners))):
			worked++
		default:
			t.Errorf("daily job run: %q", out)
		}
	}
	if worked != 1 {
		t.Errorf("%d runs did the work (outputs: %q)", worked, outs)
	}
	if out, err := cli("jobs", "run-daily", "--date", overdueOn().AddDate(0, 0, 1).Format(time.DateOnly)); err != nil || !strings.Contains(out, "checked") {
		t.Errorf("a later run: %v: %s", err, out)
	}
	if n := count(`SELECT count(*) FROM audit_events WHERE action = 'loan.overdue'`); n != len(w.owners) {
		t.Errorf("%d overdue events for %d loans (outputs: %q)", n, len(w.owners), outs)
	}
	if n := count(`SELECT count(*) FROM loans WHERE status = 'overdue'`); n != len(w.owners) {
		t.Errorf("%d overdue loans of %d", n, len(w.owners))
	}
	noLocksLeft("the daily jobs")

	// A backup through the same URL, restored the same way into a new
	// database: restore's own check opens it through that route too.
	file := filepath.Join(t.TempDir(), "backup.dump")
	if out, err := cli("backup", "--to", file); err != nil {
		t.Fatalf("backup: %v: %s", err, out)
	}
	restored := route.URL(apptest.DatabaseURL(t))
	cmd := exec.Command(binary(t), "restore", "--from", file)
	cmd.Env = append(os.Environ(), "CHUANGDAI_DATABASE_URL="+restored, "CHUANGDAI_LOG_LEVEL=warn")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "audit chain verified") {
		t.Fatalf("restore: %v: %s", err, out)
	}
}
