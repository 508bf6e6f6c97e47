package loan

import "testing"

// A schedule sums its lines: 100000.00 + 100000.00 principal; interest
// 1975.00 + 987.50 = 2962.50 of which subsidy 987.50 + 493.75 = 1481.25 and
// the borrower's 987.50 + 493.75 = 1481.25.
func TestScheduleSumsItsLines(t *testing.T) {
	line := func(principal, interest, subsidy, borrower string) DueLine {
		return DueLine{Principal: dec(principal), Period: Period{Split: Split{Interest: dec(interest), Subsidy: dec(subsidy), Borrower: dec(borrower)}}}
	}
	s := NewSchedule(EqualPrincipal, []DueLine{line("100000.00", "1975.00", "987.50", "987.50"), line("100000.00", "987.50", "493.75", "493.75")})
	if s.Method != EqualPrincipal || len(s.Lines) != 2 || s.Principal.String() != "200000" || s.Total.Interest.String() != "2962.5" ||
		s.Total.Subsidy.String() != "1481.25" || s.Total.Borrower.String() != "1481.25" {
		t.Errorf("schedule %+v", s)
	}
}
