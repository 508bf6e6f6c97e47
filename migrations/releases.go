package migrations

import (
	"embed"
	"io/fs"
	"strings"
)

// released.sha256 is itself released, so it is never edited again: each
// landing that ships migrations lists them in a new file of released/ (make
// release-migrations names it after the first version it lists), in the same
// format, and never touches an earlier one.
//
//go:embed released/*.sha256
var laterReleases embed.FS

// init adds the lists of released/ to releasedList, in name order, so that
// ReleasedList reads every release.
func init() {
	names, err := fs.Glob(laterReleases, "released/*.sha256")
	if err != nil {
		panic(err)
	}
	var b strings.Builder
	b.WriteString(releasedList)
	for _, n := range names {
		text, err := fs.ReadFile(laterReleases, n)
		if err != nil {
			panic(err)
		}
		b.WriteString("\n")
		b.Write(text)
	}
	releasedList = b.String()
}
