package loan

import (
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/msg"
)

// The day of a money action is a day a bank could book: a date, not after
// today in Beijing and not before the latest of the loan's own earlier
// dates, whose reason the error gives. The clock reads 2024-12-30 17:00
// UTC, which is 2024-12-31 01:00 in Beijing: today is the 31st. The floors
// are a disbursement on 2024-03-15, a last repayment on 2024-07-10 and an
// unset day (a loan with no overdue day yet), which bounds nothing.
func TestBookDay(t *testing.T) {
	s := &Service{now: func() time.Time { return time.Date(2024, 12, 30, 17, 0, 0, 0, time.UTC) }}
	floors := []floor{
		{day("2024-03-15"), msg.New("is before the disbursement")},
		{day("2024-07-10"), msg.New("is before the last repayment")},
		{time.Time{}, msg.New("is before the loan fell overdue")},
	}
	const future = "is in the future"
	cases := []struct {
		in   string
		want string // the message, "" when the day is booked
		on   string // the day booked
	}{
		{"2024-12-31", "", "2024-12-31"}, // today in Beijing, although the 30th in UTC
		{"2024-07-10", "", "2024-07-10"}, // the latest floor itself
		{" 2024-08-01 ", "", "2024-08-01"},
		{"2025-01-01", future, ""},
		{"9999-12-31", future, ""},
		{"2024-07-09", "is before the last repayment", ""}, // the latest floor bounds,
		{"2024-03-14", "is before the last repayment", ""}, // also before the earlier one
		{"0001-01-02", "is before the last repayment", ""},
		{"0001-01-01", "must be a date YYYY-MM-DD", ""}, // Go's zero time, no day
		{"0000-01-01", "must be a date YYYY-MM-DD", ""}, // Go reads year 0, PostgreSQL has no such day
		{"2024-02-30", "must be a date YYYY-MM-DD", ""},
		{"2024-3-5", "must be a date YYYY-MM-DD", ""},
		{"2024-03-15T00:00:00Z", "must be a date YYYY-MM-DD", ""},
		{"", "must be a date YYYY-MM-DD", ""},
	}
	for _, c := range cases {
		var f apperr.Fields
		got := s.bookDay(&f, "paid_on", c.in, future, floors)
		list := f.List()
		switch {
		case c.want == "" && len(list) != 0:
			t.Errorf("%q: refused %v", c.in, list)
		case c.want == "" && got.Format(time.DateOnly) != c.on:
			t.Errorf("%q: booked on %s", c.in, got.Format(time.DateOnly))
		case c.want != "" && (len(list) != 1 || list[0].Field != "paid_on" || list[0].Message.Format() != c.want):
			t.Errorf("%q: errors %v, want one on paid_on: %s", c.in, list, c.want)
		}
	}
}
