// Package httpapi is the HTTP face of chuangdai: the gin router, middleware,
// request and response shapes, problem+json errors and the OpenAPI document.
// A handler binds a request, calls one service method with the principal and
// maps the result; rules and permissions live in the services.
package httpapi

import (
	"context"
	"crypto/subtle"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/document"
	"chuangdai/internal/fund"
	"chuangdai/internal/idempotency"
	"chuangdai/internal/identity"
	"chuangdai/internal/loan"
	"chuangdai/internal/notify"
	"chuangdai/internal/refdata"
	"chuangdai/internal/report"
	"chuangdai/internal/requestid"
	"chuangdai/internal/support"
	"chuangdai/internal/user"
	"chuangdai/internal/worklist"
)

// Deps are the services the API calls.
type Deps struct {
	Log          *slog.Logger
	Users        *user.Service
	Refdata      *refdata.Service
	Applications *application.Service
	Support      *support.Service
	Identity     *identity.Service
	Loans        *loan.Service
	Fund         *fund.Service
	Reports      *report.Service
	Worklist     *worklist.Service
	Documents    *document.Service
	// Notifications answers the inbox and the SMS settings.
	Notifications *notify.Service
	Keys          *idempotency.Keys
	Audit         *audit.Service
	Ready         func(ctx context.Context) error
	Registry      *prometheus.Registry
	// Web is the browser UI's static files, served at /.
	Web fs.FS
	// TrustedProxies are the proxies whose X-Forwarded-For names the client.
	TrustedProxies []string
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// MaxImportBytes bounds the bodies of routes that take a file (imports).
	MaxImportBytes int64
	// MetricsElsewhere leaves /metrics off this router: it is served on an
	// address of its own (Server.Metrics).
	MetricsElsewhere bool
	// MetricsToken, when set, is the bearer token /metrics needs; without
	// it /metrics answers only requests from this machine.
	MetricsToken string
}

// Route describes one endpoint; the router, the OpenAPI document and the
// authorization tests are all built from the same list.
type Route struct {
	Method  string
	Path    string // OpenAPI style: /api/v1/applications/{id}
	Summary string
	Tag     string
	Public  bool
	Status  int // success status
	// AlsoStatus are other success statuses with the same body (such as
	// 200 for a request that finds its work done already).
	AlsoStatus []int
	Request    any // request body shape, or nil
	// Response is the success body shape, or nil for a body-less answer.
	Response any
	Query    []Param
	Headers  []Header
	Errors   []int
	// BodyLimit replaces MaxBodyBytes for this route when above 0.
	BodyLimit int64
	// Upload marks a body that is a CSV or XLSX file, raw or as the multipart field "file".
	Upload bool
	// Download marks an answer that is a CSV or XLSX file.
	Download bool
	// Exports marks a JSON answer that is a CSV or XLSX file instead when
	// the query asks for one (format=csv or xlsx).
	Exports bool
	// Form is the fields of a multipart/form-data body (Type "file" for a
	// file), for a route that takes one.
	Form []Param
	// Produces lists the media types of an answer that is a file of one of
	// them.
	Produces []string
	// WhilePasswordExpired lets a caller whose password has expired through
	// (reading their account, changing the password, signing out); every
	// other route answers 403 auth.password_expired to them.
	WhilePasswordExpired bool
	handler              func(c *gin.Context, p auth.Principal) error
	public               func(c *gin.Context) error
}

// Param is a query parameter.
type Param struct {
	Name, Type, Description string
}

// Header is a request header a route reads.
type Header struct {
	Name, Description string
	Required          bool
}

// The request headers some routes read.
var (
	idempotencyHeader = Header{Name: "Idempotency-Key", Required: true,
		Description: "a fresh random key per money action; the same key with the same body replays the first answer"}
	ifMatchHeader = Header{Name: "If-Match",
		Description: `the ETag of the copy the change was made on, such as "3"; a stale one answers 409 conflict`}
)

type api struct {
	Deps
	log    *slog.Logger
	routes []Route
	// bodyLimits are the routes whose body limit is not MaxBodyBytes.
	bodyLimits map[string]int64
	engine     *gin.Engine
	metrics    *metrics
}

// Server is the built HTTP handler with its route table.
type Server struct {
	http.Handler
	Routes []Route
	// Metrics is the Prometheus handler alone, for a listener of its own.
	Metrics http.Handler
	// OpenAPI is the document served at /api/openapi.json.
	OpenAPI []byte
	engine  *gin.Engine
}

// Served lists every "METHOD /path" the router answers, paths in OpenAPI style.
func (s *Server) Served() []string {
	var out []string
	for _, r := range s.engine.Routes() {
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		out = append(out, r.Method+" "+strings.Join(parts, "/"))
	}
	return out
}

