package loan

import (
	"math/big"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/money"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Every expected figure below was computed by hand; the comment shows the sum.
func TestInterestSplitByHand(t *testing.T) {
	cases := []struct {
		name                             string
		principal, subsidised, rate, sub string
		days                             int
		interest, subsidy, borrower      string
	}{
		// The worked example of the issue: 200000 × 0.0395 × 97 / 360 = 2128.6111…;
		// 200000 × 0.01975 × 97 / 360 = 1064.30555… → 1064.31; 2128.61 − 1064.31.
		{"worked example", "200000.00", "200000.00", "0.0395", "0.01975", 97, "2128.61", "1064.31", "1064.30"},
		// 100000 × 0.0435 × 30 / 360 = 362.50; half of it is 181.25 exactly.
		{"exact month", "100000.00", "100000.00", "0.0435", "0.02175", 30, "362.50", "181.25", "181.25"},
		// 300000 × 0.0355 × 92 / 360 = 2721.666… → 2721.67; 300000 × 0.01775 × 92 / 360
		// = 1360.8333… → 1360.83; the borrower carries the odd fen: 1360.84.
		{"odd fen to borrower", "300000.00", "300000.00", "0.0355", "0.01775", 92, "2721.67", "1360.83", "1360.84"},
		// Half a fen rounds up: 180 × 0.01 / 360 = 0.005 → 0.01 (banker's rounding would give 0.00).
		{"half fen up", "180.00", "180.00", "0.01", "0.005", 1, "0.01", "0.00", "0.01"},
		// 900 × 0.01 / 360 = 0.025 → 0.03 (banker's: 0.02); subsidy 900 × 0.005 / 360 = 0.0125 → 0.01.
		{"half fen up again", "900.00", "900.00", "0.01", "0.005", 1, "0.03", "0.01", "0.02"},
		// A partnership loan above the subsidy cap: interest on 660000, subsidy on 300000.
		// 660000 × 0.0345 × 91 / 360 = 5755.75; 300000 × 0.01725 × 91 / 360 = 1308.125 → 1308.13.
		{"above subsidy cap", "660000.00", "300000.00", "0.0345", "0.01725", 91, "5755.75", "1308.13", "4447.62"},
		// 1 yuan for one day at 3.95%: 0.000109… → 0.00 everywhere.
		{"tiny", "1.00", "1.00", "0.0395", "0.01975", 1, "0.00", "0.00", "0.00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := decimal.NewFromInt(int64(c.days))
			s := SplitInterest(dec(c.principal).Mul(d), dec(c.subsidised).Mul(d), dec(c.rate), dec(c.sub))
			if money.Format(s.Interest) != c.interest || money.Format(s.Subsidy) != c.subsidy || money.Format(s.Borrower) != c.borrower {
				t.Fatalf("got interest %s subsidy %s borrower %s, want %s %s %s", s.Interest, s.Subsidy, s.Borrower, c.interest, c.subsidy, c.borrower)
			}
			if !s.Subsidy.Add(s.Borrower).Equal(s.Interest) {
				t.Fatalf("subsidy + borrower != interest")
			}
			if c.principal == c.subsidised {
				if got := money.Format(Interest(dec(c.principal), dec(c.rate), c.days)); got != c.interest {
					t.Fatalf("Interest = %s, want %s", got, c.interest)
				}
			}
		})
	}
}

func TestSubsidyRate(t *testing.T) {
	cases := []struct{ annual, share, subsidy, borrower string }{
		{"0.0395", "0.50", "0.01975", "0.01975"},
		{"0.0435", "0.50", "0.02175", "0.02175"},
		// 0.039501 × 0.5 = 0.0197505 → 0.019751; the borrower keeps the rest exactly.
		{"0.039501", "0.50", "0.019751", "0.01975"},
		{"0.0395", "1", "0.0395", "0"},
	}
	for _, c := range cases {
		s, b := SubsidyRate(dec(c.annual), dec(c.share))
		if !s.Equal(dec(c.subsidy)) || !b.Equal(dec(c.borrower)) || !s.Add(b).Equal(dec(c.annual)) {
			t.Errorf("SubsidyRate(%s, %s) = %s, %s; want %s, %s", c.annual, c.share, s, b, c.subsidy, c.borrower)
		}
	}
}

