package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"chuangdai/internal/config"
)

// Backup writes a consistent copy of the database to path while the
// service keeps running: SQLite's VACUUM INTO (an online, transactionally
// consistent copy), or pg_dump's custom format for PostgreSQL (Restore
// reads both).
func (db *DB) Backup(ctx context.Context, d config.Database, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists: choose a new file name", path)
	}
	switch db.Engine {
	case config.SQLite:
		if strings.ContainsAny(path, "'\x00") {
			return fmt.Errorf("backup: the file name may not contain quotes")
		}
		// Straight on the pool, without the statement deadline: a copy of a
		// large database takes as long as it takes.
		if _, err := db.sql.ExecContext(ctx, "VACUUM INTO '"+path+"'"); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return nil
	case config.Postgres:
		return runLibpq(ctx, d.DSN, "backup", "pg_dump", "--format=custom", "--no-owner", "--file", path)
	}
	return fmt.Errorf("backup: unknown engine %q", db.Engine)
}

// Restore puts the backup in file in place of the database named by d,
// which no process may be using. SQLite: the backup is copied beside the
// database and checked, the database in place (with the -wal and -shm files
// a crashed process may have left, checkpointed into it first) is kept
// aside as <name>.replaced-<time>, whose path is returned, and the copy takes
// its place. PostgreSQL: the database must be empty (createdb); it is
// filled in one transaction (restorePostgres), so a failed restore leaves
// it empty.
func Restore(ctx context.Context, d config.Database, file string) (replaced string, err error) {
	if _, err := os.Stat(file); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	switch d.Engine {
	case config.SQLite:
		return restoreSQLite(ctx, d.Path, file)
	case config.Postgres:
		if err := requireEmpty(ctx, d.DSN); err != nil {
			return "", err
		}
		return "", restorePostgres(ctx, d.DSN, file)
	}
	return "", fmt.Errorf("restore: unknown engine %q", d.Engine)
}

