package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"chuangdai/internal/config"
)

// Backup writes a consistent copy of the database to path while the
// service keeps running: SQLite's VACUUM INTO (an online, transactionally
// consistent copy), or pg_dump's custom format for PostgreSQL (restore it
// with pg_restore).
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
		cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--file", path, "--dbname", d.DSN)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("backup: pg_dump: %v: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	return fmt.Errorf("backup: unknown engine %q", db.Engine)
}
