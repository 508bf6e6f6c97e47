package support

import (
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/beijing"
	"chuangdai/internal/policy"
)

// Application is what the waiver rule needs to know about an application.
type Application struct {
	BorrowerType string
	// Amount is the approved amount once the bank set it, else the requested one.
	Amount decimal.Decimal
	// AppliedOn is the day the application was submitted (or created, for a draft).
	AppliedOn time.Time
}

var levelNames = map[string]string{"national": "国家级", "provincial": "省级", "municipal": "市级"}

// Waiver decides whether the counter-guarantee (反担保) is waived for an
// application, and says why: an individual loan up to the policy's limit, or
// an applicant who had moved into a base of a waiving level (a demonstration
// base's recommendation) by the day they applied — then base is the
// incubation record the waiver rests on. v is the policy version in force on
// that day; tenancies are the applicant's.
func Waiver(v policy.Version, app Application, tenancies []Tenancy) (waived bool, reason string, base *Tenancy) {
	limit := v.CounterGuarantee.WaivedIndividualUpTo.Decimal
	if app.BorrowerType == "individual" && limit.IsPositive() && !app.Amount.GreaterThan(limit) {
		return true, "个人贷款不超过" + yuanCN(limit) + " / individual loan ≤ " + grouped(limit), nil
	}
	var best *Tenancy
	for i, t := range tenancies {
		if !slices.Contains(v.CounterGuarantee.WaivedBaseLevels, t.BaseLevel) || t.MoveIn.After(app.AppliedOn) {
			continue
		}
		if best == nil || levelRank(t.BaseLevel) < levelRank(best.BaseLevel) {
			best = &tenancies[i]
		}
	}
	if best == nil {
		return false, "", nil
	}
	return true, levelNames[best.BaseLevel] + "创业孵化示范基地推荐：" + best.BaseName +
		" / recommended by the " + best.BaseLevel + " incubation demonstration base " + best.BaseName, best
}

// RecordedAfter reports whether the incubation record was entered after the
// application day: a move-in before that day then was written backdated,
// and the guarantee officer should check it before relying on the waiver.
func (t Tenancy) RecordedAfter(appliedOn time.Time) bool {
	return beijing.Day(t.CreatedAt).After(appliedOn)
}

func levelRank(l string) int { return slices.Index(Levels, l) }

// yuanCN writes an amount the way notices do: 100000.00 → 10万元.
func yuanCN(d decimal.Decimal) string {
	wan := decimal.NewFromInt(10000)
	if d.Mod(wan).IsZero() {
		return d.Div(wan).String() + "万元"
	}
	return d.StringFixed(2) + "元"
}

// grouped writes an amount with thousands separators: 100,000.00.
func grouped(d decimal.Decimal) string {
	s := d.StringFixed(2)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}
