// Package migrations embeds the versioned SQL migrations of both engines, so
// the binary carries its schema. Every schema change adds one file to each
// folder with the same version number, in the same commit.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
