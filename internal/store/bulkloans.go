package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"chuangdai/internal/apperr"
	"chuangdai/internal/crypt"
	"chuangdai/internal/loan"
)

// bookLoans are the contributions of the loans with ids from ? to ? to the
// summaries, as SQLite's report_loans_insert books each loan (migration
// 00032), summed per bucket: one set-based statement per summary table. A
// day's year, month and quarter are the day's (toLoanRow), so the buckets
// are grouped by day alone and MIN takes them: the sort of the grouping
// compares three columns fewer.
var bookLoans = []string{`
	INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
	SELECT dim, day, key, MIN(year), MIN(month), MIN(quarter), COUNT(*), SUM(principal_fen), SUM(jobs), SUM(jobs_created)
	FROM (SELECT d.dim, l.disbursed_on AS day, l.disbursed_year AS year, l.disbursed_month AS month, l.disbursed_quarter AS quarter,
	             l.principal_fen, l.jobs, l.jobs_created,
	             CASE d.dim
	                 WHEN 'district' THEN l.district_code
	                 WHEN 'returnee' THEN CASE WHEN l.key_group = 'returning_migrant_worker' THEN l.district_code END
	                 WHEN 'key_group' THEN l.key_group
	                 WHEN 'bank' THEN l.bank_code
	                 WHEN 'borrower_type' THEN l.borrower_type
	                 WHEN 'industry' THEN l.industry
	                 WHEN 'gender' THEN l.gender
	                 ELSE CASE d.n
	                     WHEN 1 THEN CASE WHEN l.gender = 'female' THEN 'female' END
	                     WHEN 2 THEN CASE WHEN l.is_disabled THEN 'disabled' END
	                     WHEN 3 THEN CASE WHEN l.is_village_official THEN 'village_official' END
	                     ELSE CASE WHEN l.is_returned_overseas_student THEN 'returned_overseas_student' END END
	             END AS key
	      FROM loans AS l
	      CROSS JOIN (SELECT 'district' AS dim, 0 AS n UNION ALL SELECT 'returnee', 0 UNION ALL SELECT 'key_group', 0
	                  UNION ALL SELECT 'bank', 0 UNION ALL SELECT 'borrower_type', 0 UNION ALL SELECT 'industry', 0
	                  UNION ALL SELECT 'gender', 0 UNION ALL SELECT 'flag', 1 UNION ALL SELECT 'flag', 2
	                  UNION ALL SELECT 'flag', 3 UNION ALL SELECT 'flag', 4) AS d
	      WHERE l.id BETWEEN ? AND ?)
	WHERE key IS NOT NULL
	GROUP BY dim, day, key
	ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
	    jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created`, `
	INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen,
	    fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
	SELECT day, district_code, SUM(dl), SUM(df), SUM(cl), SUM(cf), SUM(fp), SUM(wo), SUM(ml), SUM(mp), SUM(mu)
	FROM (SELECT l.district_code,
	             CASE f.n WHEN 1 THEN l.disbursed_on WHEN 2 THEN l.compensated_on WHEN 3 THEN l.written_off_on ELSE l.maturity_date END AS day,
	             CASE f.n WHEN 1 THEN 1 ELSE 0 END AS dl,
	             CASE f.n WHEN 1 THEN l.principal_fen ELSE 0 END AS df,
	             CASE f.n WHEN 2 THEN 1 ELSE 0 END AS cl,
	             CASE f.n WHEN 2 THEN COALESCE(l.compensation_fen, 0) ELSE 0 END AS cf,
	             CASE f.n WHEN 2 THEN COALESCE(l.fund_paid_fen, 0) ELSE 0 END AS fp,
	             CASE f.n WHEN 3 THEN COALESCE(l.written_off_fen, 0) ELSE 0 END AS wo,
	             CASE f.n WHEN 4 THEN 1 ELSE 0 END AS ml,
	             CASE f.n WHEN 4 THEN l.principal_fen ELSE 0 END AS mp,
	             CASE f.n WHEN 4 THEN CASE WHEN l.status IN ('active', 'overdue') THEN l.outstanding_fen
	                                       ELSE COALESCE(l.compensation_fen, 0) - l.recovered_fen END ELSE 0 END AS mu
	      FROM loans AS l
	      CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS f
	      WHERE l.id BETWEEN ? AND ?)
	WHERE day IS NOT NULL
	GROUP BY day, district_code
	ON CONFLICT (day, district_code) DO UPDATE SET
	    disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
	    compensated_loans = compensated_loans + excluded.compensated_loans, compensated_fen = compensated_fen + excluded.compensated_fen,
	    fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen, written_off_fen = written_off_fen + excluded.written_off_fen,
	    matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
	    matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen`,
}

