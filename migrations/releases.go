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
// ReleasedList reads every release. A line already listed is added once:
// released.sha256 had grown by 00023–00026 before the lists became files,
// and released/00023.sha256 lists them again, with the same sums. The same
// file listed with another sum is kept twice, and the tests refuse it.
func init() {
	names, err := fs.Glob(laterReleases, "released/*.sha256")
	if err != nil {
		panic(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(releasedList, "\n") {
		listed[line] = true
	}
	var b strings.Builder
	b.WriteString(releasedList)
	for _, n := range names {
		text, err := fs.ReadFile(laterReleases, n)
		if err != nil {
			panic(err)
		}
		for _, line := range strings.Split(string(text), "\n") {
			if line == "" || listed[line] {
				continue
			}
			listed[line] = true
			b.WriteString("\n")
			b.WriteString(line)
		}
	}
	releasedList = b.String()
}
