// Package notify tells people what happened to their applications and
// loans (issue 17). A service that changes something calls Notify in the
// same transaction as the change: the event is written to the outbox (one
// row per recipient, the recipient a user id and never a phone number) or
// not at all. The in-app inbox reads those rows; the Dispatcher of `serve`
// sends their SMS through a Sender, at least once, with retries and back-off,
// once across instances. Entrepreneurs get an SMS for each event unless they
// turned SMS off; officers get one daily digest SMS instead of one per item.
package notify

import (
	"context"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
)

// Kind is the authorization kind of the failed-delivery list.
const Kind = "notification"

// Event is one thing worth telling: Key names it (the same Key told twice
// to a user is one notification), Template and Params make its text.
type Event struct {
	Key        string
	Template   string
	Params     map[string]string
	EntityType string
	EntityID   string
	// NotBefore, when set, holds the SMS until then (the daily job's
	// messages wait for the morning).
	NotBefore time.Time
}

// Morning is when the SMS of day's daily job are sent: 08:30 Beijing time.
func Morning(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 8, 30, 0, 0, beijing.Zone).UTC()
}

// Mode is how a recipient hears of an event by SMS.
type Mode int

// The modes of an Audience.
const (
	// Each sends one SMS per event (entrepreneurs).
	Each Mode = iota
	// Digest leaves the event to the recipient's daily digest (officers).
	Digest
)

// Audience is who hears of an event: one user, or every enabled user with
// a role in a district or bank.
type Audience struct {
	UserID   auth.UserID
	Role     auth.Role
	District string
	Bank     string
	Mode     Mode
}

// User is the audience of one user, told by SMS for each event.
func User(id auth.UserID) Audience { return Audience{UserID: id, Mode: Each} }

// Officers is every officer with role in district (or bank), told by the
// daily digest.
func Officers(role auth.Role, district, bank string) Audience {
	return Audience{Role: role, District: district, Bank: bank, Mode: Digest}
}

// SMSState is where a notification's SMS is.
type SMSState string

// The SMS states.
const (
	SMSOff      SMSState = "off"
	SMSPending  SMSState = "pending"
	SMSSent     SMSState = "sent"
	SMSFailed   SMSState = "failed"
	SMSNoPhone  SMSState = "no_phone"
	SMSDigest   SMSState = "digest"
	SMSDigested SMSState = "digested"
)

// Notification is one event told to one user.
type Notification struct {
	ID          int64
	EventKey    string
	RecipientID auth.UserID
	// Recipient is the recipient's user name (the failed list shows it).
	Recipient  string
	Template   string
	Params     map[string]string
	EntityType string
	EntityID   string
	InApp      bool
	CreatedAt  time.Time
	ReadAt     *time.Time
	SMSState   SMSState
	Attempts   int
	LastError  string
	DoneAt     *time.Time
}

// Settings are a user's choices.
type Settings struct {
	// SMS: an entrepreneur's SMS for each event, an officer's daily digest.
	SMS bool
}

// Page is a page of the inbox.
type Page struct {
	Items  []Notification
	Total  int64
	Unread int64
}

// Store is what notifications need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Enqueue writes e for every user of to, in the transaction of ctx,
	// with the SMS state of the audience's mode and the user's settings;
	// a user already told of e.Key is left as is.
	Enqueue(ctx context.Context, e Event, to []Audience, now time.Time) error
	// Inbox lists userID's in-app notifications, newest first, with the
	// total and the unread count.
	Inbox(ctx context.Context, userID auth.UserID, unreadOnly bool, offset, limit int) (Page, error)
	Unread(ctx context.Context, userID auth.UserID) (int64, error)
	// MarkRead sets the read time of userID's notification id (kept when
	// already set); NotFound when it is not theirs.
	MarkRead(ctx context.Context, userID auth.UserID, id int64, now time.Time) (Notification, error)
	Settings(ctx context.Context, userID auth.UserID) (Settings, error)
	SetSettings(ctx context.Context, userID auth.UserID, s Settings, now time.Time) error
}

// Digests makes the officers' daily digests.
type Digests interface {
	// Digest makes, for each user with items waiting for the digest, one
	// SMS of day sent not before notBefore, and returns how many it made.
	Digest(ctx context.Context, day, notBefore, now time.Time) (int, error)
}

// Service answers the inbox and settings endpoints and writes events.
type Service struct {
	store    Store
	failures Failures
	digests  Digests
	authz    *authz.Enforcer
	audit    *audit.Recorder
	now      func() time.Time
}

// NewService wires the notification service.
func NewService(s Store, f Failures, d Digests, z *authz.Enforcer, a *audit.Recorder) *Service {
	return &Service{store: s, failures: f, digests: d, authz: z, audit: a, now: time.Now}
}

// Digest makes the officers' digests of day (the daily job), each one SMS
// counting the items since the last digest, sent in the morning.
func (s *Service) Digest(ctx context.Context, day time.Time) (int, error) {
	n, err := s.digests.Digest(ctx, day, Morning(day), s.now().UTC().Truncate(time.Microsecond))
	return n, apperr.Contextf(err, "make the officers' digests of %s", day.Format(time.DateOnly))
}

// Notify writes e for to in the caller's transaction. An unknown template
// is a programming error.
func (s *Service) Notify(ctx context.Context, e Event, to ...Audience) error {
	if _, ok := templates[e.Template]; !ok {
		return apperr.Wrap(errUnknownTemplate(e.Template), "notify")
	}
	if len(to) == 0 {
		return nil
	}
	return apperr.Contextf(s.store.Enqueue(ctx, e, to, s.now().UTC().Truncate(time.Microsecond)), "notify event %s", e.Key)
}

// Inbox is p's own inbox page.
func (s *Service) Inbox(ctx context.Context, p auth.Principal, unreadOnly bool, offset, limit int) (Page, error) {
	page, err := s.store.Inbox(ctx, p.UserID, unreadOnly, offset, limit)
	return page, apperr.Contextf(err, "read the inbox of user %d", p.UserID)
}

// Unread counts p's unread notifications.
func (s *Service) Unread(ctx context.Context, p auth.Principal) (int64, error) {
	n, err := s.store.Unread(ctx, p.UserID)
	return n, apperr.Contextf(err, "count the unread notifications of user %d", p.UserID)
}

// Read marks p's notification id read; another user's answers 404.
func (s *Service) Read(ctx context.Context, p auth.Principal, id int64) (Notification, error) {
	n, err := s.store.MarkRead(ctx, p.UserID, id, s.now().UTC().Truncate(time.Microsecond))
	if apperr.KindOf(err) == apperr.NotFound {
		return n, apperr.NotFoundf("no notification with id %d is yours", id)
	}
	return n, apperr.Contextf(err, "mark notification %d read", id)
}

// Settings are p's choices.
func (s *Service) Settings(ctx context.Context, p auth.Principal) (Settings, error) {
	st, err := s.store.Settings(ctx, p.UserID)
	return st, apperr.Contextf(err, "read the notification settings of user %d", p.UserID)
}

// SetSettings changes p's choices, with an audit event.
func (s *Service) SetSettings(ctx context.Context, p auth.Principal, in Settings) (Settings, error) {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.Settings(ctx, p.UserID)
		if err != nil {
			return err
		}
		if err := s.store.SetSettings(ctx, p.UserID, in, s.now().UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "notification.settings", "user", p.UserID.String(), settingsView(before), settingsView(in))
	})
	return in, apperr.Contextf(err, "change the notification settings of user %d", p.UserID)
}

func settingsView(s Settings) map[string]bool { return map[string]bool{"sms": s.SMS} }
