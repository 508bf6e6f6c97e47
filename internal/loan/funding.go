package loan

import (
	"github.com/shopspring/decimal"

	"chuangdai/internal/money"
)

// Levels of government that fund the subsidy, in the order of Funding.
var Levels = []string{"central", "provincial", "city", "county"}

// Parts is an amount of subsidy in fen split by level of government, in the
// order of Levels. Unspecified is the subsidy of loans whose regime names no
// shares (a policy file written before the shares existed).
type Parts struct {
	Levels      [4]int64
	Unspecified int64
}

// Add adds q to p.
func (p *Parts) Add(q Parts) {
	for i := range p.Levels {
		p.Levels[i] += q.Levels[i]
	}
	p.Unspecified += q.Unspecified
}

// Sum is what the parts add up to.
func (p Parts) Sum() int64 {
	s := p.Unspecified
	for _, x := range p.Levels {
		s += x
	}
	return s
}

func (f Funding) shares() [4]decimal.Decimal {
	return [4]decimal.Decimal{f.Central, f.Provincial, f.City, f.County}
}

// Split divides fen of subsidy among the levels of f: each part is its share
// of the amount rounded half-up to the fen, and the level with the largest
// share (the first of them in the order of Levels on a tie) takes the
// difference that rounding leaves, so that the parts add up exactly to fen.
// 1,098.89 at 0.40/0.30/0.20/0.10 rounds to 439.56 + 329.67 + 219.78 +
// 109.89 = 1,098.90: central takes −0.01 and gets 439.55. Without shares
// the whole amount is Unspecified.
func (f *Funding) Split(fen int64) Parts {
	if f == nil {
		return Parts{Unspecified: fen}
	}
	var p Parts
	amount := money.FromFen(fen)
	shares := f.shares()
	largest, rest := 0, fen
	for i, s := range shares {
		p.Levels[i] = money.MustFen(money.RoundFen(amount.Mul(s)))
		rest -= p.Levels[i]
		if s.GreaterThan(shares[largest]) {
			largest = i
		}
	}
	p.Levels[largest] += rest
	return p
}

// SubsidyRow is a district's subsidy of a quarter (DistrictCode "" for the
// city), in fen. Subsidy is what was claimed and not refused (claimed,
// checked or paid); Parts split it by level of government.
type SubsidyRow struct {
	DistrictCode string
	Claims       int
	InterestFen  int64
	SubsidyFen   int64
	ClaimedFen   int64
	CheckedFen   int64
	PaidFen      int64
	RefusedFen   int64
	Parts        Parts
}

func (r *SubsidyRow) add(q SubsidyRow) {
	r.Claims += q.Claims
	r.InterestFen += q.InterestFen
	r.SubsidyFen += q.SubsidyFen
	r.ClaimedFen += q.ClaimedFen
	r.CheckedFen += q.CheckedFen
	r.PaidFen += q.PaidFen
	r.RefusedFen += q.RefusedFen
	r.Parts.Add(q.Parts)
}

// SubsidyTotals is a quarter's subsidy per district and for the city.
type SubsidyTotals struct {
	Period string
	Rows   []SubsidyRow
	Total  SubsidyRow
}

// BuildSubsidyTotals sums the groups (in district order) per district. A
// district's subsidy under one set of funding shares is split once (Split),
// so each part is within a fen of its share of the district's amount; the
// district's parts are the sums over its regimes, and the city's the sums
// of the districts': every row's parts add up exactly to its subsidy.
func BuildSubsidyTotals(period string, ts []SubsidyTotal) SubsidyTotals {
	out := SubsidyTotals{Period: period, Rows: []SubsidyRow{}}
	byShares := map[string]int64{}
	funding := map[string]*Funding{}
	var cur SubsidyRow
	flush := func() {
		if cur.DistrictCode == "" {
			return
		}
		for k, fen := range byShares {
			cur.Parts.Add(funding[k].Split(fen))
		}
		out.Rows = append(out.Rows, cur)
		out.Total.add(cur)
	}
	for _, t := range ts {
		if t.DistrictCode != cur.DistrictCode {
			flush()
			cur, byShares, funding = SubsidyRow{DistrictCode: t.DistrictCode}, map[string]int64{}, map[string]*Funding{}
		}
		subsidy := money.MustFen(t.Subsidy)
		cur.Claims += t.Loans
		switch t.Status {
		case ClaimRefused:
			cur.RefusedFen += subsidy
			continue
		case ClaimClaimed:
			cur.ClaimedFen += subsidy
		case ClaimChecked:
			cur.CheckedFen += subsidy
		case ClaimPaid:
			cur.PaidFen += subsidy
		}
		cur.InterestFen += money.MustFen(t.Interest)
		cur.SubsidyFen += subsidy
		k := t.Funding.key()
		byShares[k] += subsidy
		funding[k] = t.Funding
	}
	flush()
	return out
}

// key tells funding shares apart ("" without shares).
func (f *Funding) key() string {
	if f == nil {
		return ""
	}
	s := f.shares()
	return s[0].String() + "/" + s[1].String() + "/" + s[2].String() + "/" + s[3].String()
}
