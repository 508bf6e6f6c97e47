package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"chuangdai/internal/requestid"
)

func TestPanicBecomesProblemWithRequestID(t *testing.T) {
	var logs bytes.Buffer
	a := &api{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(a.requestID, a.recoverPanic)
	e.GET("/boom", func(*gin.Context) { panic("database password is hunter2") })

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	req.Header.Set("X-Request-ID", "req-0123456789")
	e.ServeHTTP(rec, req)

	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != "internal" || p.RequestID != "req-0123456789" || strings.Contains(rec.Body.String(), "hunter2") {
		t.Fatalf("problem = %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "req-0123456789") {
		t.Fatalf("the panic was not logged with the request id: %s", logs.String())
	}
}

func TestRequestIDIsGeneratedWhenMissingOrMalformed(t *testing.T) {
	a := &api{log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
	e := gin.New()
	e.Use(a.requestID)
	e.GET("/", func(c *gin.Context) { c.Status(204) })
	for _, sent := range []string{"", "bad id with spaces\n"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Request-ID", sent)
		e.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-ID")
		if got == "" || got == sent {
			t.Errorf("sent %q, got %q", sent, got)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-Request-ID", "req-0123456789")
	e.ServeHTTP(rec, req)
	if got := rec.Header().Values("X-Request-ID"); !slices.Equal(got, []string{"req-0123456789"}) {
		t.Errorf("a well-formed id comes back as %q", got)
	}
}

// A body is bounded by the limit also when its length is not announced
// (chunked), and a request without a body passes untouched.
func TestBodyLimit(t *testing.T) {
	a := &api{log: slog.New(slog.NewJSONHandler(io.Discard, nil)), bodyLimits: map[string]int64{"POST /small": 8}, Deps: Deps{MaxBodyBytes: 16}}
	e := gin.New()
	e.Use(a.requestID, a.limitBody)
	read := func(c *gin.Context) {
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			c.String(http.StatusRequestEntityTooLarge, err.Error())
			return
		}
		c.String(200, "%d", len(b))
	}
	e.POST("/big", read)
	e.POST("/small", read)
	e.GET("/big", read)
	for _, tc := range []struct {
		method, path, body string
		announced          bool
		status             int
		answer             string
	}{
		{"POST", "/big", strings.Repeat("x", 16), false, 200, "16"},
		{"POST", "/big", strings.Repeat("x", 17), false, 413, "http: request body too large"},
		{"POST", "/small", strings.Repeat("x", 9), false, 413, "http: request body too large"},
		{"POST", "/small", strings.Repeat("x", 9), true, 413, ""},
		{"POST", "/big", "", true, 200, "0"},
		{"GET", "/big", "", true, 200, "0"},
	} {
		var body io.Reader = strings.NewReader(tc.body)
		if !tc.announced {
			body = io.MultiReader(body)
		}
		req := httptest.NewRequest(tc.method, tc.path, body)
		if tc.body == "" {
			req = httptest.NewRequest(tc.method, tc.path, nil)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != tc.status || tc.answer != "" && rec.Body.String() != tc.answer {
			t.Errorf("%s %s of %d bytes (announced %v): %d %s", tc.method, tc.path, len(tc.body), tc.announced, rec.Code, rec.Body)
		}
		if tc.status == 413 && tc.announced && !strings.Contains(rec.Body.String(), "request_too_large") {
			t.Errorf("%s %s: %s", tc.method, tc.path, rec.Body)
		}
	}
}

// Requests counted from several goroutines at once, under series new and
// old, are all counted.
func TestMetricsCountConcurrentRequests(t *testing.T) {
	m := newMetrics(prometheus.NewRegistry())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				m.observe(fmt.Sprintf("/r/%d", i%5), "GET", 200+g%2, time.Millisecond)
			}
		})
	}
	wg.Wait()
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for r := range 5 {
		for _, status := range []int{200, 201} {
			want := fmt.Sprintf(`chuangdai_http_requests_total{method="GET",route="/r/%d",status="%d"} 80`, r, status)
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	}
}

func TestClientGoneIsNotAnError(t *testing.T) {
	var logs bytes.Buffer
	a := &api{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	e := gin.New()
	e.Use(a.requestID)
	e.GET("/slow", func(c *gin.Context) { a.fail(c, fmt.Errorf("load session: %w", context.Canceled)) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slow", nil).WithContext(ctx))
	if rec.Code != 499 || strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("status %d, logs %s", rec.Code, logs.String())
	}
}

// The access log line keeps the fields operators read (README, Health,
// metrics, logs), each request is counted under its route, method and
// status, and every answer carries the security headers, also after a
// handler added to one of them.
func TestAccessLogMetricsAndHeadersPerRequest(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	a := &api{log: slog.New(slog.NewJSONHandler(&logs, nil)), metrics: newMetrics(reg)}
	e := gin.New()
	e.Use(a.requestID, a.accessLog, a.securityHeaders)
	e.GET("/items/:id", func(c *gin.Context) {
		requestid.SetUser(c.Request.Context(), 42)
		if c.Param("id") == "7" {
			c.Writer.Header().Add("Cache-Control", "private")
		}
		c.String(200, "hello")
	})
	e.GET("/gone", func(c *gin.Context) { c.Status(404) })
	for _, path := range []string{"/items/7", "/items/8", "/gone", "/items/9"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("X-Request-ID", "req-"+strings.Repeat("x", 8)+path[len(path)-1:])
		e.ServeHTTP(rec, req)
		h := rec.Header()
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("%s: security headers %v", path, h)
		}
		want := []string{"no-store"}
		if path == "/items/7" {
			want = append(want, "private")
		}
		if got := h.Values("Cache-Control"); !slices.Equal(got, want) {
			t.Fatalf("%s: Cache-Control %v, want %v", path, got, want)
		}
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d log lines: %s", len(lines), logs.String())
	}
	var first, gone map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[2]), &gone); err != nil {
		t.Fatal(err)
	}
	if first["msg"] != "request" || first["level"] != "INFO" || first["request_id"] != "req-xxxxxxxx7" || first["method"] != "GET" ||
		first["route"] != "/items/:id" || first["status"] != float64(200) || first["bytes"] != float64(5) || first["user_id"] != float64(42) {
		t.Fatalf("log line %s", lines[0])
	}
	if _, ok := first["duration_ms"].(float64); !ok {
		t.Fatalf("log line without duration_ms: %s", lines[0])
	}
	for i, want := range [][]string{
		{"time", "level", "msg", "request_id", "method", "route", "status", "duration_ms", "bytes", "user_id"},
		{"time", "level", "msg", "request_id", "method", "route", "status", "duration_ms", "bytes"},
	} {
		if got := keysOf(t, lines[2*i]); !slices.Equal(got, want) {
			t.Fatalf("log line %s: keys %v, want %v", lines[2*i], got, want)
		}
	}
	if _, ok := gone["user_id"]; ok || gone["status"] != float64(404) || gone["route"] != "/gone" {
		t.Fatalf("log line %s", lines[2])
	}
	rec := httptest.NewRecorder()
	a.metrics.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`chuangdai_http_requests_total{method="GET",route="/items/:id",status="200"} 3`,
		`chuangdai_http_requests_total{method="GET",route="/gone",status="404"} 1`,
		`chuangdai_http_request_duration_seconds_count{method="GET",route="/items/:id"} 3`,
		`chuangdai_http_request_duration_seconds_count{method="GET",route="/gone"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// keysOf returns the keys of the JSON object line in their order.
func keysOf(t *testing.T, line string) []string {
	t.Helper()
	var keys []string
	d := json.NewDecoder(strings.NewReader(line))
	if _, err := d.Token(); err != nil {
		t.Fatal(err)
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// BenchmarkMiddlewareChain is the middleware every request runs, in the
// router's order, around a handler that names its caller and answers five
// bytes: what a request pays before and after its handler.
func BenchmarkMiddlewareChain(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	a := &api{log: slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics: newMetrics(prometheus.NewRegistry()),
		bodyLimits: map[string]int64{}, Deps: Deps{MaxBodyBytes: 1 << 20}}
	e := gin.New()
	e.ContextWithFallback = true
	e.Use(a.requestID, a.recoverPanic, a.accessLog, a.securityHeaders, a.limitBody)
	e.GET("/api/v1/loans/:id", func(c *gin.Context) {
		requestid.SetUser(c.Request.Context(), 4242)
		c.String(200, "hello")
	})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/loans/17", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e.ServeHTTP(w, req)
	}
}

// discardWriter is a ResponseWriter that keeps nothing but its header map.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
