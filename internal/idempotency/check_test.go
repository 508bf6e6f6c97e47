package idempotency

import (
	"strings"
	"testing"

	"chuangdai/internal/apperr"
)

func TestCheckKey(t *testing.T) {
	for v, code := range map[string]string{
		"":                       "idempotency.key_required",
		"k-1":                    "",
		strings.Repeat("k", 255): "",
		strings.Repeat("k", 256): "bad_request",
		"k 1":                    "bad_request",
		"ключ":                   "bad_request",
		"k\x7f":                  "bad_request",
	} {
		err := CheckKey(v)
		if (code == "" && err != nil) || (code != "" && apperr.CodeOf(err) != code) {
			t.Errorf("CheckKey(%q) = %v, want %q", v, err, code)
		}
	}
}
