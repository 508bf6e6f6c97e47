package httpapi_test

import (
	"io/fs"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/web"
)

// TestStaticFilesListNoDirectory asks for every directory of the embedded UI,
// with and without the trailing slash: none is listed (404); every file is
// served.
func TestStaticFilesListNoDirectory(t *testing.T) {
	s := apptest.NewServer(t)
	dirs, files := 0, 0
	err := fs.WalkDir(web.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if !d.IsDir() {
			files++
			if strings.HasPrefix(p, "assets/") {
				s.Do("GET", "/"+p, "", nil).Want(200)
			}
			return nil
		}
		dirs++
		for _, u := range []string{"/" + p + "/", "/" + p} {
			r := s.Do("GET", u, "", nil)
			if r.Status != 404 || strings.Contains(string(r.Body), "<a href") {
				t.Errorf("GET %s: %d %.200s", u, r.Status, r.Body)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if dirs == 0 || files == 0 {
		t.Fatalf("%d directories and %d files walked", dirs, files)
	}
	s.Do("GET", "/", "", nil).Want(200)
}
