package migrations_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strings"
	"testing"

	"chuangdai/migrations"
)

const shipNew = "a released migration is never edited: put it back as it was and ship a new migration (the next free number, both engines) for the change"

// TestReleasedMigrationsUnchanged fails when a migration listed in
// released.sha256 changed or disappeared.
func TestReleasedMigrationsUnchanged(t *testing.T) {
	list, err := migrations.ReleasedList()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("released.sha256 lists no migration")
	}
	seen := map[string]bool{}
	for _, r := range list {
		if seen[r.Path] {
			t.Errorf("released.sha256 lists %s twice", r.Path)
		}
		seen[r.Path] = true
		b, err := fs.ReadFile(migrations.FS, r.Path)
		if err != nil {
			t.Errorf("released migration %s is gone (%v): %s", r.Path, err, shipNew)
			continue
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != r.SHA256 {
			t.Errorf("released migration %s changed (sha256 %x, released %s): %s", r.Path, sum, r.SHA256, shipNew)
		}
	}
}

// TestReleasedMigrationsComplete: every released version is listed for both
// engines, and a migration not listed yet (one that lands with the commit
// under test) comes after every released one, so that a released database
// never has a gap for it to fall into.
func TestReleasedMigrationsComplete(t *testing.T) {
	list, err := migrations.ReleasedList()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	versions := map[int64]map[string]bool{}
	for _, r := range list {
		listed[r.Path] = true
		engine, _, _ := strings.Cut(r.Path, "/")
		if versions[r.Version] == nil {
			versions[r.Version] = map[string]bool{}
		}
		versions[r.Version][engine] = true
	}
	for v, engines := range versions {
		if !engines["postgres"] || !engines["sqlite"] {
			t.Errorf("released.sha256 lists version %d for %v only: list both engines", v, engines)
		}
	}
	last, err := migrations.LastReleased()
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{"postgres", "sqlite"} {
		files, err := fs.Glob(migrations.FS, engine+"/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if listed[f] {
				continue
			}
			v, err := migrations.Version(f)
			if err != nil {
				t.Error(err)
				continue
			}
			if v <= last {
				t.Errorf("%s is not released but numbered %d, at or below the last released version %d: number it %d or above", f, v, last, last+1)
			}
		}
	}
}
