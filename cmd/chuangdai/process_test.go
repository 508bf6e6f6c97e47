package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// These tests run the real binary as separate processes.

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
// every request reads the caller's roles from the shared database.
func TestRoleChangeSeenByOtherInstance(t *testing.T) {
	db := requirePostgres(t)
	t.Setenv("CHUANGDAI_DATABASE_URL", db)
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	if _, err := runCLI(t, "admin-password-1\n", "user", "create", "--username", "admin", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	a := start(t, db)
	b := start(t, db)
	adminA := a.login("admin", "admin-password-1")
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
	adminB := b.login("admin", "admin-password-1")
	if s, _ := b.do("PATCH", "/api/v1/users/"+id, adminB, map[string]any{"disabled": true}); s != 200 {
		t.Fatal("disable on B failed")
	}
	tokA := tokB
	if s, _ := a.do("GET", "/api/v1/me", tokA, nil); s != 401 {
		t.Fatalf("disabled user still signed in on A: %d", s)
	}
}
