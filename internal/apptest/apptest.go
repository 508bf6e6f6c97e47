// Package apptest builds a whole chuangdai on a fresh database for tests:
// a temporary SQLite file, or — when CHUANGDAI_TEST_DATABASE_URL is set — a
// new PostgreSQL database copied from a migrated template. The same tests
// therefore run on both engines; CI runs them twice.
package apptest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver for the admin connection

	"chuangdai/internal/app"
	"chuangdai/internal/auth"
	"chuangdai/internal/config"
	"chuangdai/migrations"
)

// Engine reports which engine the tests use: "postgres" or "sqlite".
func Engine() string {
	if os.Getenv("CHUANGDAI_TEST_DATABASE_URL") != "" {
		return "postgres"
	}
	return "sqlite"
}

// TestDataKeys is the data key ring of test apps.
const TestDataKeys = "1:dGVzdC1kYXRhLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE="

// Config returns settings for a test app on databaseURL: cheap password
// hashing and a fixed signing key.
func Config(databaseURL string) config.Config {
	cfg := config.Defaults()
	cfg.DatabaseURL = databaseURL
	cfg.PasswordCost = 4
	cfg.TokenKey = "test-signing-key-0123456789abcdef"
	cfg.DBMaxOpenConns = 10
	cfg.DataKeys = TestDataKeys
	return cfg
}

// DatabaseURL returns the URL of a fresh, empty (not yet migrated) database
// that is removed when the test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("CHUANGDAI_TEST_DATABASE_URL")
	if admin == "" {
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	}
	return freshPostgres(t, admin, false)
}

// New returns an app on a fresh, migrated database.
func New(t testing.TB) *app.App {
	t.Helper()
	return NewWith(t, nil)
}

// NewWith is New with settings changed by configure (nil: none).
func NewWith(t testing.TB, configure func(*config.Config)) *app.App {
	t.Helper()
	var dbURL string
	if admin := os.Getenv("CHUANGDAI_TEST_DATABASE_URL"); admin != "" {
		dbURL = freshPostgres(t, admin, true)
	} else {
		dbURL = "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	}
	cfg := Config(dbURL)
	cfg.FilesDir = filepath.Join(t.TempDir(), "files")
	if configure != nil {
		configure(&cfg)
	}
	a, err := app.Open(context.Background(), cfg, Logger(t))
	if err != nil {
		t.Fatalf("open test app: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// Logger discards logs unless CHUANGDAI_TEST_LOG is set.
func Logger(t testing.TB) *slog.Logger {
	if os.Getenv("CHUANGDAI_TEST_LOG") != "" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// lockKey serialises template creation and copies across test processes.
const lockKey = 0x63647465737431

func adminDB(t testing.TB, admin string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", admin)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if os.Getenv("CHUANGDAI_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("CHUANGDAI_TEST_DATABASE_URL is set but PostgreSQL does not answer: %v", err)
		}
		t.Skipf("PostgreSQL not reachable (%v); set CHUANGDAI_REQUIRE_POSTGRES=1 to make this fatal", err)
	}
	return db
}

func withDB(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := migrations.FS.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func freshPostgres(t testing.TB, admin string, migrated bool) string {
	t.Helper()
	db := adminDB(t, admin)
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck
	name := "chuangdai_t_" + strings.ReplaceAll(randomID(), "-", "")
	if !migrated {
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("create test database: %v", err)
		}
	} else {
		templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, conn, admin) })
		if templateErr != nil {
			t.Fatalf("prepare template database: %v", templateErr)
		}
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateName); err != nil {
			t.Fatalf("create test database: %v", err)
		}
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDB(admin, name)
}

// ensureTemplate creates (once per migration set, across processes) a
// database with every migration applied, to copy for each test.
func ensureTemplate(ctx context.Context, conn *sql.Conn, admin string) (string, error) {
	name := "chuangdai_tpl_" + migrationsHash()
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	a, err := app.Open(ctx, Config(withDB(admin, building)), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	_ = a.Close()
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Principal returns the principal of a user, for calling services directly.
func Principal(id auth.UserID, username string, bindings ...auth.Binding) auth.Principal {
	return auth.Principal{UserID: id, Username: username, Bindings: bindings}
}

// Admin returns a connection pool to the PostgreSQL server of
// CHUANGDAI_TEST_DATABASE_URL as its administrator, closed when the test
// ends. It skips the test on SQLite.
func Admin(t testing.TB) *sql.DB {
	t.Helper()
	admin := os.Getenv("CHUANGDAI_TEST_DATABASE_URL")
	if admin == "" {
		t.Skip("needs PostgreSQL (CHUANGDAI_TEST_DATABASE_URL); CI runs it")
	}
	db := adminDB(t, admin)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// LimitedRole makes a fresh database of the test owned by a new login role
// that PostgreSQL lets open at most limit connections, and answers that
// database's URL as the role (the connection budget's tests). The role is
// dropped after the database. It skips the test on SQLite.
func LimitedRole(t testing.TB, limit int) string {
	t.Helper()
	admin := Admin(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "chuangdai_t_role_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(fmt.Sprintf("CREATE ROLE %s LOGIN CONNECTION LIMIT %d", role, limit)); err != nil {
		t.Fatal(err)
	}
	// Registered before the database, so it runs after the database is gone.
	t.Cleanup(func() { _, _ = admin.Exec("DROP ROLE IF EXISTS " + role) })
	dbURL := DatabaseURL(t)
	if _, err := admin.Exec("ALTER DATABASE " + DatabaseName(t, dbURL) + " OWNER TO " + role); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

// DatabaseName is the database a postgres:// URL names.
func DatabaseName(t testing.TB, databaseURL string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}
