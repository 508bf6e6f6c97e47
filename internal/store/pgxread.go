package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"chuangdai/internal/authz"
	"chuangdai/internal/config"
)

// The hot reads on PostgreSQL (issue 16) run through pgx on a connection of
// the one pool, without gorm's statement building and reflective scanning
// and without database/sql's conversions: the same statement, the same
// scope in its WHERE, the same deadline, the same connections (the
// connection budget holds) and the same query mode, so that
// default_query_exec_mode=exec or simple_protocol keeps them working
// through PgBouncer's transaction pooling. Inside a transaction, and on
// SQLite, the reads stay on gorm.

// direct reports whether a read in ctx may take the pgx path: PostgreSQL,
// outside a transaction.
func (db *DB) direct(ctx context.Context) bool {
	_, inTx := ctx.Value(txKey{}).(*gorm.DB)
	return db.Engine == config.Postgres && !inTx
}

// withPgx runs fn on the pgx connection of a pooled connection, within
// the store's deadline for the wait and the statements; fn must not keep
// the connection. Its error comes back translated as what, a missing row as
// not found.
func (db *DB) withPgx(ctx context.Context, what string, fn func(ctx context.Context, c *pgx.Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return translate(err, "database connection")
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL pool holds a %T, not a pgx connection", dc)
		}
		return fn(ctx, c.Conn())
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = gorm.ErrRecordNotFound
	}
	return translate(err, what)
}

// pgxScoped is scoped for a statement written for pgx: the condition to add
// to its WHERE (" AND …", nothing for every row, " AND 1 = 0" for an empty
// scope) with its arguments numbered after args, to which they are added.
// It decides exactly as scoped does.
func pgxScoped(scope authz.ListScope, ownerColumn string, args []any) (string, []any) {
	if scope.All {
		return "", args
	}
	var conds []string
	add := func(column string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf("%s = ANY($%d)", column, len(args)))
	}
	if len(scope.Districts) > 0 {
		add("district_code", scope.Districts)
	}
	if len(scope.Banks) > 0 {
		add("bank_code", scope.Banks)
	}
	if len(scope.Owners) > 0 && ownerColumn != "" {
		owners := make([]int64, len(scope.Owners))
		for i, o := range scope.Owners {
			owners[i] = int64(o)
		}
		add(ownerColumn, owners)
	}
	if len(conds) == 0 {
		return " AND 1 = 0", args
	}
	return " AND (" + strings.Join(conds, " OR ") + ")", args
}

// pgxQuery runs the statement gorm builds for q (its dry run, which
// executes nothing: the filters, scope and order stay written once, in
// gorm) through pgx, scanning each row into dest and then calling each.
func (db *DB) pgxQuery(ctx context.Context, what string, q *gorm.DB, dest []any, each func() error) error {
	stmt := q.Session(&gorm.Session{DryRun: true}).Find(&[]map[string]any{}).Statement
	if stmt.Error != nil {
		return translate(stmt.Error, what)
	}
	sql, vars := stmt.SQL.String(), stmt.Vars
	return db.withPgx(ctx, what, func(ctx context.Context, c *pgx.Conn) error {
		rows, err := c.Query(ctx, sql, vars...)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, dest, each)
		return err
	})
}

// planned is the destinations of a row, scanned with the plans the same
// statement had on the same connection before: pgx plans every column of
// every statement anew (68 for a loan, each plan a walk through the type
// map), planned keeps them in the connection's CustomData under key (a
// connection serves one goroutine at a time) and plans again when a
// column's type or format, or a destination's type, is not what the plans
// were made for. As a destination of Scan it must be the only one.
type planned struct {
	key  string
	dest []any
}

// scanPlans are the plans of one statement's columns on one connection.
type scanPlans struct {
	oids    []uint32
	formats []int16
	types   []reflect.Type
	plans   []pgtype.ScanPlan
}

// fit reports whether p were made for the columns fds and destinations dest.
func (p *scanPlans) fit(fds []pgconn.FieldDescription, dest []any) bool {
	if p == nil || len(p.plans) != len(fds) {
		return false
	}
	for i, fd := range fds {
		if p.oids[i] != fd.DataTypeOID || p.formats[i] != fd.Format || p.types[i] != reflect.TypeOf(dest[i]) {
			return false
		}
	}
	return true
}

// ScanRow implements pgx.RowScanner: it scans as pgx's own Scan does, with
// its errors.
func (d planned) ScanRow(rows pgx.Rows) error {
	fds, values := rows.FieldDescriptions(), rows.RawValues()
	if len(fds) != len(d.dest) {
		return fmt.Errorf("number of field descriptions must equal number of destinations, got %d and %d", len(fds), len(d.dest))
	}
	conn := rows.Conn()
	kept := conn.PgConn().CustomData()
	p, _ := kept[d.key].(*scanPlans)
	if !p.fit(fds, d.dest) {
		m := conn.TypeMap()
		p = &scanPlans{oids: make([]uint32, len(fds)), formats: make([]int16, len(fds)), types: make([]reflect.Type, len(fds)),
			plans: make([]pgtype.ScanPlan, len(fds))}
		for i, fd := range fds {
			p.oids[i], p.formats[i], p.types[i] = fd.DataTypeOID, fd.Format, reflect.TypeOf(d.dest[i])
			p.plans[i] = m.PlanScan(fd.DataTypeOID, fd.Format, d.dest[i])
		}
		kept[d.key] = p
	}
	for i, dst := range d.dest {
		if dst == nil {
			continue
		}
		if err := p.plans[i].Scan(values[i], dst); err != nil {
			return pgx.ScanArgError{ColumnIndex: i, FieldName: fds[i].Name, Err: err}
		}
	}
	return nil
}
