package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chuangdai/internal/app"
	"chuangdai/internal/config"
	"chuangdai/internal/user"
)

// legacyRows is the size of the legacy import the bench sends in one request.
const legacyRows = 200_000

// minImportRatio is the share of its floor's speed an import reaches at
// least (issue 16).
const minImportRatio = 0.3

// importRow is one engine's import against its floor.
type importRow struct {
	engine         string
	service, floor time.Duration
}

func (r importRow) ratio() float64 { return r.floor.Seconds() / r.service.Seconds() }

// floorTable is the plain table the floors load: the import's 13 columns,
// the reference unique.
const floorTable = `CREATE TABLE legacy_floor (external_ref TEXT NOT NULL UNIQUE, name TEXT, national_id TEXT, gender TEXT,
	key_group TEXT, borrower_type TEXT, district_code TEXT, bank_code TEXT, principal NUMERIC, annual_rate NUMERIC,
	term_months INTEGER, disbursed_on DATE, jobs_created INTEGER)`

// legacyFile is a legacy file of legacyRows loans in 411282 at ICBC-SMX.
func legacyFile() string {
	var b strings.Builder
	b.WriteString("external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created\n")
	day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range legacyRows {
		id, female := personID(i)
		gender := "male"
		if female {
			gender = "female"
		}
		fmt.Fprintf(&b, "OLD-%06d,王五,%s,%s,college_graduate,individual,411282,ICBC-SMX,%d.00,0.0395,24,%s,2\n",
			i, id, gender, 50_000+(i%25)*10_000, day.AddDate(0, 0, i%365).Format(time.DateOnly))
	}
	return b.String()
}

// measureImports imports the legacy file through the service on
// PostgreSQL (a, at base) and on a fresh SQLite database, each against its
// floor, and returns them with the file's size in MB.
func measureImports(ctx context.Context, a *app.App, base, dsn string) ([]importRow, float64, error) {
	body := legacyFile()
	mb := float64(len(body)) / (1 << 20)
	pg := importRow{engine: "PostgreSQL"}
	var err error
	if pg.service, err = postLegacy(ctx, a, base, body); err != nil {
		return nil, 0, err
	}
	if pg.floor, err = copyFloor(ctx, dsn, body); err != nil {
		return nil, 0, fmt.Errorf("COPY floor: %w", err)
	}
	dir, err := os.MkdirTemp("", "chuangdai-bench")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	lite := importRow{engine: "SQLite"}
	if lite.service, err = sqliteImport(ctx, dir, body); err != nil {
		return nil, 0, fmt.Errorf("SQLite import: %w", err)
	}
	if lite.floor, err = sqliteFloor(dir, body); err != nil {
		return nil, 0, fmt.Errorf("sqlite3 .import floor: %w", err)
	}
	return []importRow{pg, lite}, mb, nil
}

// postLegacy signs in as a new admin of a and posts body to the import in
// one request; it returns how long the answer took.
func postLegacy(ctx context.Context, a *app.App, base, body string) (time.Duration, error) {
	if _, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "admin", Password: "bench-pass-word-1", Name: "Admin", Role: "admin"}); err != nil {
		return 0, err
	}
	token, err := loginAs(base, "admin")
	if err != nil {
		return 0, err
	}
	start := time.Now()
	req, err := http.NewRequest("POST", base+"/api/v1/imports/loans", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("import of %d rows: status %d: %.300s", legacyRows, resp.StatusCode, answer)
	}
	return took, nil
}

// copyFloor loads body into a plain table with COPY FROM STDIN, as psql's
// \copy does.
func copyFloor(ctx context.Context, dsn, body string) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, floorTable); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(body), "COPY legacy_floor FROM STDIN WITH (FORMAT csv, HEADER true)"); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// sqliteImport serves a fresh SQLite database in dir with the district and
// bank of the file and imports body through it.
func sqliteImport(ctx context.Context, dir, body string) (time.Duration, error) {
	cfg := config.Defaults()
	cfg.DatabaseURL = "sqlite://" + filepath.Join(dir, "chuangdai.db")
	cfg.FilesDir = filepath.Join(dir, "files")
	cfg.PasswordCost = 4
	cfg.TokenKey = "bench-signing-key-0123456789abcdef"
	cfg.DailyJobAt = "off"
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return 0, err
	}
	defer a.Close()
	for _, q := range []string{
		`INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411282', '灵宝市', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
		`INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ICBC-SMX', '工商银行', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
	} {
		if _, err := a.DB.SQL().ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(sctx, ln) }()
	defer func() { stop(); <-served }()
	return postLegacy(ctx, a, "http://"+ln.Addr().String(), body)
}

// sqliteFloor loads body into a plain table of a fresh SQLite file with
// the sqlite3 shell's .import.
func sqliteFloor(dir, body string) (time.Duration, error) {
	file := filepath.Join(dir, "legacy.csv")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		return 0, err
	}
	db := filepath.Join(dir, "floor.db")
	if out, err := exec.Command("sqlite3", db, floorTable).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("sqlite3 (apt-get install sqlite3): %v: %s", err, out)
	}
	start := time.Now()
	if out, err := exec.Command("sqlite3", db, ".import --csv --skip 1 "+file+" legacy_floor").CombinedOutput(); err != nil || len(out) > 0 {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	return time.Since(start), nil
}
