package idnum

import (
	"strings"
	"testing"
)

func TestValidReference(t *testing.T) {
	for v, want := range map[string]bool{
		"D-20240315-0001": true, "LEGACY-2024-0001": true, "a": true, "x/y:z.w_v": true,
		strings.Repeat("9", 64): true, strings.Repeat("9", 65): false,
		"": false, "-D1": false, "_D1": false, "D 1": false, "流水1": false, "D1\n": false,
	} {
		if got := ValidReference(v); got != want {
			t.Errorf("ValidReference(%q) = %v, want %v", v, got, want)
		}
	}
}
