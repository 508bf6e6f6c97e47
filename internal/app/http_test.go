package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/user"
)

// serve runs a on a fresh loopback port until the test ends and returns
// its base URL.
func serve(t *testing.T, a *app.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitListening returns once addr accepts connections: ServeListener opens
// the metrics address in its own goroutine, after the test's listener.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for tries := 0; ; tries++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			return
		}
		if tries == 500 {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func open(t *testing.T, edit func(*config.Config)) *app.App {
	t.Helper()
	cfg := apptest.Config(apptest.DatabaseURL(t))
	edit(&cfg)
	a, err := app.Open(context.Background(), cfg, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

const metricsLine = "chuangdai_http_requests_total"

// Without a token or an address of their own, metrics answer only this
// machine: a request a proxy forwarded is refused.
func TestMetricsOnlyForThisMachineByDefault(t *testing.T) {
	base := serve(t, apptest.New(t))
	get(t, base+"/healthz")
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, metricsLine) {
		t.Fatalf("metrics from this machine: %d %.200s", code, body)
	}
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
		if code, body := get(t, base+"/metrics", h, "203.0.113.9"); code != 403 || strings.Contains(body, metricsLine) {
			t.Errorf("metrics forwarded with %s: %d %.200s", h, code, body)
		}
	}
}

// CHUANGDAI_METRICS_TOKEN: /metrics needs it as a bearer token.
func TestMetricsBehindAToken(t *testing.T) {
	token := strings.Repeat("m", 40)
	base := serve(t, open(t, func(c *config.Config) { c.MetricsToken = token }))
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + token + "x", token} {
		if code, body := get(t, base+"/metrics", "Authorization", auth); code != 401 || strings.Contains(body, metricsLine) {
			t.Errorf("metrics with %q: %d %.200s", auth, code, body)
		}
	}
	if code, body := get(t, base+"/metrics", "Authorization", "Bearer "+token, "X-Forwarded-For", "203.0.113.9"); code != 200 || !strings.Contains(body, metricsLine) {
		t.Fatalf("metrics with the token: %d %.200s", code, body)
	}
}

// CHUANGDAI_METRICS_ADDR: metrics on their own address, and only there.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	addr := freeAddr(t)
	base := serve(t, open(t, func(c *config.Config) { c.MetricsAddr = addr }))
	waitListening(t, addr)
	if code, _ := get(t, base+"/metrics"); code != 404 {
		t.Errorf("main address still serves metrics: %d", code)
	}
	if code, body := get(t, "http://"+addr+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics address: %d %.200s", code, body)
	}
	for _, p := range []string{"/", "/healthz", "/api/v1/me"} {
		if code, _ := get(t, "http://"+addr+p); code != 404 {
			t.Errorf("metrics address serves %s: %d", p, code)
		}
	}
}

// Read timeouts are seconds: a client that never finishes its headers is
// cut off after the header timeout instead of holding the connection.
func TestSlowHeadersAreCutOff(t *testing.T) {
	d := config.Defaults()
	if d.ReadHeaderTimeout > 10*time.Second || d.ReadTimeout >= time.Minute {
		t.Fatalf("default read timeouts %s / %s: want seconds", d.ReadHeaderTimeout, d.ReadTimeout)
	}
	a := open(t, func(c *config.Config) { c.ReadHeaderTimeout = time.Second; c.ReadTimeout = 2 * time.Second })
	srv := a.HTTPServer(context.Background(), a.Server)
	if srv.ReadHeaderTimeout != time.Second || srv.ReadTimeout != 2*time.Second {
		t.Fatalf("server timeouts %s / %s, configured 1s / 2s", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
	base := serve(t, a)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// A generous bound so that a server which never cuts the connection
	// fails the test instead of hanging it.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a connection whose headers never ended")
	}
}

// A delay imposed on an account after failed sign-ins is logged, with the
// account and the address, for the administrators who watch the log.
func TestSignInDelaysAreLogged(t *testing.T) {
	var logs syncBuffer
	a, err := app.Open(context.Background(), apptest.Config(apptest.DatabaseURL(t)), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	ctx := context.Background()
	if _, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "watched", Password: apptest.Password, Role: "finance_auditor"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := a.Users.Login(ctx, "watched", "Wrong-password-1", "198.51.100.23"); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"sign-in delayed after failed attempts"`) || !strings.Contains(out, `"username":"watched"`) ||
		!strings.Contains(out, `"address":"198.51.100.23"`) || !strings.Contains(out, `"failures":5`) {
		t.Fatalf("no log of the delay:\n%s", out)
	}
}
