package money

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"200000.00", "200000", true},
		{"12.5", "12.5", true},
		{"0", "0", true},
		{"1.234", "", false},
		{"1e5", "", false},
		{"", "", false},
		{" 1.00", "", false},
		{"1,000.00", "", false},
		{"12345678901234.00", "", false},
		{".5", "", false},
	}
	for _, c := range cases {
		d, err := Parse(c.in)
		if (err == nil) != c.ok {
			t.Errorf("Parse(%q) error = %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && !d.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("Parse(%q) = %s, want %s", c.in, d, c.want)
		}
	}
}

func TestFenRoundTrip(t *testing.T) {
	d := decimal.RequireFromString("289716000.07")
	fen, err := ToFen(d)
	if err != nil || fen != 28971600007 {
		t.Fatalf("ToFen = %d, %v", fen, err)
	}
	if got := FormatFen(fen); got != "289716000.07" {
		t.Fatalf("FormatFen = %s", got)
	}
	if _, err := ToFen(decimal.RequireFromString("0.001")); err == nil {
		t.Fatal("ToFen accepted sub-fen precision")
	}
}

func TestRoundFenHalfUp(t *testing.T) {
	cases := map[string]string{
		"1064.305":   "1064.31",
		"1064.3049":  "1064.30",
		"2128.6111":  "2128.61",
		"0.005":      "0.01",
		"0.004999":   "0.00",
		"99999.9950": "100000.00",
	}
	for in, want := range cases {
		if got := Format(RoundFen(decimal.RequireFromString(in))); got != want {
			t.Errorf("RoundFen(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestRate(t *testing.T) {
	r, err := ParseRate("0.0395")
	if err != nil {
		t.Fatal(err)
	}
	ppm, err := RateToPPM(r)
	if err != nil || ppm != 39500 {
		t.Fatalf("RateToPPM = %d, %v", ppm, err)
	}
	if got := FormatRate(RateFromPPM(ppm)); got != "0.0395" {
		t.Fatalf("FormatRate = %s", got)
	}
	if got := FormatRate(RateFromPPM(31000)); got != "0.0310" {
		t.Fatalf("FormatRate = %s", got)
	}
	if got := FormatRate(RateFromPPM(34125)); got != "0.034125" {
		t.Fatalf("FormatRate = %s", got)
	}
	for _, bad := range []string{"3.95%", "-0.01", "0.0000001", "abc"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

func TestPercent(t *testing.T) {
	cases := []struct{ part, whole, want string }{
		{"12345", "100000", "12.35"}, // exactly .xx5 rounds up
		{"12344", "100000", "12.34"},
		{"1", "3", "33.33"},
		{"2", "3", "66.67"},
		{"28971600000", "67420000000", "42.97"},
	}
	for _, c := range cases {
		got := Percent(decimal.RequireFromString(c.part), decimal.RequireFromString(c.whole))
		if got == nil || *got != c.want {
			t.Errorf("Percent(%s,%s) = %v, want %s", c.part, c.whole, got, c.want)
		}
	}
	if Percent(decimal.NewFromInt(1), decimal.Zero) != nil {
		t.Error("Percent with zero whole should be nil")
	}
}

// ToFen and RateToPPM answer what multiplying by 100 and by 1,000,000
// answers, for the amounts they take without multiplying (at most two or
// six decimals, up to 18 digits) and for the others.
func TestFenAndPPMAreTheProduct(t *testing.T) {
	for _, s := range []string{"0", "0.00", "200000.00", "1.5", "300000", "12345678901234.56", "9999999999999999.99",
		"99999999999999999.99", "1E3", "1.000", "0.0395", "0.000001", "0.039500", "12.345678", "-0.02", "-123.45",
		"9223372036854775807", "92233720368547758.07", "0.001", "0.0000001", "1E-8"} {
		d := decimal.RequireFromString(s)
		for _, c := range []struct {
			conv   func(decimal.Decimal) (int64, error)
			factor int64
		}{{ToFen, 100}, {RateToPPM, 1_000_000}} {
			p := d.Mul(decimal.NewFromInt(c.factor))
			got, err := c.conv(d)
			if p.IsInteger() != (err == nil) || err == nil && got != p.IntPart() {
				t.Errorf("%s × %d: %d, %v; the product is %s", s, c.factor, got, err, p)
			}
		}
	}
}

// TestFormatIsStringFixed holds Format, FormatFen and FormatRate, which
// print whole fen and ppm from their integers, to what the big numbers
// print: StringFixed(2), and StringFixed(6) less its trailing zeros down to
// four decimals.
func TestFormatIsStringFixed(t *testing.T) {
	rate := func(r decimal.Decimal) string {
		s := r.StringFixed(6)
		dot := strings.IndexByte(s, '.')
		for strings.HasSuffix(s, "0") && len(s)-dot > 5 {
			s = s[:len(s)-1]
		}
		return s
	}
	var ds []decimal.Decimal
	for _, s := range []string{"0", "0.00", "-0.01", "0.01", "0.1", "-0.1", "1", "-1", "0.005", "-0.005", "0.0049", "12.345", "200000.00",
		"0.0395", "0.039500", "0.000001", "-0.000001", "0.0000005", "1E3", "1.5E-7", "999999999999999999", "-999999999999999999",
		"9999999999999999.99", "-9999999999999999.99", "99999999999999999.99", "9223372036854775807", "-9223372036854775808",
		"92233720368547758.07", "1000000000000000000", "123456789012.345678"} {
		ds = append(ds, decimal.RequireFromString(s))
	}
	ds = append(ds, decimal.Decimal{}, decimal.Zero, FromFen(0), RateFromPPM(0))
	rnd := rand.New(rand.NewPCG(16, 3))
	for range 20000 {
		n := rnd.Int64N(2_000_000_000_000_000_000) - 1_000_000_000_000_000_000
		n >>= rnd.UintN(62)
		ds = append(ds, decimal.New(n, -rnd.Int32N(10)+1))
	}
	for _, d := range ds {
		if got, want := Format(d), d.StringFixed(2); got != want {
			t.Errorf("Format(%s) = %q, want %q", d, got, want)
		}
		if got, want := FormatRate(d), rate(d); got != want {
			t.Errorf("FormatRate(%s) = %q, want %q", d, got, want)
		}
		if d.Exponent() == -2 && d.Coefficient().IsInt64() {
			if got, want := FormatFen(d.CoefficientInt64()), d.StringFixed(2); got != want {
				t.Errorf("FormatFen(%d) = %q, want %q", d.CoefficientInt64(), got, want)
			}
		}
	}
	for _, fen := range []int64{math.MaxInt64, math.MinInt64, maxScaled, -maxScaled, maxScaled + 1, -maxScaled - 1} {
		if got, want := FormatFen(fen), decimal.New(fen, -2).StringFixed(2); got != want {
			t.Errorf("FormatFen(%d) = %q, want %q", fen, got, want)
		}
	}
}
