package loan

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/money"
)

// The borrower owes the whole interest of overdue days, and a loan is not
// back in order until that is paid. The loan of the worked example:
// 200,000.00 at 3.95% (subsidy 1.975%) from 2024-03-15; 2024Q2 ends on
// 2024-06-20 with the borrower's 1,064.30 due.
func TestOverdueDaysAreOwedWhole(t *testing.T) {
	tm := workedTerms()
	type want struct {
		over                                        bool
		since                                       string
		days                                        int
		principalDue, interestDue, withheld, payoff string
	}
	cases := []struct {
		name string
		pays []Payment
		asOf string
		want want
	}{
		// Nothing paid. 21–30 June are 10 overdue days (the due day is not):
		// 200000 × 0.0395 × 10 / 360 = 219.444… → 219.44 on top of 1064.30 =
		// 1283.74. Withheld subsidy 200000 × 0.01975 × 10 / 360 = 109.722… →
		// 109.72. Payoff: 200000 + 1064.30 + the running period's borrower part
		// over 20–30 June (11 days): 200000 × 0.0395 × 11 / 360 = 241.388… →
		// 241.39, less the subsidy of 20 June 200000 × 0.01975 / 360 = 10.97 →
		// 230.42; 201294.72.
		{"nothing paid", nil, "2024-07-01", want{true, "2024-06-21", 11, "0.00", "1283.74", "109.72", "201294.72"}},
		// The subsidised borrower part alone, on 2 July, leaves the 11 overdue
		// days (21 June – 1 July) unpaid: 241.39 is owed, so the loan stays
		// overdue; on 3 July 12 days: 200000 × 0.0395 × 12 / 360 = 263.333… →
		// 263.33 due; withheld 200000 × 0.01975 × 12 / 360 = 131.666… → 131.67.
		// Payoff: 200000 + 1064.30 + the running period 20 June – 2 July (13
		// days) 200000 × 0.0395 × 13 / 360 = 285.277… → 285.28 less the
		// subsidy of 20 June 10.97 = 274.31, less the 1064.30 paid: 200274.31.
		{"only the subsidised part", []Payment{{day("2024-07-02"), decimal.Zero, dec("1064.30")}}, "2024-07-03",
			want{true, "2024-06-21", 13, "0.00", "263.33", "131.67", "200274.31"}},
		// 1064.30 + 241.39 = 1305.69 on 2 July: cured. Withheld: the 11 days,
		// 200000 × 0.01975 × 11 / 360 = 120.694… → 120.69. Payoff: the running
		// period's 285.28 less the subsidy of 20 June and 2 July 200000 ×
		// 0.01975 × 2 / 360 = 21.944… → 21.94 = 263.34; 1064.30 + 263.34 −
		// 1305.69 = 21.95 → 200021.95.
		{"whole interest paid", []Payment{{day("2024-07-02"), decimal.Zero, dec("1305.69")}}, "2024-07-03",
			want{false, "", 0, "0.00", "0.00", "120.69", "200021.95"}},
		// Then on 2024-09-20: 2024Q3 (92 days, 11 of them overdue) is interest
		// 200000 × 0.0395 × 92 / 360 = 2018.888… → 2018.89, subsidy on 81 days
		// 200000 × 0.01975 × 81 / 360 = 888.75, borrower 1130.14 = 888.75 of
		// ordinary days + 241.39 of overdue days; 1305.69 of the 1064.30 +
		// 1130.14 due is paid, 888.75 is due that day.
		{"next due date", []Payment{{day("2024-07-02"), decimal.Zero, dec("1305.69")}}, "2024-09-20",
			want{false, "", 0, "0.00", "888.75", "120.69", "200888.75"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := NewLedger(tm, c.pays, day(c.asOf)).Statement()
			since := ""
			if st.OverdueSince != nil {
				since = st.OverdueSince.Format(time.DateOnly)
			}
			got := want{st.Overdue, since, st.DaysOverdue, money.Format(st.PrincipalDue), money.Format(st.InterestDue),
				money.Format(st.SubsidyWithheld), money.Format(st.Payoff)}
			if got != c.want {
				t.Fatalf("statement %+v\n want %+v", got, c.want)
			}
		})
	}
}

