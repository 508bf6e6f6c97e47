package idnum

import (
	"strings"
	"testing"
)

func FuzzParseResident(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "", "x", "110105194912310021", "11010519491331002X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseResident(s)
		if err != nil {
			return
		}
		// Whatever is accepted is 18 characters, re-validates, and keeps
		// what it encodes.
		if len(r.Number) != 18 || r.Number != strings.ToUpper(strings.TrimSpace(s)) {
			t.Fatalf("accepted %q as %q", s, r.Number)
		}
		again, err := ParseResident(r.Number)
		if err != nil || again != r {
			t.Fatalf("re-parse of %q: %+v, %v", r.Number, again, err)
		}
		if r.Birth.Format("20060102") != r.Number[6:14] {
			t.Fatalf("birth %s does not match %s", r.Birth, r.Number)
		}
		if m := Mask(r.Number); len(m) != 18 || m[:6] != r.Number[:6] || m[14:] != r.Number[14:] {
			t.Fatalf("mask %q of %q", m, r.Number)
		}
	})
}

func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91110000600037341L", "", "91350100M000100Y4I"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := CheckCreditCode(s)
		if err != nil {
			return
		}
		if len(code) != 18 {
			t.Fatalf("accepted %q", s)
		}
		if _, err := CheckCreditCode(code); err != nil {
			t.Fatalf("normalised %q no longer valid: %v", code, err)
		}
	})
}
