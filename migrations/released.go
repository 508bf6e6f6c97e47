package migrations

import (
	_ "embed"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Releases are forward-only: everything on main is released, and
// released.sha256 lists the SHA-256 of every migration that has landed
// there. A listed file is never edited again (a test fails when one changes
// or disappears); a change ships as a new migration for both engines.
//
// releasedList is released.sha256: lines of "sha256  engine/file.sql", the
// format of sha256sum.
//
//go:embed released.sha256
var releasedList string

// Released is one line of released.sha256: a migration that has landed on
// main and so may never change again.
type Released struct {
	// SHA256 is the hex digest of the file's bytes.
	SHA256 string
	// Path is the file in FS, e.g. "postgres/00001_foundation.sql".
	Path string
	// Version is the file's goose version, the number its name starts with.
	Version int64
}

// ReleasedList parses released.sha256.
func ReleasedList() ([]Released, error) {
	var out []Released
	for i, line := range strings.Split(releasedList, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		sum, p, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("released.sha256 line %d: want \"<sha256>  <engine>/<file>.sql\", got %q", i+1, line)
		}
		v, err := Version(p)
		if err != nil {
			return nil, fmt.Errorf("released.sha256 line %d: %w", i+1, err)
		}
		out = append(out, Released{SHA256: sum, Path: p, Version: v})
	}
	return out, nil
}

// LastReleased is the highest version released.sha256 lists: the schema the
// previous release left behind.
func LastReleased() (int64, error) {
	list, err := ReleasedList()
	if err != nil {
		return 0, err
	}
	var last int64
	for _, r := range list {
		last = max(last, r.Version)
	}
	return last, nil
}

// Version is the goose version of a migration file: the number before the
// first underscore of its name.
func Version(file string) (int64, error) {
	num, _, ok := strings.Cut(path.Base(file), "_")
	v, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || v <= 0 {
		return 0, fmt.Errorf("migration %q: the name does not start with a version number and an underscore", file)
	}
	return v, nil
}
