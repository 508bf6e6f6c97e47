package store

import (
	"context"
	"database/sql"
	"fmt"

	"chuangdai/internal/config"
)

// Budget is what PostgreSQL allows this process's role on this database,
// against what its pool may open.
type Budget struct {
	// Pool is how many connections the pool may open.
	Pool int
	// Limit is how many connections the server accepts for this role and
	// database: max_connections less the reserved ones, or the role's or
	// the database's CONNECTION LIMIT when lower (superusers have neither).
	Limit int
	// InUse is how many of those are open now, this process's included.
	InUse int
	// Why names the setting that makes Limit.
	Why string
}

// Fits reports whether the whole pool can still be opened.
func (b Budget) Fits() bool { return b.Pool <= b.Limit-b.InUse+1 }

// ConnectionBudget reads the connection limits that apply to this process
// (PostgreSQL; SQLite has none).
func (db *DB) ConnectionBudget(ctx context.Context) (Budget, bool, error) {
	if db.Engine != config.Postgres {
		return Budget{}, false, nil
	}
	var (
		maxConns, superReserved, inAll, inRole, inDB int
		reserved, roleLimit, dbLimit                 sql.NullInt64
		super                                        bool
	)
	err := db.conn(ctx).Raw(`SELECT current_setting('max_connections')::int,
		current_setting('superuser_reserved_connections')::int,
		NULLIF(current_setting('reserved_connections', true), '')::int,
		r.rolsuper, r.rolconnlimit, d.datconnlimit,
		(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
		(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = current_user),
		(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database())
		FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`).
		Row().Scan(&maxConns, &superReserved, &reserved, &super, &roleLimit, &dbLimit, &inAll, &inRole, &inDB)
	if err != nil {
		return Budget{}, false, translate(err, "connection limits")
	}
	b := Budget{Pool: db.sql.Stats().MaxOpenConnections, Limit: maxConns, InUse: inAll, Why: fmt.Sprintf("max_connections %d", maxConns)}
	if super {
		return b, true, nil
	}
	b.Limit = maxConns - superReserved - int(reserved.Int64)
	b.Why = fmt.Sprintf("max_connections %d less %d reserved", maxConns, superReserved+int(reserved.Int64))
	if roleLimit.Valid && roleLimit.Int64 >= 0 && int(roleLimit.Int64)-inRole < b.Limit-b.InUse {
		b.Limit, b.InUse, b.Why = int(roleLimit.Int64), inRole, fmt.Sprintf("the role's CONNECTION LIMIT %d", roleLimit.Int64)
	}
	if dbLimit.Valid && dbLimit.Int64 >= 0 && int(dbLimit.Int64)-inDB < b.Limit-b.InUse {
		b.Limit, b.InUse, b.Why = int(dbLimit.Int64), inDB, fmt.Sprintf("the database's CONNECTION LIMIT %d", dbLimit.Int64)
	}
	return b, true, nil
}
