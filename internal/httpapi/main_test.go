package httpapi_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/httpapi"
)

// TestMain runs the package's tests, and after a whole run (no -run, -skip
// or -short) fails when a route of the route table never answered a success
// that fits the OpenAPI document: every route's answer is then validated by
// some test.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code != 0 || testing.Short() {
		os.Exit(code)
	}
	for _, f := range []string{"test.run", "test.skip", "test.list"} {
		if flag.Lookup(f).Value.String() != "" {
			os.Exit(code)
		}
	}
	var missing []string
	for _, r := range httpapi.New(httpapi.Deps{}).Routes {
		if !apptest.Answered(r.Method, r.Path) {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d routes never answered a success that the tests checked against the OpenAPI document:\n", len(missing))
		for _, k := range missing {
			fmt.Fprintln(os.Stderr, "  "+k)
		}
		os.Exit(1)
	}
	os.Exit(code)
}