func TestDatesAndQuarters(t *testing.T) {
	for _, c := range []struct {
		from   string
		months int
		want   string
	}{
		{"2024-03-15", 24, "2026-03-15"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2023-01-31", 1, "2023-02-28"},
		{"2024-08-31", 6, "2025-02-28"},
		{"2024-12-20", 12, "2025-12-20"},
	} {
		if got := Maturity(day(c.from), c.months).Format(time.DateOnly); got != c.want {
			t.Errorf("Maturity(%s, %d) = %s, want %s", c.from, c.months, got, c.want)
		}
	}
	if DaysBetween(day("2024-03-15"), day("2024-06-20")) != 97 {
		t.Fatal("2024-03-15 → 2024-06-20 must be 97 days")
	}
	for _, c := range []struct{ d, q string }{{"2024-01-01", "2024Q1"}, {"2024-03-31", "2024Q1"}, {"2024-06-20", "2024Q2"}, {"2024-09-20", "2024Q3"}, {"2024-12-31", "2024Q4"}} {
		if got := Quarter(day(c.d)); got != c.q {
			t.Errorf("Quarter(%s) = %s, want %s", c.d, got, c.q)
		}
	}
}

func dates(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.DateOnly)
	}
	return out
}

func TestDueDates(t *testing.T) {
	cases := []struct {
		from, maturity string
		want           []string
	}{
		// The first date is after the month of disbursement: 15 March → 20 June.
		{"2024-03-15", "2025-03-15", []string{"2024-06-20", "2024-09-20", "2024-12-20", "2025-03-15"}},
		{"2024-02-25", "2024-08-25", []string{"2024-03-20", "2024-06-20", "2024-08-25"}},
		// 20 March 2025 is in the maturity's quarter: the last period runs to 25 March.
		{"2024-03-25", "2025-03-25", []string{"2024-06-20", "2024-09-20", "2024-12-20", "2025-03-25"}},
		{"2024-06-20", "2024-12-20", []string{"2024-09-20", "2024-12-20"}},
		{"2024-03-15", "2024-04-15", []string{"2024-04-15"}},
	}
	for _, c := range cases {
		got := dates(DueDates(day(c.from), day(c.maturity)))
		if len(got) != len(c.want) {
			t.Errorf("DueDates(%s, %s) = %v, want %v", c.from, c.maturity, got, c.want)
			continue
		}
		seen := map[string]bool{}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("DueDates(%s, %s) = %v, want %v", c.from, c.maturity, got, c.want)
				break
			}
			q := Quarter(day(got[i]))
			if seen[q] {
				t.Errorf("DueDates(%s, %s): two periods in %s", c.from, c.maturity, q)
			}
			seen[q] = true
		}
	}
}

// ratOf converts a decimal to a big.Rat; roundHalfUp rounds a non-negative
// rational to the fen independently of the decimal code under test.
func ratOf(d decimal.Decimal) *big.Rat { return d.Rat() }

