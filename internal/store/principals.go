package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// PrincipalPoll is how long this process trusts its last reading of the
// change counter of the principals (migration 00028) before it reads it
// again.
const PrincipalPoll = time.Second

// principalWatch is this process's generation of the principals: it grows
// when the counter in principal_changes has moved since the last reading
// (a change on another instance, the command line or SQL by hand: the
// triggers bump it in the change's transaction), and when a change made
// here has committed, so that the next request here already sees it.
type principalWatch struct {
	gen atomic.Uint64
	// polled is when the counter was last read (nanoseconds on the
	// monotonic clock since start), zero before the first reading.
	polled atomic.Int64
	mu     sync.Mutex
	seen   int64
}

// start is the origin of principalWatch.polled.
var start = time.Now()

// PrincipalGeneration returns the generation of the principals: a principal
// read from the database while the generation was g is still what the
// database holds while it is g. It reads the counter when the last reading
// is PrincipalPoll old, so a change committed anywhere shows here within
// that time.
func (db *DB) PrincipalGeneration(ctx context.Context) (uint64, error) {
	w := db.principals
	if p := w.polled.Load(); p != 0 && time.Since(start)-time.Duration(p) < PrincipalPoll {
		return w.gen.Load(), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if p := w.polled.Load(); p != 0 && time.Since(start)-time.Duration(p) < PrincipalPoll {
		return w.gen.Load(), nil
	}
	at := time.Since(start)
	var n int64
	if err := db.gdb.WithContext(ctx).Raw("SELECT n FROM principal_changes WHERE id = 1").Scan(&n).Error; err != nil {
		return 0, translate(err, "principal changes")
	}
	if w.polled.Load() == 0 || n != w.seen {
		w.seen = n
		w.gen.Add(1)
	}
	w.polled.Store(max(int64(at), 1))
	return w.gen.Load(), nil
}

// principalsChanged moves the generation on once the transaction in ctx
// has committed a change to a session, an account, a role binding or an
// identity (at once outside a transaction: call it after the write).
func (db *DB) principalsChanged(ctx context.Context) {
	db.afterCommit(ctx, func() { db.principals.gen.Add(1) })
}

// changedPrincipals is principalsChanged after a write that returned err,
// translated as what.
func (db *DB) changedPrincipals(ctx context.Context, err error, what string) error {
	if err != nil {
		return translate(err, what)
	}
	db.principalsChanged(ctx)
	return nil
}
