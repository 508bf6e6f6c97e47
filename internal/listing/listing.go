// Package listing holds what the API's lists share beyond paging: the order
// a person asks for with sort=column (ascending) or sort=-column
// (descending), checked against the columns each list sorts by.
package listing

import (
	"strings"

	"chuangdai/internal/apperr"
	"chuangdai/internal/msg"
)

// Sort is a list's order: one of the list's sort keys, ascending unless
// Desc. The zero Sort is the list's default order.
type Sort struct {
	Key  string
	Desc bool
}

// ParseSort reads the sort parameter v against keys, adding a field error
// for anything else. An empty v is the zero Sort.
func ParseSort(v string, keys []string, f *apperr.Fields) Sort {
	v = strings.TrimSpace(v)
	if v == "" {
		return Sort{}
	}
	s := Sort{Key: strings.TrimPrefix(v, "-"), Desc: strings.HasPrefix(v, "-")}
	for _, k := range keys {
		if k == s.Key {
			return s
		}
	}
	f.Addf("sort", "must be one of %s, or one of them after - for the reverse order", strings.Join(keys, ", "))
	return Sort{}
}

// Values splits a comma-separated filter (status=a,b) into its values,
// dropping blanks; each value must be one of allowed (in kind, for the
// message) or field gets an error.
func Values[S ~string](v, field, kind string, allowed []S, f *apperr.Fields) []S {
	var out []S
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || string(a) == part
		}
		if !ok {
			f.Addf(field, "must be one of %s (several separated by commas)", msg.OneOf(kind, allowed...))
			return nil
		}
		out = append(out, S(part))
	}
	return out
}
