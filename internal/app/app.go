// Package app is the composition root: it builds the database, stores,
// enforcer, services and router from the configuration, and runs the server.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/crypt"
	"chuangdai/internal/document"
	"chuangdai/internal/filestore"
	"chuangdai/internal/fund"
	"chuangdai/internal/httpapi"
	"chuangdai/internal/idempotency"
	"chuangdai/internal/identity"
	"chuangdai/internal/loan"
	"chuangdai/internal/notify"
	"chuangdai/internal/policy"
	"chuangdai/internal/refdata"
	"chuangdai/internal/report"
	"chuangdai/internal/store"
	"chuangdai/internal/support"
	"chuangdai/internal/user"
	"chuangdai/internal/worklist"
	"chuangdai/web"
)

// MaxBodyBytes bounds JSON request bodies.
const MaxBodyBytes = 10 << 20

// MaxImportBytes bounds the files of the import endpoints.
const MaxImportBytes = 64 << 20

// App holds the built application.
type App struct {
	Config       config.Config
	Log          *slog.Logger
	Policy       *policy.Policy
	DB           *store.DB
	Authz        *authz.Enforcer
	Audit        *audit.Recorder
	Users        *user.Service
	Refdata      *refdata.Service
	Applications *application.Service
	Support      *support.Service
	Identity     *identity.Service
	Loans        *loan.Service
	// Keys runs the money requests that carry an Idempotency-Key.
	Keys      *idempotency.Keys
	Reports   *report.Service
	Documents *document.Service
	Fund      *fund.Service
	// Notifications is the outbox, the inbox and the SMS settings.
	Notifications *notify.Service
	// Files keeps the documents' contents (the folder or the database).
	Files   document.Files
	AuditSv *audit.Service
	Server  *httpapi.Server
}

// Open connects to the database, applies pending migrations and builds the
// services.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	dbc, err := config.ParseDatabaseURL(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, dbc, store.Pool{MaxOpen: cfg.DBMaxOpenConns, Timeout: cfg.DBTimeout})
	if err != nil {
		return nil, err
	}
	warnConnectionBudget(ctx, db, log)
	if err := db.Migrate(ctx, log); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := useDataKeys(ctx, cfg, dbc, db, log); err != nil {
		_ = db.Close()
		return nil, err
	}
	a, err := build(ctx, cfg, log, db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return a, nil
}

// useDataKeys loads the data key ring from the configuration (never from
// the database) and hands it to the store. With no keys configured, the
// default key file (config.KeyFile) is made for a database with nothing
// encrypted yet; an existing database whose
// key file is gone does not start, nor one whose data no configured key
// opens.
func useDataKeys(ctx context.Context, cfg config.Config, dbc config.Database, db *store.DB, log *slog.Logger) error {
	var keys []crypt.Key
	var err error
	path, made := cfg.KeyFile(dbc)
	switch {
	case cfg.DataKeys != "":
		keys, err = crypt.Parse(cfg.DataKeys)
	default:
		exists, err := crypt.Exists(path)
		if err != nil {
			return fmt.Errorf("data key file %s: %w", path, err)
		}
		if !exists && made {
			sealed, err := db.HasSealedData(ctx)
			if err != nil {
				return err
			}
			if sealed {
				return fmt.Errorf("%w: the key file %s is missing; put it back from the key backup, or set CHUANGDAI_DATA_KEYS", store.ErrNoDataKey, path)
			}
			k, err := crypt.Generate(1)
			if err != nil {
				return err
			}
			if err := crypt.WriteFile(path, []crypt.Key{k}); err != nil {
				return fmt.Errorf("write data key file %s: %w", path, err)
			}
			log.Warn("made the data key file that encrypts resident ID numbers and phone numbers: back it up apart from the database, which cannot be read without it; every other instance of this database needs the same keys (CHUANGDAI_DATA_KEYS or CHUANGDAI_DATA_KEY_FILE)",
				"file", path)
		}
		keys, err = crypt.ReadFile(path)
		if err != nil {
			return fmt.Errorf("data keys: %w", err)
		}
	}
	if err != nil {
		return fmt.Errorf("data keys: %w", err)
	}
	ring, err := crypt.NewRing(keys)
	if err != nil {
		return fmt.Errorf("data keys: %w", err)
	}
	if err := db.UseKeys(ctx, ring); err != nil {
		return err
	}
	if err := db.SealClear(ctx, log); err != nil {
		return err
	}
	log.Info("data keys loaded", "newest", ring.Newest(), "fingerprint", ring.Fingerprint(ring.Newest()), "keys", len(keys), "file", path)
	return nil
}

