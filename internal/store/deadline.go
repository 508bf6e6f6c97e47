package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"chuangdai/internal/config"
)

// Every database call has a deadline, so that a database that stalls (a
// network that drops everything, a server that stops answering) or a pool
// with no connection free answers 503 unavailable within seconds instead of
// hanging the request: each statement, with the wait for its connection,
// gets db.timeout unless its context ends sooner; a transaction's
// connection is taken within db.timeout (acquire) and its BEGIN, each of
// its statements and its commit have db.timeout too. Migrations and backups do
// not go through these paths: they may take long.

// The statement's own context and the end of its deadline, kept while the
// statement runs: a query built once and run twice (a count, then a page)
// starts from its own context again each time.
const (
	ctxKey    = "chuangdai:statement_context"
	cancelKey = "chuangdai:cancel_deadline"
)

// deadlines registers the gorm callbacks that give every statement its
// deadline.
func (db *DB) deadlines() error {
	start := func(tx *gorm.DB) {
		ctx := tx.Statement.Context
		tx.InstanceSet(ctxKey, ctx)
		if d, ok := ctx.Deadline(); ok && time.Until(d) <= db.timeout {
			tx.InstanceSet(cancelKey, context.CancelFunc(func() {}))
			return
		}
		ctx, cancel := context.WithTimeout(ctx, db.timeout)
		tx.Statement.Context = ctx
		tx.InstanceSet(cancelKey, cancel)
	}
	restore := func(tx *gorm.DB) {
		if ctx, ok := tx.InstanceGet(ctxKey); ok {
			tx.Statement.Context = ctx.(context.Context)
		}
	}
	end := func(tx *gorm.DB) {
		if cancel, ok := tx.InstanceGet(cancelKey); ok {
			cancel.(context.CancelFunc)()
		}
		restore(tx)
	}
	cb := db.gdb.Callback()
	errs := []error{
		cb.Create().Before("*").Register("chuangdai:deadline", start),
		cb.Create().After("*").Register("chuangdai:deadline_end", end),
		cb.Query().Before("*").Register("chuangdai:deadline", start),
		cb.Query().After("*").Register("chuangdai:deadline_end", end),
		cb.Update().Before("*").Register("chuangdai:deadline", start),
		cb.Update().After("*").Register("chuangdai:deadline_end", end),
		cb.Delete().Before("*").Register("chuangdai:deadline", start),
		cb.Delete().After("*").Register("chuangdai:deadline_end", end),
		cb.Raw().Before("*").Register("chuangdai:deadline", start),
		cb.Raw().After("*").Register("chuangdai:deadline_end", end),
		// Row, Rows and Scan read their rows after the callbacks returned:
		// their deadline ends by its own timer.
		cb.Row().Before("*").Register("chuangdai:deadline", start),
		cb.Row().After("*").Register("chuangdai:deadline_end", restore),
	}
	return errors.Join(errs...)
}

// acquire takes a connection from the pool within the deadline.
func (db *DB) acquire(ctx context.Context) (*sql.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	c, err := db.sql.Conn(actx)
	if err != nil {
		return nil, translate(err, "database connection")
	}
	return c, nil
}

// limitTx tells PostgreSQL the limits of the transaction tx: no statement
// runs longer than the deadline, and a transaction left idle (its client
// cut off) ends after idleInTx, freeing its locks.
func (db *DB) limitTx(tx *gorm.DB) error {
	if db.Engine != config.Postgres {
		return nil
	}
	err := tx.Exec("SELECT set_config('statement_timeout', ?, true), set_config('idle_in_transaction_session_timeout', ?, true)",
		fmt.Sprintf("%dms", db.timeout.Milliseconds()), fmt.Sprintf("%dms", db.idleInTx().Milliseconds())).Error
	return translate(err, "transaction")
}

// idleInTx is how long PostgreSQL keeps a transaction whose client sends
// nothing: four deadlines (20 s by default). The work between two
// statements of a transaction is local and short; a longer silence is a
// client that is gone.
func (db *DB) idleInTx() time.Duration { return 4 * db.timeout }
