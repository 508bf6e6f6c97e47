// Package money holds the one way chuangdai reads, stores, rounds and prints
// amounts of yuan and interest rates. Amounts are decimal.Decimal in Go and
// integer fen in the database; rates are integer millionths in the database.
package money

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/shopspring/decimal"

	"chuangdai/internal/msg"
)

var (
	amountPattern = regexp.MustCompile(`^-?[0-9]{1,13}(\.[0-9]{1,2})?$`)
	ratePattern   = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,6})?$`)
	hundred       = decimal.NewFromInt(100)
	million       = decimal.NewFromInt(1_000_000)
)

// ErrFormat is returned for text that is not an amount with at most two decimals.
var ErrFormat = msg.Err("must be a decimal string with at most two decimals, such as \"200000.00\"")

// ErrNotPositive is returned for an amount that must be above zero and is not.
var ErrNotPositive = msg.Err("must be greater than 0.00")

// ErrRateFormat is returned for text that is not a decimal-fraction rate.
var ErrRateFormat = msg.Err("must be a decimal fraction with at most six decimals, such as \"0.0395\" for 3.95%%")

// Parse reads an amount of yuan such as "200000.00" or "12.5". It refuses
// exponents, more than two decimals and more than 13 integer digits.
func Parse(s string) (decimal.Decimal, error) {
	if !amountPattern.MatchString(s) {
		return decimal.Zero, ErrFormat
	}
	return decimal.NewFromString(s)
}

// ParsePositive reads an amount that must be above zero.
func ParsePositive(s string) (decimal.Decimal, error) {
	d, err := Parse(s)
	if err != nil {
		return d, err
	}
	if !d.IsPositive() {
		return d, ErrNotPositive
	}
	return d, nil
}

// Format prints an amount with exactly two decimals, as d.StringFixed(2)
// does (rounded half away from zero). An amount of whole fen up to 18
// digits, every amount the service holds, is printed from its integer
// fen, without the big numbers' rounding and printing.
func Format(d decimal.Decimal) string {
	if fen, ok := scaled(d, 2); ok {
		return FormatFen(fen)
	}
	return d.StringFixed(2)
}

// FormatFen prints an amount of fen as yuan with two decimals.
func FormatFen(fen int64) string {
	if fen < -maxScaled || fen > maxScaled {
		return FromFen(fen).StringFixed(2)
	}
	var b [24]byte
	return string(appendFixed(b[:0], fen, 2))
}

// maxScaled is the largest integer of 18 digits: scaled answers no larger,
// and its negation is an int64 too.
const maxScaled = 999_999_999_999_999_999

// appendFixed appends n / 10^places with exactly places decimals, as
// decimal.New(n, -places).StringFixed(places) prints it; |n| ≤ maxScaled.
func appendFixed(b []byte, n int64, places int) []byte {
	if n < 0 {
		b, n = append(b, '-'), -n
	}
	var digits [20]byte // 18 digits, the point and a leading zero
	i := len(digits)
	for range places {
		i--
		digits[i], n = byte('0'+n%10), n/10
	}
	i--
	digits[i] = '.'
	for {
		i--
		digits[i], n = byte('0'+n%10), n/10
		if n == 0 {
			break
		}
	}
	return append(b, digits[i:]...)
}

// RoundFen is the one rounding rule for money: half-up to the fen (分).
// Amounts are never negative where it is applied, so half-up equals
// decimal's half-away-from-zero.
func RoundFen(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// ToFen converts an amount to integer fen, refusing sub-fen precision.
func ToFen(d decimal.Decimal) (int64, error) {
	if n, ok := scaled(d, 2); ok {
		return n, nil
	}
	f := d.Mul(hundred)
	if !f.IsInteger() {
		return 0, fmt.Errorf("amount %s has more than two decimals", d.String())
	}
	return f.IntPart(), nil
}

// MustFen converts an amount known to be whole fen (for example after RoundFen).
func MustFen(d decimal.Decimal) int64 {
	f, err := ToFen(d)
	if err != nil {
		panic(err)
	}
	return f
}

// FromFen converts integer fen to an amount of yuan.
func FromFen(fen int64) decimal.Decimal { return decimal.New(fen, -2) }

// ParseRate reads an annual rate written as a decimal fraction ("0.0395").
func ParseRate(s string) (decimal.Decimal, error) {
	if !ratePattern.MatchString(s) {
		return decimal.Zero, ErrRateFormat
	}
	return decimal.NewFromString(s)
}

// RateToPPM converts a rate to integer millionths (0.0395 → 39500).
func RateToPPM(r decimal.Decimal) (int64, error) {
	if n, ok := scaled(r, 6); ok {
		return n, nil
	}
	m := r.Mul(million)
	if !m.IsInteger() {
		return 0, fmt.Errorf("rate %s has more than six decimals", r.String())
	}
	return m.IntPart(), nil
}

// scaled is d × 10^places when d has at most places decimals and the
// result has at most 18 digits: the coefficient shifted, as the
// multiplication of big numbers would answer, without it.
func scaled(d decimal.Decimal, places int32) (int64, bool) {
	shift := places + d.Exponent()
	if shift < 0 || shift > places || d.NumDigits()+int(shift) > 18 {
		return 0, false
	}
	n := d.CoefficientInt64()
	for range shift {
		n *= 10
	}
	return n, true
}

// RateFromPPM converts integer millionths back to a rate.
func RateFromPPM(ppm int64) decimal.Decimal { return decimal.New(ppm, -6) }

// FormatRate prints a rate as a decimal fraction with four to six decimals.
func FormatRate(r decimal.Decimal) string {
	if ppm, ok := scaled(r, 6); ok {
		var b [24]byte
		return string(trimRate(appendFixed(b[:0], ppm, 6)))
	}
	return string(trimRate([]byte(r.StringFixed(6))))
}

// trimRate drops the trailing zeros of a rate printed with six decimals
// down to four decimals.
func trimRate(s []byte) []byte {
	dot := bytes.IndexByte(s, '.')
	if dot < 0 {
		dot = len(s)
	}
	for len(s) > 0 && s[len(s)-1] == '0' && len(s)-dot > 5 {
		s = s[:len(s)-1]
	}
	return s
}

// Percent returns part/whole × 100 rounded half-up to two decimals, printed
// with two decimals, or nil when whole is zero. The division is exact: the
// remainder decides the rounding, so 12.345 becomes 12.35 and never 12.34.
func Percent(part, whole decimal.Decimal) *string {
	if whole.IsZero() {
		return nil
	}
	q, r := part.Mul(decimal.NewFromInt(10000)).QuoRem(whole, 0)
	if r.Mul(decimal.NewFromInt(2)).Abs().Cmp(whole.Abs()) >= 0 {
		if r.Sign()*whole.Sign() < 0 {
			q = q.Sub(decimal.NewFromInt(1))
		} else {
			q = q.Add(decimal.NewFromInt(1))
		}
	}
	s := q.Div(hundred).StringFixed(2)
	return &s
}
