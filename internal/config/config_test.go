package config

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	db, _ := ParseDatabaseURL(cfg.DatabaseURL)
	if cfg.Addr != ":8080" || db.Engine != SQLite || db.Path != DefaultSQLitePath {
		t.Fatalf("unexpected defaults %+v %+v", cfg, db)
	}
	// The README's connection budget counts on a default pool of 10 (four
	// instances, the cron job and a backup in PostgreSQL's default 100 with
	// room to spare) and its failure table on a deadline of 5 s.
	if cfg.DBMaxOpenConns != 10 || cfg.DBTimeout != 5*time.Second {
		t.Fatalf("pool %d, deadline %s: the README's connection budget and deadline say 10 and 5s", cfg.DBMaxOpenConns, cfg.DBTimeout)
	}
}

func TestLoadReportsEveryBadValue(t *testing.T) {
	_, err := Load(env(map[string]string{
		"CHUANGDAI_ADDR":                  "nonsense",
		"CHUANGDAI_DATABASE_URL":          "mysql://x",
		"CHUANGDAI_TOKEN_KEY":             "short",
		"CHUANGDAI_TOKEN_TTL":             "forever",
		"CHUANGDAI_LOG_LEVEL":             "loud",
		"CHUANGDAI_METRICS_ADDR":          "nowhere",
		"CHUANGDAI_METRICS_TOKEN":         "short",
		"CHUANGDAI_READ_TIMEOUT":          "10m1s",
		"CHUANGDAI_IDENTITY_VERIFIER_URL": "ftp://realname",
		"CHUANGDAI_DB_TIMEOUT":            "0s",
	}))
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{"addr", "database_url", "token_key", "CHUANGDAI_TOKEN_TTL", "log_level", "metrics_addr", "metrics_token", "read_timeout", "identity_verifier_url", "db_timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

func TestDatabaseURLs(t *testing.T) {
	cases := map[string]Database{
		"sqlite:///abs/x.db":             {Engine: SQLite, Path: "/abs/x.db"},
		"sqlite://rel.db":                {Engine: SQLite, Path: "rel.db"},
		"postgres://u:p@h:5432/d":        {Engine: Postgres, DSN: "postgres://u:p@h:5432/d"},
		"postgresql://u@h/d?sslmode=off": {Engine: Postgres, DSN: "postgresql://u@h/d?sslmode=off"},
	}
	for in, want := range cases {
		got, err := ParseDatabaseURL(in)
		if err != nil || got != want {
			t.Errorf("ParseDatabaseURL(%q) = %+v, %v", in, got, err)
		}
	}
}

func TestSecretsMaskedInLogs(t *testing.T) {
	cfg := Defaults()
	cfg.TokenKey = strings.Repeat("s3cret", 8)
	cfg.DatabaseURL = "postgres://app:hunter2@db:5432/chuangdai"
	cfg.MetricsToken = strings.Repeat("m3trics", 6)
	cfg.IdentityVerifierURL, cfg.IdentityVerifierToken = "https://realname.example/check", "v3rifier-token"
	cfg.SMSWebhookURL, cfg.SMSWebhookSecret = "https://sms.example/send", strings.Repeat("smss3cret", 4)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", cfg)
	out := buf.String()
	if strings.Contains(out, "s3cret") || strings.Contains(out, "hunter2") || strings.Contains(out, "m3trics") || strings.Contains(out, "v3rifier") || strings.Contains(out, "smss3cret") {
		t.Fatalf("secret leaked into log: %s", out)
	}
	if !strings.Contains(out, "app") {
		t.Fatalf("log lost the user name: %s", out)
	}
}

func TestExampleFileLoads(t *testing.T) {
	cfg, err := Load(env(map[string]string{"CHUANGDAI_CONFIG": "../../configs/config.example.yaml"}))
	if err != nil {
		t.Fatalf("configs/config.example.yaml does not load: %v", err)
	}
	d := Defaults()
	if cfg.Addr != d.Addr || cfg.TokenTTL != d.TokenTTL || cfg.SessionIdleTimeout != d.SessionIdleTimeout ||
		cfg.DailyJobAt != d.DailyJobAt || cfg.PasswordCost != d.PasswordCost || cfg.DBMaxOpenConns != d.DBMaxOpenConns {
		t.Fatalf("the example differs from the defaults it documents: %+v", cfg)
	}
	if _, _, on, _ := cfg.DailyJob(); !on {
		t.Fatal("the example turns the daily job off")
	}
}