func roundHalfUp(r *big.Rat) *big.Rat {
	fen := new(big.Rat).Mul(r, big.NewRat(100, 1))
	q, m := new(big.Int).QuoRem(fen.Num(), fen.Denom(), new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(fen.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(q, big.NewInt(100))
}

func terms3y(method Method) Terms {
	return Terms{
		Principal: dec("100000.00"), AnnualRate: dec("0.0395"), SubsidyRate: dec("0.01975"), SubsidyCap: dec("300000.00"),
		DisbursedOn: day("2024-03-15"), Maturity: Maturity(day("2024-03-15"), 36), Method: method,
	}
}

func TestThreeYearSchedules(t *testing.T) {
	for _, m := range []Method{InterestQuarterly, EqualPrincipal} {
		t.Run(string(m), func(t *testing.T) {
			tm := terms3y(m)
			lines := tm.Schedule()
			if len(lines) != 12 {
				t.Fatalf("%d lines, want 12 (11 quarterly dates and maturity)", len(lines))
			}
			sumP, sumS, sumI := decimal.Zero, decimal.Zero, decimal.Zero
			refS, refI := new(big.Rat), new(big.Rat)
			outstanding := ratOf(tm.Principal)
			for i, l := range lines {
				if !l.Subsidy.Add(l.Borrower).Equal(l.Interest) {
					t.Fatalf("line %d: subsidy %s + borrower %s != interest %s", i, l.Subsidy, l.Borrower, l.Interest)
				}
				// The reference: outstanding × rate × days / 360 in exact rationals.
				days := big.NewRat(int64(l.Days), 360)
				wantI := roundHalfUp(new(big.Rat).Mul(new(big.Rat).Mul(outstanding, ratOf(tm.AnnualRate)), days))
				wantS := roundHalfUp(new(big.Rat).Mul(new(big.Rat).Mul(outstanding, ratOf(tm.SubsidyRate)), days))
				if ratOf(l.Interest).Cmp(wantI) != 0 || ratOf(l.Subsidy).Cmp(wantS) != 0 {
					t.Fatalf("line %d (%s): interest %s subsidy %s, reference %s %s", i, l.DueOn.Format(time.DateOnly), l.Interest, l.Subsidy, wantI.FloatString(2), wantS.FloatString(2))
				}
				refI.Add(refI, wantI)
				refS.Add(refS, wantS)
				outstanding.Sub(outstanding, ratOf(l.Principal))
				sumP, sumS, sumI = sumP.Add(l.Principal), sumS.Add(l.Subsidy), sumI.Add(l.Interest)
			}
			if !sumP.Equal(tm.Principal) {
				t.Fatalf("principal sums to %s, want %s", sumP, tm.Principal)
			}
			if ratOf(sumS).Cmp(refS) != 0 || ratOf(sumI).Cmp(refI) != 0 {
				t.Fatalf("sums %s %s differ from the reference %s %s", sumI, sumS, refI.FloatString(2), refS.FloatString(2))
			}
			if m == EqualPrincipal {
				// 100000.00 / 12 = 8333.33 eleven times; the last takes the remaining 8333.37.
				for i, l := range lines[:11] {
					if money.Format(l.Principal) != "8333.33" {
						t.Fatalf("line %d principal %s, want 8333.33", i, l.Principal)
					}
				}
				if money.Format(lines[11].Principal) != "8333.37" {
					t.Fatalf("last principal %s, want 8333.37", lines[11].Principal)
				}
			}
			// First line by hand: 100000 × 0.0395 × 97 / 360 = 1064.3055… → 1064.31;
			// subsidy 100000 × 0.01975 × 97 / 360 = 532.1527… → 532.15.
			if money.Format(lines[0].Interest) != "1064.31" || money.Format(lines[0].Subsidy) != "532.15" || money.Format(lines[0].Borrower) != "532.16" {
				t.Fatalf("first line %+v", lines[0])
			}
		})
	}
}

func TestLedgerFollowsScheduleWhenPaidOnTime(t *testing.T) {
	for _, m := range []Method{InterestQuarterly, EqualPrincipal} {
		tm := terms3y(m)
		lines := tm.Schedule()
		var pays []Payment
		for _, l := range lines {
			pays = append(pays, Payment{PaidOn: l.DueOn, Principal: l.Principal, Interest: l.Borrower})
		}
		led := NewLedger(tm, pays, day("2027-06-01"))
		periods := led.Periods()
		if len(periods) != len(lines) {
			t.Fatalf("%s: %d periods, %d lines", m, len(periods), len(lines))
		}
		for i, p := range periods {
			if p.Period != lines[i].Period || !p.Interest.Equal(lines[i].Interest) || !p.Subsidy.Equal(lines[i].Subsidy) || p.Days != lines[i].Days {
				t.Fatalf("%s period %d: %+v, schedule %+v", m, i, p, lines[i])
			}
		}
		if over, _, _ := led.Overdue(); over || led.EverOverdue() {
			t.Fatalf("%s: a loan paid on schedule is never overdue", m)
		}
	}
}

func workedTerms() Terms {
	return Terms{
		Principal: dec("200000.00"), AnnualRate: dec("0.0395"), SubsidyRate: dec("0.01975"), SubsidyCap: dec("300000.00"),
		DisbursedOn: day("2024-03-15"), Maturity: Maturity(day("2024-03-15"), 24), Method: InterestQuarterly,
	}
}

func TestLedgerOverdue(t *testing.T) {
	tm := workedTerms()
	cases := []struct {
		name   string
		pays   []Payment
		asOf   string
		over   bool
		since  string
		days   int
		ever   bool
		q3Days int // overdue days in 2024Q3
	}{
		{"due day itself is not late", nil, "2024-06-20", false, "", 0, false, 0},
		{"unpaid interest", nil, "2024-07-01", true, "2024-06-21", 11, true, 11},
		{"borrower part paid on time", []Payment{{day("2024-06-20"), decimal.Zero, dec("1064.30")}}, "2024-07-01", false, "", 0, false, 0},
		{"one fen short", []Payment{{day("2024-06-20"), decimal.Zero, dec("1064.29")}}, "2024-07-01", true, "2024-06-21", 11, true, 11},
		{"paid late, cured", []Payment{{day("2024-06-25"), decimal.Zero, dec("2128.61")}}, "2024-07-01", false, "", 0, true, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			led := NewLedger(tm, c.pays, day(c.asOf))
			over, since, days := led.Overdue()
			if over != c.over || days != c.days || (c.over && since.Format(time.DateOnly) != c.since) || led.EverOverdue() != c.ever {
				t.Fatalf("overdue %v since %s days %d ever %v; want %v %s %d %v", over, since.Format(time.DateOnly), days, led.EverOverdue(), c.over, c.since, c.days, c.ever)
			}
			// Running it again gives the same answer.
			if o2, s2, d2 := NewLedger(tm, c.pays, day(c.asOf)).Overdue(); o2 != over || !s2.Equal(since) || d2 != days {
				t.Fatal("ledger is not deterministic")
			}
			ps := led.Periods()
			if ps[0].Period != "2024Q2" || ps[0].Days != 97 || money.Format(ps[0].Interest) != "2128.61" || money.Format(ps[0].Subsidy) != "1064.31" || money.Format(ps[0].Borrower) != "1064.30" {
				t.Fatalf("2024Q2 = %+v", ps[0])
			}
			if ps[1].Period != "2024Q3" || ps[1].OverdueDays != c.q3Days {
				t.Fatalf("2024Q3 = %+v, want %d overdue days", ps[1], c.q3Days)
			}
		})
	}
	// Paid late on 25 June: 4 overdue days in 2024Q3 (21–24 June) get no
	// subsidy: 200000 × 0.01975 × 88 / 360 = 965.555… → 965.56; interest
	// 200000 × 0.0395 × 92 / 360 = 2018.888… → 2018.89; borrower 1053.33.
	led := NewLedger(tm, []Payment{{day("2024-06-25"), decimal.Zero, dec("2128.61")}}, day("2024-07-01"))
	q3 := led.Periods()[1]
	if money.Format(q3.Interest) != "2018.89" || money.Format(q3.Subsidy) != "965.56" || money.Format(q3.Borrower) != "1053.33" {
		t.Fatalf("2024Q3 after a late payment = %+v", q3)
	}
}

func TestLedgerPrincipalRepaymentReducesInterest(t *testing.T) {
	tm := workedTerms()
	// 50000 repaid on 20 June: Q3 accrues on 150000 for 92 days:
	// 150000 × 0.0395 × 92 / 360 = 1514.1666… → 1514.17; subsidy
	// 150000 × 0.01975 × 92 / 360 = 757.0833… → 757.08; borrower 757.09.
	pays := []Payment{{day("2024-06-20"), dec("50000.00"), dec("1064.30")}}
	q3 := NewLedger(tm, pays, day("2024-09-01")).Periods()[1]
	if money.Format(q3.Interest) != "1514.17" || money.Format(q3.Subsidy) != "757.08" || money.Format(q3.Borrower) != "757.09" {
		t.Fatalf("2024Q3 = %+v", q3)
	}
	// Settled early: periods after the settlement are left out.
	pays = append(pays, Payment{day("2024-08-01"), dec("150000.00"), dec("500.00")})
	ps := NewLedger(tm, pays, day("2024-09-01")).Periods()
	if len(ps) != 2 || ps[1].Days != 42 {
		t.Fatalf("periods after settlement: %+v", ps)
	}
}
