// Package idempotency makes a money request happen once however often a
// client sends it: the first request with an Idempotency-Key runs and its
// answer (HTTP status and body bytes) is stored in the same transaction as
// its work; a retry with the same key and body gets that answer again, byte
// for byte. It sits beside httpapi, which hands it the key, the request and
// the work; the capability packages (loan) know nothing of it.
//
// A key belongs to one user and one endpoint (method and path). Everything
// happens in one transaction on one connection: the request holds the key
// (Holds: a transaction-scoped lock, so every instance sees it, it holds
// through PgBouncer's transaction pooling, and a crashed process lets go at
// once), reserves it, does the work and stores the answer, and commits them
// together. A crash or a failure therefore leaves either the whole result
// with its answer or nothing at all. A reservation without an answer (left
// by an earlier release of chuangdai that reserved keys in a transaction of
// their own) is taken over by the next request with the same body. Answers
// are kept at least Retention; the daily job purges older keys.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
)

// Retention is how long an answer is kept at least.
const Retention = 48 * time.Hour

// maxKeyLength bounds an Idempotency-Key header.
const maxKeyLength = 255

// Key names one idempotent request.
type Key struct {
	UserID   auth.UserID
	Endpoint string
	Value    string
}

// Answer is the stored or fresh answer to an idempotent request.
type Answer struct {
	Status int
	Body   []byte
	// Replayed is set when the answer is the stored answer of an earlier request.
	Replayed bool
}

// Reservation is the outcome of reserving a key.
type Reservation int

// The outcomes of a reservation.
const (
	Reserved Reservation = iota // the key is ours: do the work
	Done                        // the key has an answer with the same request hash
	InFlight                    // the key has no answer yet
	Mismatch                    // the key was used with another request body
)

// Store persists idempotency keys.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Reserve inserts the key with its request hash, or, when it exists,
	// reports what it holds (and the stored answer when Done).
	Reserve(ctx context.Context, k Key, hash string, now time.Time) (Reservation, Answer, error)
	// Complete stores the answer of the reservation.
	Complete(ctx context.Context, k Key, hash string, a Answer, at time.Time) error
	// Purge deletes the keys created before before and returns how many.
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// Holds tells whether a live request is working on a key.
type Holds interface {
	// Hold takes k for the transaction in ctx, until it ends; ok is false
	// while another live request, in any instance, holds it.
	Hold(ctx context.Context, k Key) (ok bool, err error)
}

// Keys runs idempotent requests.
type Keys struct {
	store Store
	holds Holds
	now   func() time.Time
}

// New returns the idempotency runner.
func New(s Store, h Holds) *Keys { return &Keys{store: s, holds: h, now: time.Now} }

// RequestHash identifies a request body; pass its canonical JSON.
func RequestHash(endpoint string, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte(endpoint))
	h.Write([]byte{0})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

// CheckKey validates an Idempotency-Key header value.
func CheckKey(v string) error {
	switch {
	case v == "":
		return apperr.New(apperr.BadRequest, "idempotency.key_required",
			"send an Idempotency-Key header (a unique value such as a UUID) so the request can be retried safely")
	case len(v) > maxKeyLength:
		return apperr.Newf(apperr.BadRequest, "bad_request", "the Idempotency-Key header is longer than %d characters", maxKeyLength)
	}
	for _, r := range v {
		if r < 0x21 || r > 0x7e {
			return apperr.New(apperr.BadRequest, "bad_request", "the Idempotency-Key header must be printable ASCII without spaces")
		}
	}
	return nil
}

// Request is one idempotent request as it arrived.
type Request struct {
	UserID auth.UserID
	// Endpoint is the method and path ("POST /api/v1/loans/7/repayments").
	Endpoint string
	// Key is the Idempotency-Key header.
	Key string
	// Body is the request as bound; its JSON identifies the request.
	Body any
	// Status is the HTTP status of a fresh answer.
	Status int
}

// Answer runs work once for r and returns the answer to send: work's
// result as JSON with r.Status, or the stored answer of an earlier request
// with the same key and body (Replayed).
func (k *Keys) Answer(ctx context.Context, r Request, work func(ctx context.Context) (any, error)) (Answer, error) {
	if err := CheckKey(r.Key); err != nil {
		return Answer{}, err
	}
	canonical, err := json.Marshal(r.Body)
	if err != nil {
		return Answer{}, apperr.Wrap(err, "encode request")
	}
	return k.Do(ctx, r.UserID, r.Endpoint, r.Key, RequestHash(r.Endpoint, canonical), func(ctx context.Context) (Answer, error) {
		v, err := work(ctx)
		if err != nil {
			return Answer{}, err
		}
		body, err := json.Marshal(v)
		return Answer{Status: r.Status, Body: body}, err
	})
}

// Do runs work once for the key: a new key runs it and stores its answer
// in the same transaction; a repeated key with the same request replays the
// stored answer byte for byte; another request under the key is 422
// idempotency.mismatch; a key whose first request is still running is 409.
// When work fails nothing is stored and the key is free again.
func (k *Keys) Do(ctx context.Context, userID auth.UserID, endpoint, value, hash string, work func(ctx context.Context) (Answer, error)) (Answer, error) {
	if err := CheckKey(value); err != nil {
		return Answer{}, err
	}
	key := Key{UserID: userID, Endpoint: endpoint, Value: value}
	var ans Answer
	err := k.store.InTx(ctx, func(ctx context.Context) error {
		held, err := k.holds.Hold(ctx, key)
		if err != nil {
			return err
		}
		if !held {
			return apperr.Conflictf("a request with this Idempotency-Key is still being processed: retry in a moment to get its answer")
		}
		res, stored, err := k.store.Reserve(ctx, key, hash, k.now().UTC())
		if err != nil {
			return err
		}
		switch res {
		case Done:
			ans = stored
			ans.Replayed = true
			return nil
		case Mismatch:
			return apperr.New(apperr.Invalid, "idempotency.mismatch",
				"this Idempotency-Key was already used with a different request: use a new key for a new request")
		}
		// Reserved, or InFlight: a reservation without an answer that nobody
		// holds was abandoned, so this request does the work.
		if ans, err = work(ctx); err != nil {
			return err
		}
		return k.store.Complete(ctx, key, hash, ans, k.now().UTC())
	})
	if err != nil {
		return Answer{}, err
	}
	return ans, nil
}

// Purge deletes the keys older than Retention (the daily job).
func (k *Keys) Purge(ctx context.Context) (int64, error) {
	return k.store.Purge(ctx, k.now().UTC().Add(-Retention))
}
