package notify

import (
	"context"
	"strconv"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// Failures is what the failed-delivery list needs from persistence.
type Failures interface {
	// Failed lists the notifications whose SMS failed after the last
	// attempt, newest first, with the recipient's user name.
	Failed(ctx context.Context, offset, limit int) ([]Notification, int64, error)
	// Retry makes the failed SMS of id pending again and returns it; ok is
	// false when it is not failed, NotFound when there is no such
	// notification.
	Retry(ctx context.Context, id int64, now time.Time) (n Notification, ok bool, err error)
}

// Failed lists the SMS that could not be delivered (administrators).
func (s *Service) Failed(ctx context.Context, p auth.Principal, offset, limit int) ([]Notification, int64, error) {
	if !s.authz.Can(p, authz.Read, authz.Resource{Kind: Kind}) {
		return nil, 0, apperr.Forbiddenf("only administrators see the notifications that could not be delivered")
	}
	ns, total, err := s.failures.Failed(ctx, offset, limit)
	return ns, total, apperr.Contextf(err, "list the notifications that could not be delivered")
}

// Retry sends a failed SMS again, from the first attempt (administrators,
// once the gateway or the phone number is fixed), with an audit event.
func (s *Service) Retry(ctx context.Context, p auth.Principal, id int64) (Notification, error) {
	if !s.authz.Can(p, authz.Update, authz.Resource{Kind: Kind}) {
		return Notification{}, apperr.Forbiddenf("only administrators retry a notification that could not be delivered")
	}
	var n Notification
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var ok bool
		var err error
		n, ok, err = s.failures.Retry(ctx, id, s.now().UTC().Truncate(time.Microsecond))
		switch {
		case apperr.KindOf(err) == apperr.NotFound:
			return apperr.NotFoundf("no notification with id %d", id)
		case err != nil:
			return err
		case !ok:
			return apperr.Newf(apperr.Conflict, "notification.invalid_state", "notification %d is not failed (its SMS is %s): only a failed one is sent again", id, n.SMSState)
		}
		return s.audit.Record(ctx, p, "notification.retry", Kind, strconv.FormatInt(id, 10), nil,
			map[string]any{"template": n.Template, "recipient_id": n.RecipientID})
	})
	return n, apperr.Contextf(err, "retry notification %d", id)
}
