package httpapi_test

import (
	"reflect"
	"strings"
	"testing"
)

// hostile builds a value of type t with every string far too long or odd,
// every number out of range, and every list long.
func hostile(t reflect.Type, variant int) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return []string{strings.Repeat("字", 5000), "-1", "0.001", "2024-02-30", "<script>alert(1)</script>", ""}[variant]
	case reflect.Int, reflect.Int64, reflect.Int32:
		return []int64{-1, 0, 1 << 40, -1 << 40, 2147483648, 7}[variant]
	case reflect.Bool:
		return variant%2 == 0
	case reflect.Slice:
		n := []int{0, 1, 300, 2, 0, 1}[variant]
		out := make([]any, n)
		for i := range out {
			out[i] = hostile(t.Elem(), variant)
		}
		return out
	case reflect.Struct:
		m := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			m[name] = hostile(f.Type, variant)
		}
		return m
	}
	return nil
}

// TestHostileBodiesNeverCrash sends odd but well-formed JSON to every write
// route as every role: the answer is a success or a client error, never 5xx.
func TestHostileBodiesNeverCrash(t *testing.T) {
	w := newWorld(t)
	sent, refused := 0, 0
	for _, r := range w.s.App.Server.Routes {
		if r.Request == nil || r.Public {
			continue
		}
		path, _ := w.url(r.Path, "own")
		for _, role := range matrixRoles {
			for variant := range 6 {
				body := hostile(reflect.TypeOf(r.Request), variant)
				resp := w.s.Do(r.Method, path, w.tokens[role], body, "Idempotency-Key", "hostile-"+role+r.Path+string(rune('a'+variant)))
				if resp.Status >= 500 {
					t.Errorf("%s %s as %s (variant %d): %d %.300s", r.Method, r.Path, role, variant, resp.Status, resp.Body)
				}
				sent++
				if resp.Status == 422 {
					refused++
				}
			}
		}
	}
	if sent < 800 || refused < 100 {
		t.Fatalf("only %d requests sent, %d refused as invalid: the routes were not exercised", sent, refused)
	}
}
