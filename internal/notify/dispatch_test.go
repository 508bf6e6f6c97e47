package notify

import (
	"testing"
	"time"
)

// TestBackoff: the wait after the n-th failure doubles from RetryAfter and
// stops at MaxRetryAfter. With the defaults (30s, at most 1h) and eight
// attempts an SMS is tried at 0, 30s, 1m30s, 3m30s, 7m30s, 15m30s, 31m30s
// and 63m30s, and failed after that.
func TestBackoff(t *testing.T) {
	c := DispatchConfig{RetryAfter: 30 * time.Second, MaxRetryAfter: time.Hour}
	for _, tc := range []struct {
		attempts int
		want     time.Duration
	}{
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{7, 32 * time.Minute},
		{8, time.Hour},  // 64m, capped
		{40, time.Hour}, // no overflow
	} {
		if got := c.Backoff(tc.attempts); got != tc.want {
			t.Errorf("after %d failures: %s, want %s", tc.attempts, got, tc.want)
		}
	}
}
