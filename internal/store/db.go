// Package store implements the capability stores with GORM on PostgreSQL and
// SQLite. It owns the row structs, the migrations runner and the dialect
// differences; nothing outside it sees gorm.
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"chuangdai/internal/apperr"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/crypt"
	"chuangdai/internal/listing"
	"chuangdai/internal/msg"
	"chuangdai/migrations"
)

// DB is the database handle shared by every store.
type DB struct {
	gdb    *gorm.DB
	sql    *sql.DB
	Engine config.Engine
	// dsn is the PostgreSQL connection string (migrations open their own
	// connections with it).
	dsn string
	// timeout bounds every statement and every wait for a connection.
	timeout time.Duration
	// keys seal resident ID numbers and phone numbers (see UseKeys).
	keys *crypt.Ring
	// principals is this process's generation of the callers' principals
	// (see principals.go).
	principals *principalWatch
	// pgxLoanRead reads a loan with its children on PostgreSQL through pgx
	// (see loanread.go).
	pgxLoanRead string
}

// Pool says how many connections the store opens at most and how long one
// database call may take.
type Pool struct {
	MaxOpen int
	// Timeout bounds every statement and every wait for a pooled
	// connection (see deadlines); zero is the configuration's default.
	Timeout time.Duration
}

// Open connects to the database named by d. It does not migrate.
func Open(ctx context.Context, d config.Database, pool Pool) (*DB, error) {
	if pool.Timeout <= 0 {
		pool.Timeout = config.Defaults().DBTimeout
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	var dial gorm.Dialector
	switch d.Engine {
	case config.Postgres:
		pc, err := pgx.ParseConfig(d.DSN)
		if err != nil {
			return nil, fmt.Errorf("postgres URL: %w", err)
		}
		// A statement past its deadline is cancelled on the server (a
		// cancel request); when even that gets no answer within a second,
		// the connection is dropped.
		pc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
		}
		dial = postgres.New(postgres.Config{Conn: stdlib.OpenDB(*pc)})
	case config.SQLite:
		if dir := filepath.Dir(d.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database folder %s: %w", dir, err)
			}
		}
		// WAL lets readers go on while one writer writes; immediate
		// transactions take the write lock at BEGIN, so writers queue
		// (busy_timeout: three deadlines, 15 s by default, as the one
		// writer at a time may be an import) instead of failing half-way.
		dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate",
			d.Path, 3*pool.Timeout.Milliseconds())
		dial = sqlite.Open(dsn)
	default:
		return nil, fmt.Errorf("unknown database engine %q", d.Engine)
	}
	gdb, err := gorm.Open(dial, gcfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d.Engine, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(pool.MaxOpen)
	sqlDB.SetMaxIdleConns(min(pool.MaxOpen, 10))
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{gdb: gdb, sql: sqlDB, Engine: d.Engine, dsn: d.DSN, timeout: pool.Timeout, principals: &principalWatch{}, pgxLoanRead: pgxLoanRead()}
	if err := db.deadlines(); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.Engine, err)
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Ready reports whether the database answers and accepts writes. A
// read-only PostgreSQL (a standby, or default_transaction_read_only) still
// serves reads but is not ready, so that a load balancer sends the writes
// elsewhere.
func (db *DB) Ready(ctx context.Context) error {
	if db.Engine != config.Postgres {
		return translate(db.Ping(ctx), "database")
	}
	var ro string
	if err := db.sql.QueryRowContext(ctx, "SELECT current_setting('transaction_read_only')").Scan(&ro); err != nil {
		return translate(err, "database")
	}
	if ro == "on" {
		return apperr.New(apperr.Unavailable, "unavailable", "the database is read-only at the moment (a standby, or a primary set to read-only): reading works, changes are refused; try again when it accepts writes")
	}
	return nil
}

// SQL exposes the pool for tools that need database/sql (backup, tests).
func (db *DB) SQL() *sql.DB { return db.sql }