// The lines of the statement on 2024-09-20 after the whole interest was
// paid on 2 July (figures of TestOverdueDaysAreOwedWhole).
func TestStatementLines(t *testing.T) {
	tm := workedTerms()
	pays := []Payment{{day("2024-07-02"), decimal.Zero, dec("1305.69")}}
	st := NewLedger(tm, pays, day("2024-09-20")).Statement()
	if len(st.Lines) != 2 {
		t.Fatalf("lines %+v", st.Lines)
	}
	q2, q3 := st.Lines[0], st.Lines[1]
	if q2.Period.Period != "2024Q2" || q2.State != LinePaid || money.Format(q2.Borrower) != "1064.30" || !q2.Withheld.IsZero() {
		t.Errorf("2024Q2 %+v", q2)
	}
	if q3.Period.Period != "2024Q3" || q3.State != LineDue || q3.OverdueDays != 11 || money.Format(q3.Interest) != "2018.89" ||
		money.Format(q3.Subsidy) != "888.75" || money.Format(q3.Borrower) != "1130.14" || money.Format(q3.Withheld) != "120.69" {
		t.Errorf("2024Q3 %+v", q3)
	}
	// The schedule's lines are the subsidy table's periods.
	ps := NewLedger(tm, pays, day("2024-09-20")).Periods()
	for k, line := range NewLedger(tm, pays, day("2024-09-20")).Lines() {
		if p := line.Period; p.Period != ps[k].Period || p.Days != ps[k].Days || p.OverdueDays != ps[k].OverdueDays ||
			!p.Interest.Equal(ps[k].Interest) || !p.Subsidy.Equal(ps[k].Subsidy) || !p.Borrower.Equal(ps[k].Borrower) {
			t.Fatalf("line %d %+v, period %+v", k, line.Period, ps[k])
		}
	}
}

// Past maturity the principal is overdue and accrues interest with no
// subsidy. A 6-month loan of 200,000.00 at 3.95% from 2024-03-15 matures on
// 2024-09-15 (the 20 September date falls in the maturity's quarter and is
// dropped). The borrower pays 1064.30 on 20 June and, on 15 September, the
// borrower part of 20 June – 15 September (87 days): interest 200000 ×
// 0.0395 × 87 / 360 = 1909.166… → 1909.17, subsidy 954.583… → 954.58,
// borrower 954.59; but not the principal.
func TestAfterMaturity(t *testing.T) {
	tm := workedTerms()
	tm.Maturity = Maturity(tm.DisbursedOn, 6)
	pays := []Payment{{day("2024-06-20"), decimal.Zero, dec("1064.30")}, {day("2024-09-15"), decimal.Zero, dec("954.59")}}
	st := NewLedger(tm, pays, day("2024-10-01")).Statement()
	// Overdue 16–30 September (15 days) before 1 October: 200000 × 0.0395 ×
	// 15 / 360 = 329.166… → 329.17 due. The 16 days after maturity
	// (15–30 September) accrue 200000 × 0.0395 × 16 / 360 = 351.111… →
	// 351.11, all the borrower's: payoff 200351.11.
	if !st.Overdue || st.DaysOverdue != 16 || money.Format(st.PrincipalDue) != "200000.00" || money.Format(st.InterestDue) != "329.17" ||
		money.Format(st.Payoff) != "200351.11" || !st.SubsidyWithheld.IsZero() {
		t.Fatalf("statement %+v", st)
	}
	last := st.Lines[len(st.Lines)-1]
	if last.Period.Period != AfterMaturity || last.Days != 16 || last.OverdueDays != 15 || money.Format(last.Interest) != "351.11" ||
		!last.Subsidy.IsZero() || last.State != LineOverdue {
		t.Fatalf("after maturity %+v", last)
	}
}

// A loan imported on 2024-10-01 brings no repayment history: what fell due
// before that day is taken as paid as agreed, and no day before it is
// overdue; after it the recorded repayments count.
func TestImportedLoanHistoryIsTakenAsPaid(t *testing.T) {
	tm := workedTerms()
	tm.PaidThrough = day("2024-10-01")
	led := NewLedger(tm, nil, day("2024-10-10"))
	// Running period 20 September – 9 October (20 days): 200000 × 0.0395 ×
	// 20 / 360 = 438.888… → 438.89, subsidy 219.444… → 219.44, the borrower
	// 219.45: payoff 200219.45.
	st := led.Statement()
	if st.Overdue || money.Format(st.InterestDue) != "0.00" || money.Format(st.Payoff) != "200219.45" || led.EverOverdue() {
		t.Fatalf("statement %+v", st)
	}
	// 2024Q3 keeps its whole subsidy: 200000 × 0.01975 × 92 / 360 = 1009.444… → 1009.44.
	if q3 := led.Periods()[1]; q3.OverdueDays != 0 || money.Format(q3.Subsidy) != "1009.44" {
		t.Fatalf("2024Q3 %+v", q3)
	}
	// 2024Q4 (91 days to 20 December) unpaid: overdue from 21 December.
	if over, since, days := NewLedger(tm, nil, day("2024-12-25")).Overdue(); !over || since.Format(time.DateOnly) != "2024-12-21" || days != 5 {
		t.Fatalf("after the import: overdue %v since %s for %d days", over, since.Format(time.DateOnly), days)
	}
}
