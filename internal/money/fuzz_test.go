package money

import (
	"testing"

	"github.com/shopspring/decimal"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"200000.00", "0.01", "-1.5", "1e5", "12.345", "9999999999999.99", "", "00.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		fen, err := ToFen(d)
		if err != nil {
			t.Fatalf("accepted %q but it is not whole fen: %v", s, err)
		}
		if !FromFen(fen).Equal(d) {
			t.Fatalf("fen round trip of %q: %d", s, fen)
		}
		back, err := Parse(Format(d))
		if err != nil || !back.Equal(d) {
			t.Fatalf("Format(%q) = %q does not parse back", s, Format(d))
		}
		if !RoundFen(d).Equal(d) {
			t.Fatalf("rounding changed an exact amount %q", s)
		}
	})
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"0.0395", "0.031", "1", "0.0000001", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		ppm, err := RateToPPM(r)
		if err != nil || !RateFromPPM(ppm).Equal(r) {
			t.Fatalf("ppm round trip of %q: %d, %v", s, ppm, err)
		}
		if back, err := ParseRate(FormatRate(r)); err != nil || !back.Equal(r) {
			t.Fatalf("FormatRate(%q) = %q", s, FormatRate(r))
		}
	})
}

func FuzzPercent(f *testing.F) {
	f.Add(int64(12345), int64(100000))
	f.Add(int64(1), int64(3))
	f.Add(int64(0), int64(7))
	f.Fuzz(func(t *testing.T, part, whole int64) {
		if whole <= 0 || part < 0 || part > 1<<50 || whole > 1<<50 {
			return
		}
		got := Percent(decimal.NewFromInt(part), decimal.NewFromInt(whole))
		if got == nil {
			t.Fatal("nil for a positive whole")
		}
		p := decimal.RequireFromString(*got)
		exact := decimal.NewFromInt(part).Mul(decimal.NewFromInt(100)).Div(decimal.NewFromInt(whole))
		if p.Sub(exact).Abs().GreaterThan(decimal.RequireFromString("0.005")) {
			t.Fatalf("Percent(%d,%d) = %s, exact %s", part, whole, *got, exact)
		}
	})
}
