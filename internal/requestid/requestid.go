// Package requestid carries the request id through a context, so that logs and
// audit events written deep in a service name the request that caused them,
// and the user a request turned out to be from, for its access log line.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
)

type key struct{}

// withID is a context carrying a request id: one allocation per request
// where context.WithValue made two (its node and the id boxed as any).
// It also holds the request's user once authentication has named them:
// a slot written in place, where gin's c.Set made a map per request.
type withID struct {
	context.Context
	id    string
	user  atomic.Int64
	named atomic.Bool
}

// Value answers the request id's key with the node itself (a pointer
// needs no boxing); every other key goes to the parent.
func (c *withID) Value(k any) any {
	if k == (key{}) {
		return c
	}
	return c.Context.Value(k)
}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return &withID{Context: ctx, id: id}
}

// From returns the request id in ctx, or "".
func From(ctx context.Context) string {
	if c, ok := ctx.Value(key{}).(*withID); ok {
		return c.id
	}
	return ""
}

// SetUser records that the request of ctx (a context from With, or one
// derived from it) comes from user id; without a request id it does
// nothing.
func SetUser(ctx context.Context, id int64) {
	if c, ok := ctx.Value(key{}).(*withID); ok {
		c.user.Store(id)
		c.named.Store(true)
	}
}

// User returns the user SetUser recorded for the request of ctx.
func User(ctx context.Context) (int64, bool) {
	if c, ok := ctx.Value(key{}).(*withID); ok && c.named.Load() {
		return c.user.Load(), true
	}
	return 0, false
}

// idBytes is how many random bytes an id holds (it is twice as many hex
// digits long).
const idBytes = 12

// randomBytes is a block of bytes read from crypto/rand at once and handed
// out idBytes at a time, each once: one read (a getrandom system call) per
// block instead of per id. A block dropped by the pool takes its unused
// bytes with it.
type randomBytes struct {
	b   [idBytes * 256]byte
	off int
}

var blocks = sync.Pool{New: func() any { return &randomBytes{off: idBytes * 256} }}

// New returns a fresh random id: 24 hex digits of crypto/rand.
func New() string {
	r := blocks.Get().(*randomBytes)
	if r.off == len(r.b) {
		_, _ = rand.Read(r.b[:])
		r.off = 0
	}
	var id [2 * idBytes]byte
	hex.Encode(id[:], r.b[r.off:r.off+idBytes])
	r.off += idBytes
	blocks.Put(r)
	return string(id[:])
}