// Migrate applies pending migrations. With nothing pending it writes
// nothing, so an instance starts against a read-only database (a standby).
// On PostgreSQL instances that start together migrate one after the other
// under a lease in goose's lock table (a row, renewed while the migrations
// run and free again after 30 s if the process dies): no session lock, so it
// holds through PgBouncer's transaction pooling too. The migrations run on a
// small pool of their own, without the request deadlines.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	dialect, dir := goose.DialectSQLite3, "sqlite"
	pool := db.sql
	var opts []goose.ProviderOption
	if db.Engine == config.Postgres {
		dialect, dir = goose.DialectPostgres, "postgres"
		locker, err := lock.NewPostgresTableLocker(lock.WithTableLockTimeout(time.Second, 300),
			lock.WithTableLogger(log.With("component", "migration lock")))
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithLocker(locker))
		if pool, err = sql.Open("pgx", db.dsn); err != nil {
			return fmt.Errorf("open migration connections: %w", err)
		}
		defer pool.Close()
		// One connection runs the migrations, one takes the lease and one
		// renews it.
		pool.SetMaxOpenConns(3)
	}
	fsys, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, pool, fsys, opts...)
	if err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", translate(err, "migrations"))
	}
	if !pending {
		return nil
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

type txKey struct{}

// endsKey carries the *txEnds of the transaction in the context.
type endsKey struct{}

// txEnds is what a transaction does at its end: before its commit, in the
// transaction (an error rolls it back instead: see beforeCommit), and once
// it has committed (see afterCommit). bulk sums what the loans bulkLoans
// inserted in the transaction add to the summaries, written before the
// commit (nil until the first).
type txEnds struct {
	before []func() error
	after  []func()
	bulk   *bulkBookings
}

// connKey carries the connection of the transaction in ctx, for what
// database/sql cannot send through it (COPY, see copyLoans).
type connKey struct{}

// InTx runs fn in a transaction carried by the context. Stores called with
// that context use it; a nested InTx joins the outer transaction. Waiting
// for the connection, every statement and the commit each have the store's
// deadline; on PostgreSQL the server is told the same limits for the
// transaction, so a client cut off mid-transaction (a network that drops
// everything) cannot keep its locks for longer than idleInTx.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	c, err := db.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	// The transaction lives as long as the request, except that a commit
	// that does not answer in time is abandoned (the transaction's context
	// ends, and database/sql rolls back what it can).
	txCtx, end := context.WithCancel(ctx)
	defer end()
	g := db.gdb.WithContext(txCtx)
	g.Statement.ConnPool = c
	// BEGIN is a round trip too: one that does not answer in time is
	// abandoned like such a commit (the transaction's context ends, and
	// database/sql rolls back whatever began). On SQLite BEGIN IMMEDIATE is
	// the queue of writers, which waits as long as busy_timeout.
	late := time.AfterFunc(db.beginWait(), end)
	tx := g.Begin()
	if !late.Stop() {
		return translate(fmt.Errorf("begin: %w", context.DeadlineExceeded), "transaction")
	}
	if tx.Error != nil {
		return translate(tx.Error, "transaction")
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback().Error
		}
	}()
	if err := db.limitTx(tx); err != nil {
		return err
	}
	var ends txEnds
	if err := fn(context.WithValue(context.WithValue(context.WithValue(ctx, txKey{}, tx), endsKey{}, &ends), connKey{}, c)); err != nil {
		return translate(err, "transaction")
	}
	for _, f := range ends.before {
		if err := f(); err != nil {
			return translate(err, "transaction")
		}
	}
	abandon := time.AfterFunc(db.timeout, end)
	defer abandon.Stop()
	done = true
	if err := tx.Commit().Error; err != nil {
		return translate(err, "transaction")
	}
	for _, f := range ends.after {
		f()
	}
	return nil
}

// beginWait is how long a transaction may wait at BEGIN: on SQLite for the
// one writer before it (busy_timeout, three deadlines, as that writer may be
// an import), on PostgreSQL one deadline.
func (db *DB) beginWait() time.Duration {
	if db.Engine == config.SQLite {
		return 3 * db.timeout
	}
	return db.timeout
}

// afterCommit runs f once the transaction in ctx has committed (never when
// it rolls back), or at once outside a transaction.
func (db *DB) afterCommit(ctx context.Context, f func()) {
	if ends, ok := ctx.Value(endsKey{}).(*txEnds); ok {
		ends.after = append(ends.after, f)
		return
	}
	f()
}

// conn returns the transaction in ctx, or the pool.
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return db.gdb.WithContext(ctx)
}

// forUpdate row-locks what q selects on PostgreSQL. SQLite has no row locks:
// its immediate transactions already hold the database's write lock.
func (db *DB) forUpdate(q *gorm.DB) *gorm.DB {
	if db.Engine == config.Postgres {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// xactLock serialises transactions on key on PostgreSQL until commit.
func (db *DB) xactLock(ctx context.Context, key int64) error {
	if db.Engine != config.Postgres {
		return nil
	}
	return db.conn(ctx).Exec("SELECT pg_advisory_xact_lock(?)", key).Error
}

// tryXactLock takes the PostgreSQL advisory lock named name for the
// transaction in ctx, on the connection doing the work: commit, rollback or
// a dead connection end it, so it holds through PgBouncer's transaction
// pooling and never outlives its work. ok is false while another
// transaction holds it.
func (db *DB) tryXactLock(ctx context.Context, name string) (bool, error) {
	sum := sha256.Sum256([]byte(name))
	var ok bool
	err := db.conn(ctx).Raw("SELECT pg_try_advisory_xact_lock(?)", int64(binary.BigEndian.Uint64(sum[:8]))).Scan(&ok).Error
	return ok, translate(err, "lock")
}

// translate maps database errors to application errors.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &apperr.Error{Kind: apperr.NotFound, Code: "not_found", Err: fmt.Errorf("%s: %w", what, err),
			Message: msg.New("not found: it may have been removed, or you may not see it")}
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &apperr.Error{Kind: apperr.Conflict, Code: "conflict", Err: fmt.Errorf("%s: %w", what, err),
			Message: msg.New("this already exists: the code, number or name is taken")}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return &apperr.Error{Kind: apperr.Invalid, Code: "validation_failed", Err: fmt.Errorf("%s: %w", what, err),
			Message: msg.New("it refers to something that does not exist: check the codes and ids sent")}
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "40001" || pg.Code == "40P01":
			return &apperr.Error{Kind: apperr.Conflict, Code: "conflict", Message: msg.New("another change to the same record happened at the same moment: send the request again"), Err: err}
		case pg.Code == "25006":
			return &apperr.Error{Kind: apperr.Unavailable, Code: "unavailable", Message: msg.New("the database is read-only at the moment (a standby, or a primary set to read-only): reading works, changes are refused; try again when it accepts writes"), Err: err}
		case pg.Code == "42P05" || pg.Code == "26000":
			return apperr.Wrap(err, what+": prepared statements are not kept between transactions (PgBouncer in transaction mode?): add default_query_exec_mode=exec to CHUANGDAI_DATABASE_URL")
		}
	}
	if unavailable(err) {
		return &apperr.Error{Kind: apperr.Unavailable, Code: "unavailable", Message: msg.New("the database does not answer: try again in a moment"), Err: err}
	}
	return apperr.Wrap(err, what)
}

