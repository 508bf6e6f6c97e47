// Package migrations embeds the versioned SQL migrations of both engines, so
// the binary carries its schema. Every schema change adds one file to each
// folder with the same version number, in the same commit.
//
// Releases are forward-only: everything on main is released, and
// released.sha256 lists the SHA-256 of every migration that has landed
// there. A listed file is never edited again (a test fails when one changes
// or disappears); a change ships as a new migration for both engines.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS

// releasedList is released.sha256: lines of "sha256  engine/file.sql", the
// format of sha256sum.
//
//go:embed released.sha256
var releasedList string
