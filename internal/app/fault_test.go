package app_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
)

// cutProxy forwards TCP to target until cut; after restore it forwards again.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// The database going away makes /readyz answer 503 and requests fail with
// a clean problem; when it comes back, the same process heals by itself.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	if apptest.Engine() != "postgres" {
		t.Skip("an embedded SQLite database cannot go away; CI runs this on PostgreSQL")
	}
	dbURL := apptest.DatabaseURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	ctx := context.Background()
	a, err := app.Open(ctx, apptest.Config(u.String()), apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "admin", Password: "long-enough-1", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	s := apptest.Attach(t, a)
	s.AdminToken = s.Login("admin", "long-enough-1")
	s.Do("GET", "/readyz", "", nil).Want(200)

	proxy.cut()
	s.Do("GET", "/readyz", "", nil).WantProblem(503, "unavailable")
	s.Do("GET", "/api/v1/districts", s.AdminToken, nil).WantProblem(503, "unavailable")
	s.Do("GET", "/healthz", "", nil).Want(200)

	proxy.restore()
	deadline := time.Now().Add(10 * time.Second)
	for s.Do("GET", "/readyz", "", nil).Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("did not recover after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Do("GET", "/api/v1/districts", s.AdminToken, nil).Want(200)
	s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": "411200", "name": "市本级"}).Want(201)
}
