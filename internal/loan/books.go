package loan

import (
	"context"
	"time"
)

// CheckOpen refuses a posting of another capability (the guarantee fund's
// movements) dated on in a closed accounting month: 409 period.closed,
// naming what (the field). It runs in the caller's transaction.
func (s *Service) CheckOpen(ctx context.Context, what string, on time.Time) error {
	return s.open(ctx, what, on)
}