// bulkLoans is insertLoans for imported loans (no application) on SQLite:
// the row of report_bulk_loans holds report_loans_insert off while the
// loans go in, and bookLoans books them all at once (migration 00034). The
// row never leaves the transaction; SQLite's one writer at a time makes the
// loans of the transaction with ids from the first to the last new one
// exactly these. The connection's page cache is importCacheKiB while the
// batch goes in (loans has sixteen indexes: with the default 2 MB the pager
// writes dirty pages out and reads them back all along a big transaction)
// and what it was before once it is in, whether or not it went in.
func (db *DB) bulkLoans(ctx context.Context, loans []loan.Loan) (err error) {
	tx, ok := ctx.Value(txKey{}).(*gorm.DB)
	if !ok {
		return errors.New("bulk loans: outside a transaction")
	}
	if len(loans) == 0 {
		return nil
	}
	conn := tx.Statement.ConnPool
	var cache int64
	if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return translate(err, "bulk loans")
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", -importCacheKiB)); err != nil {
		return translate(err, "bulk loans")
	}
	defer func() {
		if _, e := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", cache)); e != nil && err == nil {
			err = translate(e, "bulk loans")
		}
	}()
	if err := tx.Exec("INSERT INTO report_bulk_loans (id) VALUES (1)").Error; err != nil {
		return translate(err, "bulk loans")
	}
	first, err := db.importLoans(ctx, conn, loans)
	if err != nil {
		return err
	}
	last := first + loan.ID(len(loans)) - 1
	for _, q := range bookLoans {
		if err := tx.Exec(q, first, last).Error; err != nil {
			return fmt.Errorf("book imported loans: %w", translate(err, "summaries"))
		}
	}
	return translate(tx.Exec("DELETE FROM report_bulk_loans").Error, "bulk loans")
}

// importCacheKiB is the page cache of the import's connection while a
// batch goes in: 64 MiB, enough for the pages of the indexes that random
// values reach (the sealed and blind-indexed resident ID numbers, the
// names) at hundreds of thousands of loans.
const importCacheKiB = 64 << 10

