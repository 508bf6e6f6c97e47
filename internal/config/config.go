// Package config reads chuangdai's settings from an optional YAML file
// (CHUANGDAI_CONFIG) and CHUANGDAI_* environment variables, which win.
// Validate reports every bad value at once; secrets never reach a log.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"chuangdai/internal/crypt"
)

// Config is the whole of chuangdai's settings.
type Config struct {
	// Addr is the listen address of the HTTP server.
	Addr string `yaml:"addr"`
	// DatabaseURL selects the engine: empty → ./data/chuangdai.db (SQLite),
	// sqlite://path → that SQLite file, postgres://… → PostgreSQL.
	DatabaseURL string `yaml:"database_url"`
	// TokenKey signs sign-in tokens. Empty → a key is generated once and kept
	// in the database, so restarts and several instances agree.
	TokenKey string `yaml:"token_key"`
	// TokenTTL is the absolute lifetime of a sign-in token.
	TokenTTL time.Duration `yaml:"token_ttl"`
	// SessionIdleTimeout ends a session unused for that long.
	SessionIdleTimeout time.Duration `yaml:"session_idle_timeout"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// PolicyFile is the dated policy parameters file; empty → the built-in
	// copy of configs/policy.yaml.
	PolicyFile string `yaml:"policy_file"`
	// DailyJobAt is when serve runs the daily job (overdue marking, key
	// purge) each day, HH:MM in Asia/Shanghai, or "off" when cron runs
	// `chuangdai jobs run-daily` instead.
	DailyJobAt string `yaml:"daily_job_at"`
	// ShutdownTimeout bounds how long SIGTERM waits for requests in flight.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// PasswordCost is the bcrypt cost of password hashes (10–14).
	PasswordCost int `yaml:"password_cost"`
	// PasswordExpiryDays, when above 0, is how many days a password serves;
	// a user whose password is older must change it at the next sign-in.
	PasswordExpiryDays int `yaml:"password_expiry_days"`
	// RegistrationsPerHour bounds the accounts opened from one address in
	// an hour (raise it for a service hall where many register behind one
	// address).
	RegistrationsPerHour int `yaml:"registrations_per_hour"`
	// DBMaxOpenConns bounds the connection pool.
	DBMaxOpenConns int `yaml:"db_max_open_conns"`
	// DBTimeout bounds every database statement and every wait for a
	// pooled connection: past it the request answers 503 unavailable.
	DBTimeout time.Duration `yaml:"db_timeout"`
	// TrustedProxies lists the proxy addresses whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MetricsAddr, when set, is a listen address of its own for /metrics,
	// which the main address then no longer answers.
	MetricsAddr string `yaml:"metrics_addr"`
	// MetricsToken, when set, is the bearer token /metrics needs on the main
	// address. With neither it nor MetricsAddr, /metrics answers only
	// requests from this machine that no proxy forwarded.
	MetricsToken string `yaml:"metrics_token"`
	// ReadHeaderTimeout bounds how long a client may take to send the
	// request headers, ReadTimeout the whole request with its body.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	// IdentityVerifierURL, when set, is the real-name check service that
	// verifies an applicant's resident ID number (see identity.HTTPVerifier);
	// empty → none, and the HRSS officer's eligibility approval verifies.
	IdentityVerifierURL string `yaml:"identity_verifier_url"`
	// IdentityVerifierToken is the bearer token sent to that service.
	IdentityVerifierToken string `yaml:"identity_verifier_token"`
	// FilesStore is where document contents are kept: "files" (a folder,
	// FilesDir) or "database" (every instance reads them, the database's
	// backup holds them); empty → database on PostgreSQL, files on SQLite.
	FilesStore string `yaml:"files_store"`
	// FilesDir is the folder of the "files" store.
	FilesDir string `yaml:"files_dir"`
	// DataKeys is the ring of data keys that encrypt resident ID numbers
	// and phone numbers at rest: "<id>:<base64 of 32 bytes>", newest first,
	// comma separated (`chuangdai keys new` makes one). A secret.
	DataKeys string `yaml:"data_keys"`
	// DataKeyFile is a file (mode 0600) holding that ring, one key a line.
	// With neither set, SQLite keeps chuangdai.keys beside the database,
	// made at the first start; PostgreSQL needs one of them.
	DataKeyFile string `yaml:"data_key_file"`
	// SMSWebhookURL, when set, is the SMS gateway: each SMS is posted there
	// as JSON {"phone","template","params"}, signed with SMSWebhookSecret;
	// empty → the log sender (the phone masked).
	SMSWebhookURL string `yaml:"sms_webhook_url"`
	// SMSWebhookSecret keys the HMAC-SHA256 signature of each request.
	SMSWebhookSecret string `yaml:"sms_webhook_secret"`
	// SMSMaxAttempts is how many times an SMS is tried before it is listed
	// as failed; SMSRetryAfter the wait after the first failure, doubled
	// after each further one (at most an hour).
	SMSMaxAttempts int           `yaml:"sms_max_attempts"`
	SMSRetryAfter  time.Duration `yaml:"sms_retry_after"`
	// NotifyInterval is how often the dispatcher looks at the outbox.
	NotifyInterval time.Duration `yaml:"notify_interval"`
}

// KeyFileName is the key file kept when no data keys are configured:
// beside a SQLite database, in ./data for PostgreSQL.
const KeyFileName = "chuangdai.keys"

// KeyFile is the data key file in use for database d, "" when the keys come
// from DataKeys; made reports that it is the default file (beside a SQLite
// database; data/chuangdai.keys in the working directory for PostgreSQL, as
// for `make run`), which is made when absent on a database that has nothing
// encrypted yet. Several PostgreSQL instances need the same keys: each gets
// them configured, or the second refuses to start (its own new key opens
// nothing).
func (c Config) KeyFile(d Database) (path string, made bool) {
	switch {
	case c.DataKeys != "":
		return "", false
	case c.DataKeyFile != "":
		return c.DataKeyFile, false
	case d.Engine == SQLite:
		return filepath.Join(filepath.Dir(d.Path), KeyFileName), true
	}
	return filepath.Join("data", KeyFileName), true
}

// The document stores of FilesStore.
const (
	FilesInFolder   = "files"
	FilesInDatabase = "database"
)

// DocumentStore resolves FilesStore for the engine in use.
func (c Config) DocumentStore(e Engine) string {
	switch {
	case c.FilesStore != "":
		return c.FilesStore
	case e == Postgres:
		return FilesInDatabase
	}
	return FilesInFolder
}

// Defaults returns the settings used when nothing is configured.
func Defaults() Config {
	return Config{
		Addr:                 ":8080",
		TokenTTL:             8 * time.Hour,
		SessionIdleTimeout:   time.Hour,
		LogLevel:             "info",
		DailyJobAt:           "00:30",
		ShutdownTimeout:      20 * time.Second,
		PasswordCost:         12,
		RegistrationsPerHour: 20,
		DBMaxOpenConns:       10,
		DBTimeout:            5 * time.Second,
		ReadHeaderTimeout:    5 * time.Second,
		ReadTimeout:          30 * time.Second,
		FilesDir:             "data/files",
		SMSMaxAttempts:       8,
		SMSRetryAfter:        30 * time.Second,
		NotifyInterval:       5 * time.Second,
	}
}

// Load reads the file named by CHUANGDAI_CONFIG (if any), then the
// environment, and validates the result.
func Load(getenv func(string) string) (Config, error) {
	cfg := Defaults()
	if path := getenv("CHUANGDAI_CONFIG"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("CHUANGDAI_CONFIG: cannot read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("CHUANGDAI_CONFIG %s: %w (see configs/config.example.yaml)", path, err)
		}
	}
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := lookup(getenv, name); ok {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v, ok := lookup(getenv, name); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not a duration: write it like 8h or 30s", name, v))
				return
			}
			*dst = d
		}
	}
	num := func(name string, dst *int) {
		if v, ok := lookup(getenv, name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not a whole number", name, v))
				return
			}
			*dst = n
		}
	}
	str("CHUANGDAI_ADDR", &cfg.Addr)
	str("CHUANGDAI_DATABASE_URL", &cfg.DatabaseURL)
	str("CHUANGDAI_TOKEN_KEY", &cfg.TokenKey)
	dur("CHUANGDAI_TOKEN_TTL", &cfg.TokenTTL)
	dur("CHUANGDAI_SESSION_IDLE_TIMEOUT", &cfg.SessionIdleTimeout)
	str("CHUANGDAI_LOG_LEVEL", &cfg.LogLevel)
	str("CHUANGDAI_POLICY_FILE", &cfg.PolicyFile)
	str("CHUANGDAI_DAILY_JOB_AT", &cfg.DailyJobAt)
	dur("CHUANGDAI_SHUTDOWN_TIMEOUT", &cfg.ShutdownTimeout)
	num("CHUANGDAI_PASSWORD_COST", &cfg.PasswordCost)
	num("CHUANGDAI_PASSWORD_EXPIRY_DAYS", &cfg.PasswordExpiryDays)
	num("CHUANGDAI_REGISTRATIONS_PER_HOUR", &cfg.RegistrationsPerHour)
	num("CHUANGDAI_DB_MAX_OPEN_CONNS", &cfg.DBMaxOpenConns)
	dur("CHUANGDAI_DB_TIMEOUT", &cfg.DBTimeout)
	str("CHUANGDAI_METRICS_ADDR", &cfg.MetricsAddr)
	str("CHUANGDAI_METRICS_TOKEN", &cfg.MetricsToken)
	str("CHUANGDAI_IDENTITY_VERIFIER_URL", &cfg.IdentityVerifierURL)
	str("CHUANGDAI_IDENTITY_VERIFIER_TOKEN", &cfg.IdentityVerifierToken)
	dur("CHUANGDAI_READ_HEADER_TIMEOUT", &cfg.ReadHeaderTimeout)
	dur("CHUANGDAI_READ_TIMEOUT", &cfg.ReadTimeout)
	str("CHUANGDAI_FILES_STORE", &cfg.FilesStore)
	str("CHUANGDAI_FILES_DIR", &cfg.FilesDir)
	str("CHUANGDAI_DATA_KEYS", &cfg.DataKeys)
	str("CHUANGDAI_DATA_KEY_FILE", &cfg.DataKeyFile)
	str("CHUANGDAI_SMS_WEBHOOK_URL", &cfg.SMSWebhookURL)
	str("CHUANGDAI_SMS_WEBHOOK_SECRET", &cfg.SMSWebhookSecret)
	num("CHUANGDAI_SMS_MAX_ATTEMPTS", &cfg.SMSMaxAttempts)
	dur("CHUANGDAI_SMS_RETRY_AFTER", &cfg.SMSRetryAfter)
	dur("CHUANGDAI_NOTIFY_INTERVAL", &cfg.NotifyInterval)
	if v, ok := lookup(getenv, "CHUANGDAI_TRUSTED_PROXIES"); ok {
		cfg.TrustedProxies = splitList(v)
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	return cfg, errors.Join(errs...)
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := strings.TrimSpace(getenv(name))
	return v, v != ""
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports every bad value, each with what to write instead.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr %q is not host:port (for example :8080 or 127.0.0.1:8080)", c.Addr)
	}
	if _, err := ParseDatabaseURL(c.DatabaseURL); err != nil {
		bad("database_url: %v", err)
	}
	if c.TokenKey != "" && len(c.TokenKey) < 32 {
		bad("token_key is %d characters long: use at least 32 random characters, or leave it empty to have one generated and kept in the database", len(c.TokenKey))
	}
	if c.TokenTTL < time.Minute || c.TokenTTL > 7*24*time.Hour {
		bad("token_ttl %s is out of range: use between 1m and 168h", c.TokenTTL)
	}
	if c.SessionIdleTimeout < time.Minute || c.SessionIdleTimeout > c.TokenTTL {
		bad("session_idle_timeout %s is out of range: use between 1m and token_ttl (%s)", c.SessionIdleTimeout, c.TokenTTL)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level %q is unknown: use debug, info, warn or error", c.LogLevel)
	}
	if c.PolicyFile != "" {
		if _, err := os.Stat(c.PolicyFile); err != nil {
			bad("policy_file %s cannot be read: %v", c.PolicyFile, err)
		}
	}
	if _, _, _, err := c.DailyJob(); err != nil {
		bad("%v", err)
	}
	if c.ShutdownTimeout <= 0 || c.ShutdownTimeout > 10*time.Minute {
		bad("shutdown_timeout %s is out of range: use between 1s and 10m", c.ShutdownTimeout)
	}
	if c.PasswordCost < 4 || c.PasswordCost > 16 {
		bad("password_cost %d is out of range: use 10 to 14 in production (4 is allowed for tests)", c.PasswordCost)
	}
	if c.PasswordExpiryDays < 0 || c.PasswordExpiryDays > 3650 {
		bad("password_expiry_days %d is out of range: use 0 (passwords never expire) to 3650", c.PasswordExpiryDays)
	}
	if c.RegistrationsPerHour < 1 || c.RegistrationsPerHour > 100000 {
		bad("registrations_per_hour %d is out of range: use 1 to 100000", c.RegistrationsPerHour)
	}
	if c.DBMaxOpenConns < 1 || c.DBMaxOpenConns > 500 {
		bad("db_max_open_conns %d is out of range: use 1 to 500", c.DBMaxOpenConns)
	}
	if c.DBTimeout < 100*time.Millisecond || c.DBTimeout > 5*time.Minute {
		bad("db_timeout %s is out of range: use between 100ms and 5m (5s is the default)", c.DBTimeout)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("metrics_addr %q is not host:port (for example 127.0.0.1:9090)", c.MetricsAddr)
		} else if c.MetricsAddr == c.Addr {
			bad("metrics_addr %q is the main address: use another port, or leave it empty", c.MetricsAddr)
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		bad("metrics_token is %d characters long: use at least 32 random characters", len(c.MetricsToken))
	}
	if c.ReadHeaderTimeout < time.Second || c.ReadHeaderTimeout > time.Minute {
		bad("read_header_timeout %s is out of range: use between 1s and 60s", c.ReadHeaderTimeout)
	}
	if c.ReadTimeout < c.ReadHeaderTimeout || c.ReadTimeout > 10*time.Minute {
		bad("read_timeout %s is out of range: use between read_header_timeout (%s) and 10m", c.ReadTimeout, c.ReadHeaderTimeout)
	}
	if c.IdentityVerifierURL != "" {
		if u, err := url.Parse(c.IdentityVerifierURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("identity_verifier_url %q is not an http(s) URL: write it like https://realname.example/api/check, or leave it empty", c.IdentityVerifierURL)
		}
	} else if c.IdentityVerifierToken != "" {
		bad("identity_verifier_token is set without identity_verifier_url: set both, or neither")
	}
	switch c.FilesStore {
	case "", FilesInFolder, FilesInDatabase:
	default:
		bad("files_store %q is unknown: use files (a folder, files_dir) or database, or leave it empty (database on PostgreSQL, files on SQLite)", c.FilesStore)
	}
	if c.DocumentStore(mustEngine(c.DatabaseURL)) == FilesInFolder && strings.TrimSpace(c.FilesDir) == "" {
		bad("files_dir is empty: name the folder that keeps the documents, such as /var/lib/chuangdai/files")
	}
	switch {
	case c.DataKeys != "" && c.DataKeyFile != "":
		bad("data_keys and data_key_file are both set: keep the keys in one place")
	case c.DataKeys != "":
		if _, err := crypt.Parse(c.DataKeys); err != nil {
			bad("data_keys: %v", err)
		}
	}
	if c.SMSWebhookURL != "" {
		if u, err := url.Parse(c.SMSWebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("sms_webhook_url %q is not an http(s) URL: write it like https://sms.example/send, or leave it empty for the log sender", MaskURL(c.SMSWebhookURL))
		}
		if len(c.SMSWebhookSecret) < 32 {
			bad("sms_webhook_secret is %d characters long: the SMS gateway's requests are signed with it, use at least 32 random characters", len(c.SMSWebhookSecret))
		}
	} else if c.SMSWebhookSecret != "" {
		bad("sms_webhook_secret is set without sms_webhook_url: set both, or neither")
	}
	if c.SMSMaxAttempts < 1 || c.SMSMaxAttempts > 50 {
		bad("sms_max_attempts %d is out of range: use 1 to 50 (8 is the default)", c.SMSMaxAttempts)
	}
	if c.SMSRetryAfter < 10*time.Millisecond || c.SMSRetryAfter > time.Hour {
		bad("sms_retry_after %s is out of range: use between 10ms and 1h (30s is the default)", c.SMSRetryAfter)
	}
	if c.NotifyInterval < 10*time.Millisecond || c.NotifyInterval > 10*time.Minute {
		bad("notify_interval %s is out of range: use between 10ms and 10m (5s is the default)", c.NotifyInterval)
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				bad("trusted_proxies entry %q is neither an IP address nor a CIDR range", p)
			}
		}
	}
	return errors.Join(errs...)
}

// DailyJob reads DailyJobAt: the hour and minute of the daily job in
// Asia/Shanghai, or on false for "off".
func (c Config) DailyJob() (hour, minute int, on bool, err error) {
	if c.DailyJobAt == "off" {
		return 0, 0, false, nil
	}
	t, err := time.Parse("15:04", c.DailyJobAt)
	if err != nil {
		return 0, 0, false, fmt.Errorf("daily_job_at %q is not a time HH:MM (Asia/Shanghai) or off", c.DailyJobAt)
	}
	return t.Hour(), t.Minute(), true, nil
}

// mustEngine is the engine of a database URL, SQLite when it does not parse
// (Validate reports that on its own).
func mustEngine(raw string) Engine {
	d, err := ParseDatabaseURL(raw)
	if err != nil {
		return SQLite
	}
	return d.Engine
}

// Engine names a database engine.
type Engine string

// The two engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Database is a parsed database URL.
type Database struct {
	Engine Engine
	// Path is the SQLite file; DSN the PostgreSQL connection string.
	Path string
	DSN  string
}

// DefaultSQLitePath is where the embedded database lives when nothing is set.
const DefaultSQLitePath = "data/chuangdai.db"

// ParseDatabaseURL interprets CHUANGDAI_DATABASE_URL.
func ParseDatabaseURL(raw string) (Database, error) {
	switch {
	case raw == "":
		return Database{Engine: SQLite, Path: DefaultSQLitePath}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		p := strings.TrimPrefix(raw, "sqlite://")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if p == "" {
			return Database{}, errors.New("sqlite:// needs a file path, such as sqlite:///var/lib/chuangdai/chuangdai.db")
		}
		return Database{Engine: SQLite, Path: p}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return Database{}, errors.New("postgres URL is malformed: write postgres://user:password@host:5432/dbname?sslmode=disable")
		}
		return Database{Engine: Postgres, DSN: raw}, nil
	default:
		return Database{}, errors.New("unknown scheme: use postgres://…, sqlite://path, or leave it empty for ./data/chuangdai.db")
	}
}

// MaskURL hides the password of a database URL.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "*****")
	}
	return u.String()
}

// LogValue shows the settings in logs with every secret masked.
func (c Config) LogValue() slog.Value {
	key := "(generated, kept in the database)"
	if c.TokenKey != "" {
		key = "*****"
	}
	metricsToken := ""
	if c.MetricsToken != "" {
		metricsToken = "*****"
	}
	dataKeys := ""
	if c.DataKeys != "" {
		dataKeys = "*****"
	}
	verifierToken := ""
	if c.IdentityVerifierToken != "" {
		verifierToken = "*****"
	}
	smsSecret := ""
	if c.SMSWebhookSecret != "" {
		smsSecret = "*****"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("database_url", MaskURL(c.DatabaseURL)),
		slog.String("token_key", key),
		slog.Duration("token_ttl", c.TokenTTL),
		slog.Duration("session_idle_timeout", c.SessionIdleTimeout),
		slog.String("log_level", c.LogLevel),
		slog.String("policy_file", c.PolicyFile),
		slog.String("daily_job_at", c.DailyJobAt),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Int("password_cost", c.PasswordCost),
		slog.Int("password_expiry_days", c.PasswordExpiryDays),
		slog.Int("registrations_per_hour", c.RegistrationsPerHour),
		slog.Int("db_max_open_conns", c.DBMaxOpenConns),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("metrics_token", metricsToken),
		slog.Duration("read_header_timeout", c.ReadHeaderTimeout),
		slog.Duration("read_timeout", c.ReadTimeout),
		slog.String("identity_verifier_url", MaskURL(c.IdentityVerifierURL)),
		slog.String("identity_verifier_token", verifierToken),
		slog.String("files_store", c.DocumentStore(mustEngine(c.DatabaseURL))),
		slog.String("files_dir", c.FilesDir),
		slog.String("data_keys", dataKeys),
		slog.String("data_key_file", c.DataKeyFile),
		slog.String("sms_webhook_url", MaskURL(c.SMSWebhookURL)),
		slog.String("sms_webhook_secret", smsSecret),
		slog.Int("sms_max_attempts", c.SMSMaxAttempts),
		slog.Duration("sms_retry_after", c.SMSRetryAfter),
		slog.Duration("notify_interval", c.NotifyInterval),
	)
}
