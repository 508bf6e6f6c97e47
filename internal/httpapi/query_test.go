package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestQueryParametersNeverCrash sends hostile values for every documented
// query parameter of every GET route, as a role that may call it: each answer
// is 200 or a client error, never a 5xx.
func TestQueryParametersNeverCrash(t *testing.T) {
	w := newWorld(t)
	values := []string{"x", "-1", "0", "99999999999999999999", "2024-13-45", "2024-02-30", "0000-01-01", "0001-01-01", "9999-12-31", "1e9", "%00", "'; DROP TABLE loans; --", strings.Repeat("9", 300), "csv", "xlsx", "pdf"}
	for _, r := range w.s.App.Server.Routes {
		if r.Method != "GET" || len(r.Query) == 0 {
			continue
		}
		path, _ := w.url(r.Path, "own")
		for _, role := range matrixRoles {
			for _, q := range r.Query {
				for _, v := range values {
					resp := w.s.Do("GET", path+"?"+url.Values{q.Name: {v}}.Encode(), w.tokens[role], nil)
					if resp.Status >= 500 {
						t.Errorf("GET %s?%s=%q as %s: %d %s", r.Path, q.Name, v, role, resp.Status, resp.Body)
					}
				}
			}
		}
	}
}
