package loan

import (
	"testing"

	"github.com/shopspring/decimal"
)

func funding(c, p, ci, co string) *Funding {
	return &Funding{Central: decimal.RequireFromString(c), Provincial: decimal.RequireFromString(p),
		City: decimal.RequireFromString(ci), County: decimal.RequireFromString(co)}
}

func TestSplitRoundsHalfUpAndTheLargestShareTakesTheDifference(t *testing.T) {
	cases := []struct {
		name string
		f    *Funding
		fen  int64
		want Parts
	}{
		// 1,098.89: 439.556 → 439.56, 329.667 → 329.67, 219.778 → 219.78,
		// 109.889 → 109.89, 1,098.90 in all: central gives back 0.01.
		{"40/30/20/10", funding("0.40", "0.30", "0.20", "0.10"), 109889, Parts{Levels: [4]int64{43955, 32967, 21978, 10989}}},
		// 1,064.31: 532.155 → 532.16, 266.0775 → 266.08 twice, 1,064.32: central 532.15.
		{"50/25/25/0", funding("0.50", "0.25", "0.25", "0"), 106431, Parts{Levels: [4]int64{53215, 26608, 26608, 0}}},
		// 1,000.00 splits evenly: nothing to move.
		{"even", funding("0.50", "0.25", "0.25", "0"), 100000, Parts{Levels: [4]int64{50000, 25000, 25000, 0}}},
		// 0.01 at 1/3-ish shares that round down: 0.0033 → 0 each but the
		// largest, the city (0.34), which takes the whole fen.
		{"rounding down", funding("0.33", "0.33", "0.34", "0"), 1, Parts{Levels: [4]int64{0, 0, 1, 0}}},
		// 0.07 at 0.20/0.40/0.40: 0.014 → 0.01, 0.028 → 0.03 twice = 0.07.
		{"tie", funding("0.20", "0.40", "0.40", "0"), 7, Parts{Levels: [4]int64{1, 3, 3, 0}}},
		// 0.06: 0.012 → 0.01, 0.024 → 0.02 twice = 0.05; of the two largest
		// shares the first (provincial) takes the missing fen.
		{"tie takes the first", funding("0.20", "0.40", "0.40", "0"), 6, Parts{Levels: [4]int64{1, 3, 2, 0}}},
		{"no shares", nil, 12345, Parts{Unspecified: 12345}},
	}
	for _, c := range cases {
		got := c.f.Split(c.fen)
		if got != c.want || got.Sum() != c.fen {
			t.Errorf("%s: Split(%d) = %+v, want %+v", c.name, c.fen, got, c.want)
		}
	}
}

// The district's subsidy under one set of shares is split once; each
// district's parts add up to its subsidy, and the city's are the districts'
// sums. Refused claims count as claims but carry no subsidy and no parts.
func TestBuildSubsidyTotals(t *testing.T) {
	f4321, f5225 := funding("0.40", "0.30", "0.20", "0.10"), funding("0.50", "0.25", "0.25", "0")
	d := func(fen int64) decimal.Decimal { return decimal.New(fen, -2) }
	ts := []SubsidyTotal{
		{DistrictCode: "411202", Status: ClaimClaimed, Funding: f4321, Loans: 1, Interest: d(222333), Subsidy: d(109889)},
		{DistrictCode: "411202", Status: ClaimPaid, Funding: f5225, Loans: 1, Interest: d(212862), Subsidy: d(53215)},
		// Another paid claim of the same shares: 532.15 + 532.16 = 1,064.31 is
		// split once: 532.15 / 266.08 / 266.08.
		{DistrictCode: "411202", Status: ClaimChecked, Funding: f5225, Loans: 1, Interest: d(106431), Subsidy: d(53216)},
		{DistrictCode: "411202", Status: ClaimRefused, Funding: f5225, Loans: 1, Interest: d(2194), Subsidy: d(1097)},
		{DistrictCode: "411282", Status: ClaimClaimed, Funding: nil, Loans: 2, Interest: d(300), Subsidy: d(150)},
	}
	got := BuildSubsidyTotals("2024Q2", ts)
	if len(got.Rows) != 2 {
		t.Fatalf("rows %+v", got.Rows)
	}
	a := got.Rows[0]
	// Central 439.55 + 532.15, provincial 329.67 + 266.08, city 219.78 +
	// 266.08, county 109.89.
	if want := (Parts{Levels: [4]int64{97170, 59575, 48586, 10989}}); a.Parts != want || a.SubsidyFen != 216320 || a.Parts.Sum() != a.SubsidyFen {
		t.Errorf("411202 parts %+v subsidy %d, want %+v", a.Parts, a.SubsidyFen, want)
	}
	if a.Claims != 4 || a.RefusedFen != 1097 || a.ClaimedFen != 109889 || a.CheckedFen != 53216 || a.PaidFen != 53215 || a.InterestFen != 541626 {
		t.Errorf("411202 %+v", a)
	}
	if b := got.Rows[1]; b.Parts != (Parts{Unspecified: 150}) || b.Claims != 2 {
		t.Errorf("411282 %+v", b)
	}
	if want := (Parts{Levels: [4]int64{97170, 59575, 48586, 10989}, Unspecified: 150}); got.Total.Parts != want || got.Total.SubsidyFen != 216470 || got.Total.Claims != 6 {
		t.Errorf("total %+v", got.Total)
	}
}