// warnConnectionBudget warns at start when PostgreSQL cannot give this
// process its whole pool: under load the connections it cannot open answer
// 503 then, and jobs and backups find no room.
func warnConnectionBudget(ctx context.Context, db *store.DB, log *slog.Logger) {
	b, ok, err := db.ConnectionBudget(ctx)
	if err != nil || !ok || b.Fits() {
		return
	}
	log.Warn("the connection pool does not fit in what PostgreSQL allows: requests beyond it will answer 503",
		"pool", b.Pool, "limit", b.Limit, "in_use", b.InUse, "limited_by", b.Why,
		"fix", "lower CHUANGDAI_DB_MAX_OPEN_CONNS or raise the limit: instances × pool + commands and cron jobs (2 each) + pg_dump (1) must stay within it")
}

func build(ctx context.Context, cfg config.Config, log *slog.Logger, db *store.DB) (*App, error) {
	key := cfg.TokenKey
	if key == "" {
		var err error
		if key, err = db.Setting(ctx, "token_key", store.RandomKey); err != nil {
			return nil, fmt.Errorf("load token signing key: %w", err)
		}
	}
	pol, err := policy.Load(cfg.PolicyFile)
	if err != nil {
		return nil, err
	}
	z, err := authz.New()
	if err != nil {
		return nil, err
	}
	auditStore := store.Audit{DB: db}
	rec := audit.NewRecorder(auditStore)
	a := &App{
		Config: cfg, Log: log, Policy: pol, DB: db, Authz: z, Audit: rec,
		Users:        user.NewService(store.Users{DB: db}, auth.NewHasher(cfg.PasswordCost), auth.NewTokens([]byte(key)), z, rec, limits(cfg), log),
		Refdata:      refdata.NewService(store.Refdata{DB: db}, z, rec),
		Applications: application.NewService(store.Applications{DB: db}, z, rec, pol),
		AuditSv:      audit.NewService(auditStore, z),
	}
	a.Notifications = notify.NewService(store.Notifications{DB: db}, store.Notifications{DB: db}, store.Notifications{DB: db}, z, rec)
	a.Applications.SetNotifier(a.Notifications)
	a.Support = support.NewService(store.Support{DB: db}, z, rec, pol, support.FromApplications(a.Applications))
	var verifier identity.Verifier
	if cfg.IdentityVerifierURL != "" {
		verifier = identity.NewHTTPVerifier(cfg.IdentityVerifierURL, cfg.IdentityVerifierToken)
	}
	a.Identity = identity.NewService(store.Identities{DB: db}, verifier, z, rec)
	a.Fund = fund.NewService(store.Fund{DB: db}, z, rec, pol)
	a.Applications.AddGuaranteeCheck(func(ctx context.Context, app application.Application, _ time.Time) error {
		return a.Fund.CheckGuarantee(ctx, app.Amount)
	})
	a.Loans = loan.NewService(store.Loans{DB: db}, store.Applications{DB: db}, z, rec, pol, a.Fund)
	a.Fund.SetPeriods(a.Loans)
	a.Loans.SetNotifier(a.Notifications)
	a.Applications.AddGuaranteeCheck(a.Loans.GuaranteeRisk)
	a.Loans.SetReversals(store.Reversals{DB: db})
	a.Keys = idempotency.New(store.IdempotencyKeys{DB: db}, store.IdempotencyKeys{DB: db})
	a.Reports = report.NewService(store.Reports{DB: db}, z, rec, pol)
	a.Files = documentFiles(cfg, db)
	a.Documents = document.NewService(store.Documents{DB: db}, a.Files, a.Applications, z, rec, pol)
	a.Server = httpapi.New(httpapi.Deps{
		Worklist: worklist.New(a.Applications, a.Loans, z),
		Log:      log, Users: a.Users, Refdata: a.Refdata, Audit: a.AuditSv, Applications: a.Applications, Support: a.Support, Identity: a.Identity, Loans: a.Loans, Fund: a.Fund, Reports: a.Reports, Documents: a.Documents, Notifications: a.Notifications, Keys: a.Keys, MaxImportBytes: MaxImportBytes,
		Ready: db.Ready, TrustedProxies: cfg.TrustedProxies, Registry: prometheus.NewRegistry(), Web: web.FS(), MaxBodyBytes: MaxBodyBytes,
		MetricsElsewhere: cfg.MetricsAddr != "", MetricsToken: cfg.MetricsToken,
	})
	return a, nil
}

