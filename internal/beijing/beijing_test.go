package beijing

import (
	"testing"
	"time"
)

func TestDay(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		// 16:00 UTC is midnight in Beijing: the next day begins.
		{time.Date(2024, 12, 31, 15, 59, 59, 0, time.UTC), "2024-12-31"},
		{time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC), "2025-01-01"},
		{time.Date(2024, 3, 1, 7, 0, 0, 0, time.FixedZone("UTC-9", -9*3600)), "2024-03-02"},
	} {
		got := Day(c.at)
		if got.Format(time.DateOnly) != c.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Day(%s) = %s, want %s at midnight UTC", c.at, got, c.want)
		}
	}
	if _, off := time.Date(2024, 7, 1, 0, 0, 0, 0, Zone).Zone(); off != 8*3600 {
		t.Errorf("Zone is UTC%+d s, want +8 h", off)
	}
}