// unavailable reports whether err means the database could not be reached,
// answered too late, is shutting down or out of resources (as opposed to
// refusing the statement): a retry later can succeed.
func unavailable(err error) bool {
	var netErr net.Error
	var connErr *pgconn.ConnectError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr), errors.As(err, &connErr), errors.Is(err, io.ErrUnexpectedEOF), pgconn.Timeout(err):
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		if strings.HasPrefix(pg.Code, "08") || // connection exception
			strings.HasPrefix(pg.Code, "53") { // insufficient resources: too many connections, disk full, out of memory
			return true
		}
		switch pg.Code {
		case "57P01", "57P02", "57P03", // admin shutdown, crash shutdown, cannot connect now
			"57014", // statement timeout or cancelled
			"55P03", // lock not available in time
			"58030": // I/O error
			return true
		}
	}
	// SQLite: busy past busy_timeout, locked, or interrupted at the deadline.
	var sqliteErr interface{ Code() int }
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff {
		case 5, 6, 9: // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_INTERRUPT
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "database is locked") ||
		strings.Contains(msg, "connection refused") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "connection reset")
}

// readOnly reports whether err is PostgreSQL refusing a write because the
// database is read-only (a standby, or default_transaction_read_only).
func readOnly(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "25006"
}

// scoped filters q to what a list scope shows, exactly as
// authz.ListScope.Contains decides: rows of the scope's districts, banks, or
// owners (ownerColumn; "" when the rows have no owner). An empty scope shows
// nothing.
func scoped(q *gorm.DB, scope authz.ListScope, ownerColumn string) *gorm.DB {
	if scope.All {
		return q
	}
	var conds []string
	var args []any
	if len(scope.Districts) > 0 {
		conds, args = append(conds, "district_code IN ?"), append(args, scope.Districts)
	}
	if len(scope.Banks) > 0 {
		conds, args = append(conds, "bank_code IN ?"), append(args, scope.Banks)
	}
	if len(scope.Owners) > 0 && ownerColumn != "" {
		conds, args = append(conds, ownerColumn+" IN ?"), append(args, scope.Owners)
	}
	if len(conds) == 0 {
		return q.Where("1 = 0")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// Page bounds a list query.
func page(q *gorm.DB, offset, limit int) *gorm.DB {
	if limit > 0 {
		q = q.Limit(limit)
	}
	if offset > 0 {
		q = q.Offset(offset)
	}
	return q
}

// sortColumn is a column a list sorts by; nullable ones sort their NULLs
// last in both directions and on both engines.
type sortColumn struct {
	expr     string
	nullable bool
}

// ordered sorts q by s over the list's columns (the keys its service
// checked), with id in the same direction to break ties; the zero Sort
// keeps the list's default order def.
func ordered(q *gorm.DB, s listing.Sort, columns map[string]sortColumn, def func(*gorm.DB) *gorm.DB) *gorm.DB {
	return orderedBy(q, s, columns, "id", def)
}

// orderedBy is ordered with the id column named, for a query that joins
// another table.
func orderedBy(q *gorm.DB, s listing.Sort, columns map[string]sortColumn, id string, def func(*gorm.DB) *gorm.DB) *gorm.DB {
	c, ok := columns[s.Key]
	if !ok {
		return def(q)
	}
	dir := " ASC"
	if s.Desc {
		dir = " DESC"
	}
	if c.nullable {
		q = q.Order("CASE WHEN " + c.expr + " IS NULL THEN 1 ELSE 0 END")
	}
	return q.Order(c.expr + dir).Order(id + dir)
}
