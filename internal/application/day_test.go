package application

import (
	"testing"
	"time"
)

func TestParseDay(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" for refused
	}{
		{"2024-03-15", "2024-03-15"},
		{"0001-01-02", "0001-01-02"},
		{"9999-12-31", "9999-12-31"},
		{"2024-02-29", "2024-02-29"},
		{"0000-01-01", ""}, // Go reads year 0; PostgreSQL has none
		{"0001-01-01", ""}, // Go's zero time: the store keeps it as no day
		{"2023-02-29", ""},
		{"2024-3-15", ""},
		{"10000-01-01", ""},
		{"-0001-01-01", ""},
		{"", ""},
		{" 2024-03-15", ""},
	} {
		d, err := ParseDay(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("ParseDay(%q) = %s, want an error", tc.in, d)
		case tc.want != "" && (err != nil || d.Format(time.DateOnly) != tc.want):
			t.Errorf("ParseDay(%q) = %s, %v, want %s", tc.in, d, err, tc.want)
		}
	}
}
