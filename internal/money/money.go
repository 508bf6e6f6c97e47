// Package money holds the one way chuangdai reads, stores, rounds and prints
// amounts of yuan and interest rates. Amounts are decimal.Decimal in Go and
// integer fen in the database; rates are integer millionths in the database.
package money

import (
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

// Format prints an amount with exactly two decimals.
func Format(d decimal.Decimal) string { return d.StringFixed(2) }

// FormatFen prints an amount of fen as yuan with two decimals.
func FormatFen(fen int64) string { return Format(FromFen(fen)) }

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
	s := r.StringFixed(6)
	for len(s) > 0 && s[len(s)-1] == '0' && len(s)-indexDot(s) > 5 {
		s = s[:len(s)-1]
	}
	return s
}

func indexDot(s string) int {
	for i := range len(s) {
		if s[i] == '.' {
			return i
		}
	}
	return len(s)
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
