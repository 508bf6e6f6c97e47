package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/msg"
)

// SMS is one message for the gateway.
type SMS struct {
	// ID is the notification's id, the same on every attempt: the gateway
	// drops a repeat of an id it delivered (X-Chuangdai-Delivery).
	ID       int64
	Phone    string
	Template string
	Params   map[string]string
	// Text is the Chinese message (what the log sender writes).
	Text string
}

// Sender sends one SMS; an error is retried later.
type Sender interface {
	Send(ctx context.Context, m SMS) error
}

// Outbox is what the dispatcher needs from persistence.
type Outbox interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Claim takes up to limit pending notifications whose time has come and
	// that nobody else holds, for holder until until; a claim is skipped by
	// every other dispatcher (SKIP LOCKED on PostgreSQL, the single writer
	// on SQLite).
	Claim(ctx context.Context, holder string, now, until time.Time, limit int) ([]Notification, error)
	// Settle records the outcome of holder's attempt on id: state (sent,
	// failed, no_phone, or pending again at next), the attempts made and
	// the last error; ok is false when holder no longer held it.
	Settle(ctx context.Context, id int64, holder string, o Outcome) (ok bool, err error)
	// Release gives back what holder still holds, for another dispatcher.
	Release(ctx context.Context, holder string) error
	// Phone is the user's phone number now ("" when none).
	Phone(ctx context.Context, userID auth.UserID) (string, error)
}

// Outcome is what became of an attempt.
type Outcome struct {
	State     SMSState
	Attempts  int
	Next      time.Time
	LastError string
	At        time.Time
}

// DispatchConfig tunes the dispatcher.
type DispatchConfig struct {
	// Interval is how often the outbox is looked at.
	Interval time.Duration
	// Batch is how many notifications one look claims.
	Batch int
	// MaxAttempts is how many times an SMS is tried before it is failed.
	MaxAttempts int
	// RetryAfter is the wait after the first failure; each further failure
	// doubles it, up to MaxRetryAfter.
	RetryAfter    time.Duration
	MaxRetryAfter time.Duration
	// SendTimeout bounds one attempt; Lease (longer) is how long a claim
	// keeps other dispatchers away.
	SendTimeout time.Duration
	Lease       time.Duration
}

// Backoff is the wait after the attempts-th failure: RetryAfter,
// 2×RetryAfter, 4×RetryAfter … at most MaxRetryAfter.
func (c DispatchConfig) Backoff(attempts int) time.Duration {
	d := c.RetryAfter
	for i := 1; i < attempts && d < c.MaxRetryAfter; i++ {
		d *= 2
	}
	return min(d, c.MaxRetryAfter)
}

// Dispatcher delivers the outbox's SMS at least once.
type Dispatcher struct {
	outbox Outbox
	sender Sender
	audit  *audit.Recorder
	log    *slog.Logger
	cfg    DispatchConfig
	holder string
	now    func() time.Time
	// wake makes Run look at the outbox now.
	wake chan struct{}
	mu   sync.Mutex
}

// NewDispatcher builds a dispatcher with a holder name of its own.
func NewDispatcher(o Outbox, s Sender, a *audit.Recorder, log *slog.Logger, cfg DispatchConfig) *Dispatcher {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Dispatcher{outbox: o, sender: s, audit: a, log: log, cfg: cfg, holder: hex.EncodeToString(b[:]), now: time.Now, wake: make(chan struct{}, 1)}
}

// Wake makes a running dispatcher look at the outbox now.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. An attempt under way when ctx ends is
// finished and recorded; what the dispatcher still held is released for
// another instance.
func (d *Dispatcher) Run(ctx context.Context) {
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.outbox.Release(rctx, d.holder); err != nil {
			d.log.Warn("notifications: could not release claims; they are taken over when their lease ends", "error", err.Error())
		}
	}()
	for {
		n, err := d.Once(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("notifications: dispatch failed; trying again", "error", err.Error())
		}
		if n == d.cfg.Batch && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-time.After(d.cfg.Interval):
		}
	}
}

// Once claims what is due and tries each; it returns how many it claimed.
// It stops early (releasing the rest) when ctx ends.
func (d *Dispatcher) Once(ctx context.Context) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now().UTC().Truncate(time.Microsecond)
	batch, err := d.outbox.Claim(ctx, d.holder, now, now.Add(d.cfg.Lease), d.cfg.Batch)
	if err != nil {
		return 0, apperr.Contextf(err, "claim the SMS due")
	}
	for _, n := range batch {
		if ctx.Err() != nil {
			break
		}
		// The attempt is not cut off by shutdown: a message the gateway took
		// is recorded as sent.
		if err := d.attempt(context.WithoutCancel(ctx), n); err != nil {
			return len(batch), apperr.Contextf(err, "send the SMS of notification %d", n.ID)
		}
	}
	return len(batch), nil
}

func (d *Dispatcher) attempt(ctx context.Context, n Notification) error {
	phone, err := d.outbox.Phone(ctx, n.RecipientID)
	if err != nil {
		return err
	}
	at := func() time.Time { return d.now().UTC().Truncate(time.Microsecond) }
	if phone == "" {
		_, err := d.outbox.Settle(ctx, n.ID, d.holder, Outcome{State: SMSNoPhone, Attempts: n.Attempts, LastError: "the account has no phone number", At: at()})
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	sendErr := d.sender.Send(sctx, SMS{ID: n.ID, Phone: phone, Template: n.Template, Params: n.Params, Text: Render(n.Template, n.Params).Render(msg.ZH)})
	cancel()
	o := Outcome{State: SMSSent, Attempts: n.Attempts + 1, At: at()}
	if sendErr == nil {
		_, err := d.outbox.Settle(ctx, n.ID, d.holder, o)
		return err
	}
	o.LastError = sendErr.Error()
	if o.Attempts < d.cfg.MaxAttempts {
		o.State, o.Next = SMSPending, o.At.Add(d.cfg.Backoff(o.Attempts))
		d.log.Warn("notifications: SMS not delivered; retrying", "notification", n.ID, "template", n.Template, "attempt", o.Attempts, "retry_at", o.Next, "error", o.LastError)
		_, err := d.outbox.Settle(ctx, n.ID, d.holder, o)
		return err
	}
	o.State = SMSFailed
	d.log.Error("notifications: SMS failed after the last attempt; see GET /api/v1/notifications/failed", "notification", n.ID, "template", n.Template, "attempts", o.Attempts, "error", o.LastError)
	return d.outbox.InTx(ctx, func(ctx context.Context) error {
		ok, err := d.outbox.Settle(ctx, n.ID, d.holder, o)
		if err != nil || !ok {
			return err
		}
		return d.audit.Record(ctx, auth.System("notifications"), "notification.failed", Kind, strconv.FormatInt(n.ID, 10), nil,
			map[string]any{"template": n.Template, "recipient_id": n.RecipientID, "attempts": o.Attempts, "last_error": o.LastError})
	})
}
