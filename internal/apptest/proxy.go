package apptest

import (
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections to a database server and fails on demand,
// the way networks and servers fail: Cut closes every connection and
// refuses new ones (a stopped server); Hole stops forwarding anything while
// every connection stays open on both sides (a network that drops
// everything: nobody learns that the other side is gone); Restore forwards
// new connections again (connections caught in a hole stay dead).
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	hole   bool
	pairs  []*pair
}

type pair struct {
	client, server net.Conn
	holed          atomic.Bool
}

// NewProxy starts a proxy to target (host:port), stopped when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	t.Cleanup(p.close)
	go p.serve()
	return p
}

// Through returns databaseURL with its host replaced by a new proxy to it.
func Through(t testing.TB, databaseURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	return p, u.String()
}

// Addr is the proxy's address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		switch {
		case p.down:
			c.Close()
		case p.hole:
			// Accepted, then nothing: the client waits for an answer.
			pr := &pair{client: c}
			pr.holed.Store(true)
			p.pairs = append(p.pairs, pr)
			go pr.pipe(nil, c)
		default:
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				break
			}
			pr := &pair{client: c, server: up}
			p.pairs = append(p.pairs, pr)
			go pr.pipe(up, c)
			go pr.pipe(c, up)
		}
		p.mu.Unlock()
	}
}

// pipe copies src to dst until src ends; once the pair is holed it reads
// and drops, and never tells dst that src went away.
func (pr *pair) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && dst != nil && !pr.holed.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			break
		}
	}
	if dst != nil && !pr.holed.Load() {
		dst.Close()
	}
}

// Cut closes every connection and refuses new ones until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	p.closePairs()
}

// Hole stops forwarding on every connection, open ones and new ones, until
// Restore; nobody is told.
func (p *Proxy) Hole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hole = true
	for _, pr := range p.pairs {
		pr.holed.Store(true)
	}
}

// Restore forwards new connections again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down, p.hole = false, false
}

func (p *Proxy) closePairs() {
	for _, pr := range p.pairs {
		pr.client.Close()
		if pr.server != nil {
			pr.server.Close()
		}
	}
	p.pairs = nil
}

func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	p.closePairs()
}