// New builds the router.
func New(d Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		panic(err) // config.Validate has checked every entry
	}
	a := &api{Deps: d, log: d.Log, engine: e, metrics: newMetrics(d.Registry), bodyLimits: map[string]int64{}}
	e.Use(a.requestID, a.recoverPanic, a.accessLog, a.securityHeaders, a.limitBody)
	e.NoRoute(func(c *gin.Context) {
		writeProblem(c, http.StatusNotFound, apperr.Newf(apperr.NotFound, "not_found", "no such endpoint: %s %s (see /api/openapi.json)", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		writeProblem(c, http.StatusMethodNotAllowed, apperr.Newf(apperr.BadRequest, "method_not_allowed", "%s is not allowed on %s (see /api/openapi.json)", c.Request.Method, c.Request.URL.Path))
	})
	a.operations()
	a.routesAuth()
	a.routesAccount()
	a.routesRefdata()
	a.routesAudit()
	a.routesApplications()
	a.routesSupport()
	a.routesProfiles()
	a.routesLoans()
	a.routesLoanOps()
	a.routesFund()
	a.routesReports()
	a.routesWorklist()
	a.routesDocuments()
	a.routesNotifications()
	a.routesCorrections()
	doc := a.openAPI()
	e.GET("/api/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", doc) })
	a.web()
	return &Server{Handler: e, Routes: a.routes, Metrics: a.metrics.handler(), OpenAPI: doc, engine: e}
}

// add registers r with gin and keeps it for the OpenAPI document.
func (a *api) add(r Route) {
	a.routes = append(a.routes, r)
	if r.BodyLimit > 0 {
		a.bodyLimits[r.Method+" "+ginPath(r.Path)] = r.BodyLimit
	}
	path := ginPath(r.Path)
	a.engine.Handle(r.Method, path, func(c *gin.Context) {
		if r.Upload || r.Form != nil {
			defer drain(c)
		}
		var err error
		if r.Public {
			if err = refuseNULInURL(c); err == nil {
				err = r.public(c)
			}
		} else {
			var p auth.Principal
			p, err = a.authenticate(c)
			if err == nil {
				requestid.SetUser(c.Request.Context(), int64(p.UserID))
				err = refuseNULInURL(c)
			}
			if err == nil && p.PasswordExpired && !r.WhilePasswordExpired {
				err = errPasswordExpired
			}
			if err == nil {
				err = r.handler(c, p)
			}
		}
		if err != nil {
			a.fail(c, err)
		}
	})
}

// drain reads what is left of an upload's body (up to its limit) after an
// early answer, such as a refused file: a client still sending it would
// otherwise meet a closed connection instead of the answer.
func drain(c *gin.Context) {
	_, _ = io.Copy(io.Discard, c.Request.Body)
}

func ginPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(parts, "/")
}

var errNoToken = apperr.New(apperr.Unauthenticated, "auth.unauthenticated",
	"sign in first: send Authorization: Bearer <token> from POST /api/v1/auth/login")

var errPasswordExpired = apperr.New(apperr.Forbidden, "auth.password_expired",
	"your password has expired: set a new one with POST /api/v1/me/password, then sign in again")

func (a *api) authenticate(c *gin.Context) (auth.Principal, error) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return auth.Principal{}, errNoToken
	}
	return a.Users.Authenticate(c.Request.Context(), strings.TrimSpace(token))
}

// operations registers health, readiness and metrics.
func (a *api) operations() {
	a.engine.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	a.engine.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := a.Ready(ctx); err != nil {
			a.log.Warn("not ready", "error", err.Error())
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Unavailable {
				e = apperr.New(apperr.Unavailable, "unavailable", "the database does not answer")
			}
			writeProblem(c, http.StatusServiceUnavailable, e)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
	if !a.MetricsElsewhere {
		a.engine.GET("/metrics", a.guardMetrics, gin.WrapH(a.metrics.handler()))
	}
}

// guardMetrics lets through a request with the metrics token, or, when no
// token is configured, a request from this machine that no proxy forwarded.
// The figures name every route and its traffic: not for outsiders.
func (a *api) guardMetrics(c *gin.Context) {
	if a.MetricsToken != "" {
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.MetricsToken)) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
			writeProblem(c, http.StatusUnauthorized, apperr.New(apperr.Unauthenticated, "auth.unauthenticated",
				"send Authorization: Bearer <token> with the metrics token (CHUANGDAI_METRICS_TOKEN)"))
		}
		return
	}
	if !fromThisMachine(c.Request) {
		writeProblem(c, http.StatusForbidden, apperr.New(apperr.Forbidden, "forbidden",
			"metrics are served to this machine only: set CHUANGDAI_METRICS_TOKEN or CHUANGDAI_METRICS_ADDR to read them from elsewhere"))
	}
}

// fromThisMachine reports whether r came over loopback straight from its
// client: a proxy on this machine forwards with one of the headers below.
func fromThisMachine(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// web serves the browser UI.
func (a *api) web() {
	if a.Web == nil {
		return
	}
	files := http.FileServer(http.FS(noListing{a.Web}))
	serve := func(c *gin.Context) {
		c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; frame-src blob:; style-src 'self'; script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		files.ServeHTTP(c.Writer, c.Request)
	}
	a.engine.GET("/", serve)
	a.engine.HEAD("/", serve)
	a.engine.GET("/assets/*file", serve)
}

// noListing hides directories that have no index.html, so the file server
// answers 404 instead of listing what they hold.
type noListing struct{ fs.FS }

func (n noListing) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if st.IsDir() {
		index, err := fs.Stat(n.FS, path.Join(name, "index.html"))
		if err != nil || index.IsDir() {
			_ = f.Close()
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
	}
	return f, nil
}
