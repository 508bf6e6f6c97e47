// Package web holds the browser UI, embedded into the binary so that the
// product needs nothing from outside hosts. dist is the Vite build of the
// Vue sources beside it (make web), committed so that building the binary
// needs only Go.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var files embed.FS

// FS returns the UI's files with index.html at the root.
func FS() fs.FS {
	sub, err := fs.Sub(files, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}