// importLoans inserts the loans, converted by toLoanRow as every new loan,
// and their leads' application_persons rows, and answers the id of the
// first: the ids follow in the loans' order, from the first free one
// (AUTOINCREMENT's sequence, which no other writer moves while the
// transaction writes). Each table gets one INSERT … SELECT from json_each
// over one parameter, a JSON array of the rows, each an array of its values
// as the driver binds them (the numbers, the texts, the times as the
// driver formats them; true, false and null), each row's array made JSONB
// once (MATERIALIZED) for its values to be read from; a column of the same
// value in every loan of the batch (most of an imported loan's: its status,
// version, the columns of a compensation or a write-off) is a parameter of
// its own instead. SQLite parses one statement per batch and the driver
// binds a few parameters, instead of a multi-row INSERT parsed anew every
// few rows whose parameters the driver binds in time quadratic in their
// number.
func (db *DB) importLoans(ctx context.Context, conn gorm.ConnPool, loans []loan.Loan) (loan.ID, error) {
	stmt := &gorm.Statement{DB: db.gdb}
	if err := stmt.Parse(&loanRow{}); err != nil {
		return 0, apperr.Wrap(err, "loan row")
	}
	var fields []*schema.Field
	for _, f := range stmt.Schema.Fields {
		if f.DBName != "" && f.DBName != "id" {
			fields = append(fields, f)
		}
	}
	values := make([][]driver.Value, len(loans))
	leads := []byte{'['}
	for i, l := range loans {
		if l.ApplicationID != nil {
			return 0, fmt.Errorf("bulk loans: loan %s is of an application", l.Number)
		}
		r, err := db.toLoanRow(l)
		if err != nil {
			return 0, err
		}
		lead, err := db.sealPerson(personRow{NationalID: crypt.NormalID(l.NationalID)})
		if err != nil {
			return 0, err
		}
		rv := reflect.ValueOf(&r).Elem()
		values[i] = make([]driver.Value, len(fields))
		for j, f := range fields {
			v, _ := f.ValueOf(ctx, rv)
			if values[i][j], err = columnValue(v); err != nil {
				return 0, fmt.Errorf("bulk loans: %s: %w", f.DBName, err)
			}
		}
		if i > 0 {
			leads = append(leads, ',')
		}
		leads = appendJSONText(append(leads, '['), lead.NationalID)
		leads = append(appendJSONText(append(leads, ','), lead.NationalIDHash), ']')
	}
	leads = append(leads, ']')
	// The columns of one value in the batch are parameters, the others
	// are read from each row's array.
	var cols, exprs []string
	var consts []any
	var read []int
	for j, f := range fields {
		cols = append(cols, f.DBName)
		if sameInAll(values, j) {
			exprs, consts = append(exprs, "?"), append(consts, values[0][j])
			continue
		}
		exprs, read = append(exprs, fmt.Sprintf("v ->> %d", len(read))), append(read, j)
	}
	rows := []byte{'['}
	for i, vs := range values {
		if i > 0 {
			rows = append(rows, ',')
		}
		rows = append(rows, '[')
		for n, j := range read {
			if n > 0 {
				rows = append(rows, ',')
			}
			rows = appendJSONValue(rows, vs[j])
		}
		rows = append(rows, ']')
	}
	rows = append(rows, ']')
	sctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	var first int64
	if err := conn.QueryRowContext(sctx, `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'loans'), 0),
		COALESCE((SELECT MAX(id) FROM loans), 0)) + 1`).Scan(&first); err != nil {
		return 0, translate(err, "loan")
	}
	q := "WITH r (k, v) AS MATERIALIZED (SELECT key, jsonb(value) FROM json_each(?)) INSERT INTO loans (id, " + strings.Join(cols, ", ") +
		") SELECT ? + k, " + strings.Join(exprs, ", ") + " FROM r"
	if _, err := conn.ExecContext(sctx, q, append([]any{string(rows), first}, consts...)...); err != nil {
		return 0, loanConflict(db.driverError(err))
	}
	pctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	_, err := conn.ExecContext(pctx, `INSERT INTO application_persons (loan_id, national_id, national_id_hash, role, verified)
		SELECT ? + key, value ->> 0, value ->> 1, ?, ? FROM json_each(?)`, first, roleLead, true, string(leads))
	return loan.ID(first), translate(db.driverError(err), "loan persons")
}

// sameInAll reports whether column j holds the same value in every row.
// Values are compared as Go compares them, so a time in another zone is
// another value (the driver writes it with its offset).
func sameInAll(rows [][]driver.Value, j int) bool {
	for _, r := range rows[1:] {
		if r[j] != rows[0][j] {
			return false
		}
	}
	return true
}

// driverError is err of a statement sent past gorm as gorm would answer it
// (its error translated: a duplicate key, a missing reference) with the
// driver's message, which names the column, kept.
func (db *DB) driverError(err error) error {
	if err == nil {
		return nil
	}
	if t, ok := db.gdb.Dialector.(gorm.ErrorTranslator); ok {
		if te := t.Translate(err); te != err {
			return fmt.Errorf("%w: %w", te, err)
		}
	}
	return err
}

// columnValue is what the driver binds for v, a column's value: an
// integer, a text, a boolean (SQLite stores 1 or 0 for both), a time or
// nil; nothing else is a loan's.
func columnValue(v any) (driver.Value, error) {
	dv, err := driver.DefaultParameterConverter.ConvertValue(v)
	if err != nil {
		return nil, err
	}
	switch dv.(type) {
	case nil, int64, bool, string, time.Time:
		return dv, nil
	}
	return nil, fmt.Errorf("no JSON for a %T", dv)
}

// appendJSONValue appends v, a columnValue, as JSON holding what the driver
// binds for it (a time as text, as the driver writes it).
func appendJSONValue(b []byte, v driver.Value) []byte {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendJSONText(b, x)
	case time.Time:
		return appendJSONText(b, x.Format(sqliteTimeFormat))
	}
	return append(b, "null"...)
}

// sqliteTimeFormat is how the SQLite driver writes a time.Time.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// appendJSONText appends s as a JSON string: quotes, backslashes and
// control characters escaped, every other byte as it is, so that SQLite's
// ->> answers s byte for byte.
func appendJSONText(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