// documentFiles is the store of document contents the configuration names.
func documentFiles(cfg config.Config, db *store.DB) document.Files {
	if cfg.DocumentStore(db.Engine) == config.FilesInDatabase {
		return store.Blobs{DB: db}
	}
	return filestore.Dir{Root: cfg.FilesDir}
}

func limits(cfg config.Config) user.Limits {
	l := user.DefaultLimits(cfg.TokenTTL)
	l.Idle = cfg.SessionIdleTimeout
	l.PasswordMaxAge = time.Duration(cfg.PasswordExpiryDays) * 24 * time.Hour
	l.Registrations = cfg.RegistrationsPerHour
	return l
}

// Dispatcher builds a dispatcher of the outbox's SMS with the configured
// sender: the webhook gateway, or the log sender writing to log.
func (a *App) Dispatcher(log *slog.Logger) *notify.Dispatcher {
	var sender notify.Sender = notify.LogSender{Log: log}
	if a.Config.SMSWebhookURL != "" {
		sender = notify.Webhook{URL: a.Config.SMSWebhookURL, Secret: []byte(a.Config.SMSWebhookSecret), Client: &http.Client{Timeout: smsSendTimeout}}
	}
	return notify.NewDispatcher(store.Notifications{DB: a.DB}, sender, a.Audit, log, notify.DispatchConfig{
		Interval: a.Config.NotifyInterval, Batch: 50, MaxAttempts: a.Config.SMSMaxAttempts,
		RetryAfter: a.Config.SMSRetryAfter, MaxRetryAfter: time.Hour, SendTimeout: smsSendTimeout, Lease: time.Minute,
	})
}

// smsSendTimeout bounds one attempt to hand an SMS to the gateway; the
// claim's lease (a minute) outlasts it, so no other instance sends the same
// SMS meanwhile.
const smsSendTimeout = 10 * time.Second

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Serve listens until ctx is cancelled, then stops accepting connections and
// waits up to the shutdown timeout for requests in flight.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	return a.ServeListener(ctx, ln)
}

// HTTPServer is the server for handler with the configured timeouts: a
// client gets ReadHeaderTimeout for its headers and ReadTimeout for the
// whole request, so a slow sender cannot hold a connection for minutes.
func (a *App) HTTPServer(ctx context.Context, handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: a.Config.ReadHeaderTimeout,
		ReadTimeout:       a.Config.ReadTimeout,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// ServeListener serves on ln (tests pass their own), and /metrics on
// CHUANGDAI_METRICS_ADDR when it is set.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := a.HTTPServer(ctx, a.Server)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var metrics *http.Server
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen on %s for metrics: %w", a.Config.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.Server.Metrics)
		metrics = a.HTTPServer(ctx, mux)
		go func() { errc <- metrics.Serve(mln) }()
		a.Log.Info("serving metrics", "addr", mln.Addr().String())
	}
	if hour, minute, on, _ := a.Config.DailyJob(); on {
		jobs, stop := context.WithCancel(ctx)
		defer stop()
		go a.runDailyJobs(jobs, hour, minute)
	}
	// The dispatcher stops after the requests in flight (whose changes may
	// add to the outbox), finishing the SMS it is sending.
	dispatching, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDispatch()
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		a.Dispatcher(a.Log).Run(dispatching)
	}()
	defer func() {
		stopDispatch()
		<-dispatched
	}()
	a.Log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight", "timeout", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if metrics != nil {
		_ = metrics.Close() // nothing there waits for an answer that matters
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.Log.Info("stopped")
	return nil
}

// Restore puts the backup in file in place of the configured database (see
// store.Restore); replaced is where the database that was there is kept.
func Restore(ctx context.Context, cfg config.Config, file string) (replaced string, err error) {
	dbc, err := config.ParseDatabaseURL(cfg.DatabaseURL)
	if err != nil {
		return "", err
	}
	return store.Restore(ctx, dbc, file)
}

// UserCount reports how many accounts exist (zero means a fresh database).
func (a *App) UserCount(ctx context.Context) (int64, error) {
	return store.Users{DB: a.DB}.CountUsers(ctx)
}
