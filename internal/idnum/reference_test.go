package idnum

import (
	"regexp"
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

// ValidReference accepts what the rule's regular expression matches, and
// nothing else.
func FuzzValidReference(f *testing.F) {
	rule := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./:-]{0,63}$`)
	for _, s := range []string{"D-20240315-0001", "a", "", "-D1", "D 1", "流水1", "D1\n", "\nD1", "D1\xff", strings.Repeat("9", 64),
		strings.Repeat("9", 65), "9" + strings.Repeat("流", 21), "A:b/c.d_e-f", "Ａ1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidReference(s), rule.MatchString(s); got != want {
			t.Fatalf("ValidReference(%q) = %v, the rule says %v", s, got, want)
		}
	})
}