func restoreSQLite(ctx context.Context, path, file string) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".restoring-*")
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := copyFile(tmp, file); err != nil {
		return "", fmt.Errorf("restore: copy %s: %w", file, err)
	}
	// The copy must be a whole chuangdai database, and carry no journal of
	// its own: it is put in place as one file.
	if err := settleSQLite(ctx, tmp.Name(), true); err != nil {
		return "", fmt.Errorf("restore: %s is not a usable backup: %w", file, err)
	}
	replaced := ""
	if _, err := os.Stat(path); err == nil {
		// Refuses while a process has the database open; checkpoints and
		// removes the -wal and -shm a crashed process left, which would
		// otherwise be replayed into the restored file and corrupt it.
		if err := settleSQLite(ctx, path, false); err != nil {
			return "", fmt.Errorf("restore: %s: %w", path, err)
		}
		replaced = path + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(path, replaced); err != nil {
			return "", fmt.Errorf("restore: keep the current database aside: %w", err)
		}
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return replaced, fmt.Errorf("restore: remove %s%s: %w", path, suffix, err)
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return replaced, fmt.Errorf("restore: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return replaced, nil
}

// settleSQLite opens the SQLite file at path on its own and switches it out
// of WAL mode, which SQLite allows only when no other connection has it
// open: a database in use is refused, and a write-ahead log left by a
// crashed process is checkpointed into the file and removed. check also
// runs integrity_check and looks for chuangdai's schema.
func settleSQLite(ctx context.Context, path string, check bool) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(1000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err != nil {
		if unavailable(err) {
			return errors.New("the database is in use: stop every chuangdai process that uses it (and its cron jobs), then restore")
		}
		return err
	}
	if mode != "delete" {
		return errors.New("the database is in use: stop every chuangdai process that uses it (and its cron jobs), then restore")
	}
	if !check {
		return nil
	}
	var ok string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil {
		return err
	}
	if ok != "ok" {
		return fmt.Errorf("integrity check: %s", ok)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errors.New("it holds no chuangdai schema")
	}
	return nil
}

func copyFile(dst *os.File, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := io.Copy(dst, in); err != nil {
		return err
	}
	if err := dst.Sync(); err != nil {
		return err
	}
	return dst.Close()
}

// restorePostgres fills the database of dsn from a pg_dump archive:
// pg_restore turns the archive into SQL, which psql runs in one transaction
// on one connection, followed in that transaction by RESET ALL. The script
// sets search_path to nothing (and a few other settings) for its session;
// through PgBouncer's transaction pooling that server connection goes on to
// serve the next client, whose every statement would then fail ("relation
// … does not exist"), the restore's own check and the instances started
// after it included; pg_restore straight into the database cannot be
// followed by anything on its connection. psql reaches the end of its input
// (and commits) only once pg_restore has finished well: when pg_restore
// fails, psql is killed first, so its transaction is rolled back.
func restorePostgres(ctx context.Context, dsn, file string) error {
	conn, env, err := libpqURL(dsn)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	var script, load bytes.Buffer
	dump := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--file=-", file)
	dump.Stderr = &script
	sql, err := dump.StdoutPipe()
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	psql := exec.CommandContext(ctx, "psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
		"--file=-", "--command", "RESET ALL", "--dbname", conn)
	psql.Env = append(os.Environ(), env...)
	psql.Stdout, psql.Stderr = &load, &load
	in, err := psql.StdinPipe()
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := psql.Start(); err != nil {
		return fmt.Errorf("restore: psql: %w", err)
	}
	if err := dump.Start(); err != nil {
		_ = psql.Process.Kill()
		_ = psql.Wait()
		return fmt.Errorf("restore: pg_restore: %w", err)
	}
	_, copyErr := io.Copy(in, sql)
	if copyErr != nil {
		// psql stopped reading: a pg_restore still writing ends.
		_ = sql.Close()
	}
	dumpErr := dump.Wait()
	if dumpErr != nil || copyErr != nil {
		_ = psql.Process.Kill()
		loadErr := psql.Wait()
		if dumpErr != nil {
			return fmt.Errorf("restore: pg_restore: %v: %s", dumpErr, strings.TrimSpace(script.String()))
		}
		return fmt.Errorf("restore: psql: %v: %s", loadErr, strings.TrimSpace(load.String()))
	}
	_ = in.Close()
	if err := psql.Wait(); err != nil {
		return fmt.Errorf("restore: psql: %v: %s", err, strings.TrimSpace(load.String()))
	}
	return nil
}

// requireEmpty refuses a PostgreSQL database that already has tables.
func requireEmpty(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')").Scan(&n)
	if err != nil {
		return fmt.Errorf("restore: connect to the database: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("restore: the database already has %d tables: restore into a new, empty database (createdb) and point CHUANGDAI_DATABASE_URL at it", n)
	}
	return nil
}

// runLibpq runs a PostgreSQL client tool (pg_dump) on the
// database of dsn.
func runLibpq(ctx context.Context, dsn, what, tool string, args ...string) error {
	conn, env, err := libpqURL(dsn)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	cmd := exec.CommandContext(ctx, tool, append(args, "--dbname", conn)...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %s: %v: %s", what, tool, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// libpqParams are the URL parameters libpq understands; pg_dump and psql
// refuse any other ("invalid URI query parameter"), such as
// pgx's default_query_exec_mode or statement_cache_capacity.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"channel_binding": true, "connect_timeout": true, "client_encoding": true, "options": true,
	"application_name": true, "fallback_application_name": true, "keepalives": true,
	"keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"tcp_user_timeout": true, "gssencmode": true, "sslmode": true, "requiressl": true,
	"sslcompression": true, "sslcert": true, "sslkey": true, "sslpassword": true, "sslcertmode": true,
	"sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true, "requirepeer": true,
	"ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "krbsrvname": true,
	"gsslib": true, "gssdelegation": true, "service": true, "target_session_attrs": true,
	"load_balance_hosts": true, "require_auth": true,
}

// libpqURL turns a chuangdai PostgreSQL URL into one for libpq, keeping
// only the parameters libpq knows, and moves the password into the
// environment (PGPASSWORD) so that it does not show in the process list.
func libpqURL(dsn string) (string, []string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, errors.New("the database URL is malformed")
	}
	var env []string
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if pw := q.Get("password"); pw != "" {
		env = append(env, "PGPASSWORD="+pw)
	}
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), env, nil
}
