package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"sync"
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
func (a *api) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !requestIDPattern.MatchString(id) {
		id = requestid.New()
	}
	c.Header("X-Request-ID", id)
	c.Request = c.Request.WithContext(requestid.With(c.Request.Context(), id))
	c.Next()
}

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
// The attributes are typed (LogAttrs), not pairs to convert per request.
func (a *api) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	a.metrics.observe(route, c.Request.Method, status, elapsed)
	if !a.log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	attrs := [7]slog.Attr{
		slog.String("request_id", requestid.From(c.Request.Context())),
		slog.String("method", c.Request.Method), slog.String("route", route), slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.Int("bytes", c.Writer.Size()),
	}
	n := 6
	if uid, ok := c.Get("user_id"); ok {
		attrs[n] = slog.Any("user_id", uid)
		n++
	}
	a.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs[:n]...)
}

// securityHeaderValues are the headers securityHeaders sets on every
// answer, made once: each value is a slice of length and capacity one, so
// that a handler adding to a header gets a new slice and leaves these be.
var securityHeaderValues = map[string][]string{
	"X-Content-Type-Options": {"nosniff"},
	"X-Frame-Options":        {"DENY"},
	"Referrer-Policy":        {"no-referrer"},
	"Cache-Control":          {"no-store"},
}

func (a *api) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	for k, v := range securityHeaderValues {
		h[k] = v[:1:1]
	}
	c.Next()
}

func (a *api) limitBody(c *gin.Context) {
	limit := a.MaxBodyBytes
	if l, ok := a.bodyLimits[c.Request.Method+" "+c.FullPath()]; ok {
		limit = l
	}
	if c.Request.Body != nil && limit > 0 {
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
	// label values.
	observers sync.Map // observerKey → observer
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
	o, ok := m.observers.Load(k)
	if !ok {
		o, _ = m.observers.LoadOrStore(k, observer{
			requests: m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			latency:  m.latency.WithLabelValues(route, method),
		})
	}
	ob := o.(observer)
	ob.requests.Inc()
	ob.latency.Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
