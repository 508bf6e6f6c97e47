package app

import (
	"chuangdai/internal/beijing"
	"testing"
	"time"
)

func TestNextDailyRun(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, beijing.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct{ now, want string }{
		{"2024-07-01 00:10", "2024-07-01 00:30"},
		{"2024-07-01 00:30", "2024-07-02 00:30"},
		{"2024-07-01 23:59", "2024-07-02 00:30"},
		{"2024-12-31 12:00", "2025-01-01 00:30"},
	}
	for _, c := range cases {
		// The clock of the machine may be in any zone.
		got := nextDailyRun(at(c.now).UTC(), 0, 30)
		if !got.Equal(at(c.want)) {
			t.Errorf("after %s: %s, want %s", c.now, got.In(beijing.Zone), c.want)
		}
	}
}
