package msg

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Percent is a rate kept as a decimal fraction (0.0395) and shown as a
// percentage with at least two decimals ("3.95%", "4.125%"), the unit people
// type rates in.
type Percent decimal.Decimal

// Localize prints the percentage.
func (p Percent) Localize(Lang) string {
	s := decimal.Decimal(p).Shift(2).StringFixed(4)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s + "%"
}

// Money is an amount of yuan, shown with thousands separators, two decimals
// and the unit: "300,000.00 元", "300,000.00 yuan".
type Money decimal.Decimal

// Localize prints the amount.
func (m Money) Localize(l Lang) string {
	s := decimal.Decimal(m).StringFixed(2)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	unit := " 元"
	if l == EN {
		unit = " yuan"
	}
	return sign + b.String() + "." + frac + unit
}

// Enum is a code of a closed list (a status, key group, role, borrower type
// …). In Chinese it shows its label from zh_CN.po (msgctxt = the kind); in
// English the code itself, as the API spells it.
type Enum struct {
	Kind, Code string
}

// Label is the Enum of code in kind.
func Label[S ~string](kind string, code S) Enum { return Enum{Kind: kind, Code: string(code)} }

// Localize prints the label, or the code when the catalogue has none.
func (e Enum) Localize(l Lang) string {
	if l == ZH {
		if z, ok := catalogue().labels[e.Kind][e.Code]; ok {
			return z
		}
	}
	return e.Code
}

// Choices is the list of codes a value must be one of. Chinese names each
// choice by its label with the code to send ("个人（individual）、合伙（partnership）");
// English lists the codes.
type Choices struct {
	Kind  string
	Codes []string
}

// OneOf is the Choices of codes in kind.
func OneOf[S ~string](kind string, codes ...S) Choices {
	c := Choices{Kind: kind, Codes: make([]string, len(codes))}
	for i, code := range codes {
		c.Codes[i] = string(code)
	}
	return c
}

// Localize prints the list.
func (c Choices) Localize(l Lang) string {
	if l == EN {
		return strings.Join(c.Codes, ", ")
	}
	parts := make([]string, len(c.Codes))
	for i, code := range c.Codes {
		if z, ok := catalogue().labels[c.Kind][code]; ok && z != code {
			parts[i] = z + "（" + code + "）"
		} else {
			parts[i] = code
		}
	}
	return strings.Join(parts, "、")
}
