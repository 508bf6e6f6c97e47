package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"chuangdai/internal/apperr"
	"chuangdai/internal/requestid"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID takes a well-formed X-Request-ID from the client or makes one.
// The header is read and written under its canonical name directly, as
// Header.Get and Header.Set would after canonicalising "X-Request-ID"
// (a fresh string every time).
func (a *api) requestID(c *gin.Context) {
	var id string
	if v := c.Request.Header[requestIDHeader]; len(v) > 0 {
		id = v[0]
	}
	if !requestIDPattern.MatchString(id) {
		id = requestid.New()
	}
	c.Writer.Header()[requestIDHeader] = []string{id}
	c.Request = c.Request.WithContext(requestid.With(c.Request.Context(), id))
	c.Next()
}

// requestIDHeader is X-Request-ID in canonical form.
const requestIDHeader = "X-Request-Id"

// recoverPanic turns a panic into a 500 problem with the request id.
func (a *api) recoverPanic(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			a.log.Error("panic", "request_id", requestid.From(c.Request.Context()), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				writeProblem(c, http.StatusInternalServerError, apperr.New(apperr.Internal, "internal", "internal error: the request id identifies it in the server log"))
			}
		}
	}()
	c.Next()
}

// accessLog writes one JSON line per request. It logs the route template, not
// the raw path or query, so personal data in URLs never reaches the log.
// The attributes are typed, not pairs to convert per request (the user id,
// which authentication records with requestid.SetUser, an int64, not a
// value for encoding/json), and the record goes to the
// handler directly: Logger.LogAttrs would look up the caller's program
// counter for a source no handler of ours logs (none sets AddSource).
func (a *api) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	now := time.Now()
	elapsed := now.Sub(start)
	a.metrics.observe(route, c.Request.Method, status, elapsed)
	h := a.log.Handler()
	if !h.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	attrs := [7]slog.Attr{
		slog.String("request_id", requestid.From(c.Request.Context())),
		slog.String("method", c.Request.Method), slog.String("route", route), slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.Int("bytes", c.Writer.Size()),
	}
	n := 6
	if uid, ok := requestid.User(c.Request.Context()); ok {
		attrs[n] = slog.Int64("user_id", uid)
		n++
	}
	r := slog.NewRecord(now, slog.LevelInfo, "request", 0)
	r.AddAttrs(attrs[:n]...)
	_ = h.Handle(context.Background(), r)
}

// The headers securityHeaders sets on every answer, made once: each value
// is a slice of length and capacity one, so that a handler adding to a
// header gets a new slice and leaves these be.
var (
	noSniff    = []string{"nosniff"}
	frameDeny  = []string{"DENY"}
	noReferrer = []string{"no-referrer"}
	noStore    = []string{"no-store"}
)

// securityHeaders sets them by assignment under their canonical names.
func (a *api) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h["X-Content-Type-Options"] = noSniff
	h["X-Frame-Options"] = frameDeny
	h["Referrer-Policy"] = noReferrer
	h["Cache-Control"] = noStore
	c.Next()
}

// limitBody bounds the body of a request that has one. A request without
// (a GET: the server gives it http.NoBody) has nothing to bound.
func (a *api) limitBody(c *gin.Context) {
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		c.Next()
		return
	}
	limit := a.MaxBodyBytes
	if l, ok := a.bodyLimits[c.Request.Method+" "+c.FullPath()]; ok {
		limit = l
	}
	if limit > 0 {
		if c.Request.ContentLength > limit {
			writeProblem(c, http.StatusRequestEntityTooLarge, apperr.Newf(apperr.TooLarge, "request_too_large", "the body is larger than %d bytes", limit))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// observers are the counter and histogram of each route, method and
	// status seen, so that a request finds its series without hashing
	// label values: a map never changed once stored (a new series stores
	// a copy with it, under mu), read without a lock or boxing its key.
	observers atomic.Pointer[map[observerKey]observer]
	mu        sync.Mutex
}

type observerKey struct {
	route, method string
	status        int
}

type observer struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newMetrics(reg *prometheus.Registry) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chuangdai_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chuangdai_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts one request and its latency. The route is a template (or
// "unmatched") and the method one a route names or the router refused, so
// the series stay as few as the label values already made them.
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	k := observerKey{route, method, status}
	o, ok := m.observer(k)
	if !ok {
		o = m.add(k)
	}
	o.requests.Inc()
	o.latency.Observe(d.Seconds())
}

func (m *metrics) observer(k observerKey) (observer, bool) {
	if all := m.observers.Load(); all != nil {
		o, ok := (*all)[k]
		return o, ok
	}
	return observer{}, false
}

// add stores the series of k, unless another request just did.
func (m *metrics) add(k observerKey) observer {
	m.mu.Lock()
	defer m.mu.Unlock()
	if o, ok := m.observer(k); ok {
		return o
	}
	o := observer{
		requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)),
		latency:  m.latency.WithLabelValues(k.route, k.method),
	}
	var all map[observerKey]observer
	if old := m.observers.Load(); old != nil {
		all = maps.Clone(*old)
	}
	if all == nil {
		all = map[observerKey]observer{}
	}
	all[k] = o
	m.observers.Store(&all)
	return o
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
