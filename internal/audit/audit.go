// Package audit keeps the append-only, hash-chained trail of every change.
// Events are written by the Recorder in the same transaction as the change
// they describe; nothing in the API edits or deletes them.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/listing"
	"chuangdai/internal/requestid"
)

// Event is one entry of the trail.
type Event struct {
	ID         int64
	At         time.Time
	ActorID    *auth.UserID
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	Before     json.RawMessage
	After      json.RawMessage
	RequestID  string
	PrevHash   string
	Hash       string
	// ActorName is the person's name of the actor's account (read only).
	ActorName string
}

// GenesisHash is the previous hash of the first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the hash that chains e to its predecessor. Every field
// that describes the change is covered, so an edit to any of them shows.
func ComputeHash(e Event) string {
	actorID := ""
	if e.ActorID != nil {
		actorID = e.ActorID.String()
	}
	parts := []string{
		e.PrevHash,
		strconv.FormatInt(e.ID, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		actorID, e.Actor, e.Action, e.EntityType, e.EntityID,
		string(e.Before), string(e.After), e.RequestID,
	}
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Store is what the audit trail needs from persistence.
type Store interface {
	// Append assigns the id, time and chain hashes and inserts e, inside the
	// transaction carried by ctx (or a new one).
	Append(ctx context.Context, e Event) error
	List(ctx context.Context, f Filter) ([]Event, int64, error)
	// Actions lists the distinct actions of the trail.
	Actions(ctx context.Context) ([]string, error)
	// Walk calls fn for every event in id order.
	Walk(ctx context.Context, fn func(Event) error) error
}

// Filter selects events.
type Filter struct {
	EntityType string
	EntityID   string
	// Actor is the user name (any case) or the person's name of the actor.
	Actor  string
	Action string
	// From and To bound the time of the events: From ≤ at < To.
	From, To *time.Time
	// Sort is the order asked for (SortKeys); the zero Sort is newest first.
	Sort   listing.Sort
	Offset int
	Limit  int
}

// SortKeys are the columns the audit trail sorts by (sort=key or sort=-key).
var SortKeys = []string{"at", "actor", "action", "entity_type"}

// Recorder writes events for services.
type Recorder struct {
	store Store
}

// NewRecorder returns a recorder over store.
func NewRecorder(s Store) *Recorder { return &Recorder{store: s} }

// Record appends an event for a change made by p. before and after are
// marshalled to JSON; pass nil for "none".
func (r *Recorder) Record(ctx context.Context, p auth.Principal, action, entityType, entityID string, before, after any) error {
	e, err := NewEvent(ctx, p, action, before, after)
	if err != nil {
		return err
	}
	e.EntityType, e.EntityID = entityType, entityID
	return r.store.Append(ctx, e)
}

// NewEvent is the event of a change made by p, not yet appended: what the
// closure of a repository's Update answers, the repository naming the
// record and appending it in the change's transaction. before and after
// are marshalled to JSON; pass nil for "none".
func NewEvent(ctx context.Context, p auth.Principal, action string, before, after any) (Event, error) {
	e := Event{Actor: p.Username, Action: action, RequestID: requestid.From(ctx)}
	if p.UserID != 0 {
		id := p.UserID
		e.ActorID = &id
	}
	var err error
	if e.Before, err = marshal(before); err != nil {
		return e, apperr.Wrap(err, "audit: marshal before")
	}
	if e.After, err = marshal(after); err != nil {
		return e, apperr.Wrap(err, "audit: marshal after")
	}
	return e, nil
}

func marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// Service answers the audit endpoints.
type Service struct {
	store Store
	authz *authz.Enforcer
}

// NewService returns the audit read service.
func NewService(s Store, z *authz.Enforcer) *Service { return &Service{store: s, authz: z} }

// List returns events matching f, if p may read the trail, with resident
// ID and phone numbers masked (see Event.Masked): no reader of the trail
// needs them in full.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter) ([]Event, int64, error) {
	if !s.authz.Can(p, authz.Read, authz.Resource{Kind: "audit"}) {
		return nil, 0, apperr.Forbiddenf("only finance auditors and administrators may read the audit trail")
	}
	evs, total, err := s.store.List(ctx, f)
	for i := range evs {
		evs[i] = evs[i].Masked()
	}
	return evs, total, err
}

// ActionsOf lists the actions p may filter the trail by: those of Actions,
// then any other the trail holds (named by its code).
func (s *Service) ActionsOf(ctx context.Context, p auth.Principal) ([]ActionLabel, error) {
	if !s.authz.Can(p, authz.Read, authz.Resource{Kind: "audit"}) {
		return nil, apperr.Forbiddenf("only finance auditors and administrators may read the audit trail")
	}
	stored, err := s.store.Actions(ctx)
	if err != nil {
		return nil, err
	}
	out := append([]ActionLabel{}, Actions...)
	for _, a := range stored {
		if _, known := LabelOf(a); !known {
			l, _ := LabelOf(a)
			out = append(out, l)
		}
	}
	return out, nil
}

// VerifyResult is the outcome of checking the chain.
type VerifyResult struct {
	OK      bool
	Events  int64
	BadID   int64
	Problem string
}

// Verify recomputes the chain and reports the first broken link.
func (s *Service) Verify(ctx context.Context, p auth.Principal) (VerifyResult, error) {
	if !s.authz.Can(p, authz.Read, authz.Resource{Kind: "audit"}) {
		return VerifyResult{}, apperr.Forbiddenf("only finance auditors and administrators may verify the audit trail")
	}
	return s.VerifyChain(ctx)
}

// VerifyChain is Verify for the operator at the command line (chuangdai
// restore), who holds the database itself.
func (s *Service) VerifyChain(ctx context.Context) (VerifyResult, error) {
	res := VerifyResult{OK: true}
	prev := GenesisHash
	err := s.store.Walk(ctx, func(e Event) error {
		res.Events++
		if !res.OK {
			return nil
		}
		switch {
		case e.PrevHash != prev:
			res.OK, res.BadID, res.Problem = false, e.ID, "previous hash does not match the event before it (an event was removed or reordered)"
		case ComputeHash(e) != e.Hash:
			res.OK, res.BadID, res.Problem = false, e.ID, "hash does not match the event's content (the event was edited)"
		}
		prev = e.Hash
		return nil
	})
	return res, err
}
