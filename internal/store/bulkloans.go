package store

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"chuangdai/internal/apperr"
	"chuangdai/internal/crypt"
	"chuangdai/internal/loan"
)

// bulkLoans is insertLoans for imported loans (no application) on SQLite:
// the row of report_bulk_loans holds report_loans_insert off while a batch
// goes in (migration 00034), and the batch's contributions to the summaries
// are added up per bucket in the transaction's bulkBookings, from the
// values its loans were inserted with, as the trigger books each loan;
// they are written once, just before the transaction commits, instead of
// once per batch (a bucket is written once per import, not once per batch
// it has loans in, and SQLite sorts nothing). The row never leaves the
// transaction. The connection's page cache is importCacheKiB while the
// batch goes in (loans has sixteen indexes: with the default 2 MB the pager
// writes dirty pages out and reads them back all along a big transaction)
// and what it was before once it is in, whether or not it went in.
func (db *DB) bulkLoans(ctx context.Context, loans []loan.Loan) (err error) {
	tx, ok := ctx.Value(txKey{}).(*gorm.DB)
	ends, inTx := ctx.Value(endsKey{}).(*txEnds)
	if !ok || !inTx {
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
	if ends.bulk == nil {
		ends.bulk = &bulkBookings{days: map[dayBucket]*dayTotals{}, flows: map[flowBucket]*flowTotals{}}
		book := ends.bulk
		ends.before = append(ends.before, func() error { return book.write(tx) })
	}
	err = db.importLoans(ctx, conn, loans, ends.bulk)
	if e := tx.Exec("DELETE FROM report_bulk_loans").Error; e != nil && err == nil {
		err = translate(e, "bulk loans")
	}
	return err
}

// bulkBookings are the contributions of a transaction's imported loans to
// loan_day_totals and portfolio_day_flows, summed per bucket: those of
// SQLite's report_loans_insert (migration 00034) for each loan.
type bulkBookings struct {
	days  map[dayBucket]*dayTotals
	flows map[flowBucket]*flowTotals
}

// dayBucket is a row of loan_day_totals; dayTotals its year, month and
// quarter (the day's) and its sums.
type (
	dayBucket struct{ dim, day, key string }
	dayTotals struct {
		year, month, quarter, loans, amount, jobsPlanned, jobsCreated int64
	}
)

// flowBucket is a row of portfolio_day_flows; flowTotals the sums of it
// that a new loan books.
type (
	flowBucket struct{ day, district string }
	flowTotals struct {
		disbursedLoans, disbursed, compensatedLoans, compensated, fundPaid, writtenOff,
		maturedLoans, maturedPrincipal, maturedUnpaid int64
	}
)

// add books loans, each the values of fields it was inserted with (the
// driver's: nil for NULL), as the trigger would: a NULL day or key books
// nothing.
func (b *bulkBookings) add(fields []*schema.Field, loans [][]driver.Value) {
	col := map[string]int{}
	for j, f := range fields {
		col[f.DBName] = j
	}
	for _, v := range loans {
		text := func(c string) (string, bool) { s, ok := v[col[c]].(string); return s, ok }
		num := func(c string) int64 { n, _ := v[col[c]].(int64); return n }
		flag := func(c string) bool { t, _ := v[col[c]].(bool); return t }
		principal := num("principal_fen")
		if day, ok := text("disbursed_on"); ok {
			district, hasDistrict := text("district_code")
			group, hasGroup := text("key_group")
			gender, hasGender := text("gender")
			book := func(dim string, key string, ok bool) {
				if !ok {
					return
				}
				t := b.days[dayBucket{dim, day, key}]
				if t == nil {
					t = &dayTotals{year: num("disbursed_year"), month: num("disbursed_month"), quarter: num("disbursed_quarter")}
					b.days[dayBucket{dim, day, key}] = t
				}
				t.loans++
				t.amount += principal
				t.jobsPlanned += num("jobs")
				t.jobsCreated += num("jobs_created")
			}
			book("district", district, hasDistrict)
			book("returnee", district, hasDistrict && hasGroup && group == "returning_migrant_worker")
			book("key_group", group, hasGroup)
			bank, ok := text("bank_code")
			book("bank", bank, ok)
			borrower, ok := text("borrower_type")
			book("borrower_type", borrower, ok)
			industry, ok := text("industry")
			book("industry", industry, ok)
			book("gender", gender, hasGender)
			book("flag", "female", hasGender && gender == "female")
			book("flag", "disabled", flag("is_disabled"))
			book("flag", "village_official", flag("is_village_official"))
			book("flag", "returned_overseas_student", flag("is_returned_overseas_student"))
		}
		district, ok := text("district_code")
		if !ok {
			continue
		}
		flow := func(c string, f func(t *flowTotals)) {
			day, ok := text(c)
			if !ok {
				return
			}
			t := b.flows[flowBucket{day, district}]
			if t == nil {
				t = &flowTotals{}
				b.flows[flowBucket{day, district}] = t
			}
			f(t)
		}
		flow("disbursed_on", func(t *flowTotals) { t.disbursedLoans++; t.disbursed += principal })
		flow("compensated_on", func(t *flowTotals) {
			t.compensatedLoans++
			t.compensated += num("compensation_fen")
			t.fundPaid += num("fund_paid_fen")
		})
		flow("written_off_on", func(t *flowTotals) { t.writtenOff += num("written_off_fen") })
		flow("maturity_date", func(t *flowTotals) {
			t.maturedLoans++
			t.maturedPrincipal += principal
			if status, _ := text("status"); status == string(loan.Active) || status == string(loan.Overdue) {
				t.maturedUnpaid += num("outstanding_fen")
			} else {
				t.maturedUnpaid += num("compensation_fen") - num("recovered_fen")
			}
		})
	}
}

// write adds the bookings to the summaries: one INSERT … SELECT from
// json_each per table, the buckets in the order of its primary key.
func (b *bulkBookings) write(tx *gorm.DB) error {
	days := slices.SortedFunc(maps.Keys(b.days), func(x, y dayBucket) int {
		return cmp.Or(strings.Compare(x.dim, y.dim), strings.Compare(x.day, y.day), strings.Compare(x.key, y.key))
	})
	rows := []byte{'['}
	for i, k := range days {
		t := b.days[k]
		if i > 0 {
			rows = append(rows, ',')
		}
		rows = appendJSONText(append(rows, '['), k.dim)
		rows = appendJSONText(append(rows, ','), k.day)
		rows = appendJSONText(append(rows, ','), k.key)
		for _, n := range []int64{t.year, t.month, t.quarter, t.loans, t.amount, t.jobsPlanned, t.jobsCreated} {
			rows = strconv.AppendInt(append(rows, ','), n, 10)
		}
		rows = append(rows, ']')
	}
	err := tx.Exec(`INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
		SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9
		FROM json_each(?) WHERE true
		ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
		    jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created`, string(append(rows, ']'))).Error
	if err != nil {
		return fmt.Errorf("book imported loans: %w", translate(err, "summaries"))
	}
	flows := slices.SortedFunc(maps.Keys(b.flows), func(x, y flowBucket) int {
		return cmp.Or(strings.Compare(x.day, y.day), strings.Compare(x.district, y.district))
	})
	rows = append(rows[:0], '[')
	for i, k := range flows {
		t := b.flows[k]
		if i > 0 {
			rows = append(rows, ',')
		}
		rows = appendJSONText(append(rows, '['), k.day)
		rows = appendJSONText(append(rows, ','), k.district)
		for _, n := range []int64{t.disbursedLoans, t.disbursed, t.compensatedLoans, t.compensated, t.fundPaid, t.writtenOff,
			t.maturedLoans, t.maturedPrincipal, t.maturedUnpaid} {
			rows = strconv.AppendInt(append(rows, ','), n, 10)
		}
		rows = append(rows, ']')
	}
	err = tx.Exec(`INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, compensated_loans,
		    compensated_fen, fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
		SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10
		FROM json_each(?) WHERE true
		ON CONFLICT (day, district_code) DO UPDATE SET
		    disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
		    compensated_loans = compensated_loans + excluded.compensated_loans, compensated_fen = compensated_fen + excluded.compensated_fen,
		    fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen, written_off_fen = written_off_fen + excluded.written_off_fen,
		    matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
		    matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen`, string(append(rows, ']'))).Error
	if err != nil {
		return fmt.Errorf("book imported loans: %w", translate(err, "summaries"))
	}
	return nil
}

// importCacheKiB is the page cache of the import's connection while a
// batch goes in: 64 MiB, enough for the pages of the indexes that random
// values reach (the sealed and blind-indexed resident ID numbers, the
// names) at hundreds of thousands of loans.
const importCacheKiB = 64 << 10

// importLoans inserts the loans, converted by toLoanRow as every new loan,
// and their leads' application_persons rows, and adds them to book once
// they are in: the ids follow in the loans' order, from the first free one
// (AUTOINCREMENT's sequence, which no other writer moves while the
// transaction writes). Each table gets one INSERT … SELECT from jsonb_each
// over one parameter, a JSON array of the rows, each an array of its values
// as the driver binds them (the numbers, the texts, the times as the
// driver formats them; true, false and null): the parameter is parsed into
// JSONB once and each row's array is taken from it as JSONB (MATERIALIZED:
// once) for its values to be read from (json_each gave each row's array as
// text, which jsonb() parsed again); a column of the same
// value in every loan of the batch (most of an imported loan's: its status,
// version, the columns of a compensation or a write-off) is a parameter of
// its own instead. SQLite parses one statement per batch and the driver
// binds a few parameters, instead of a multi-row INSERT parsed anew every
// few rows whose parameters the driver binds in time quadratic in their
// number.
func (db *DB) importLoans(ctx context.Context, conn gorm.ConnPool, loans []loan.Loan, book *bulkBookings) error {
	stmt := &gorm.Statement{DB: db.gdb}
	if err := stmt.Parse(&loanRow{}); err != nil {
		return apperr.Wrap(err, "loan row")
	}
	var fields []*schema.Field
	for _, f := range stmt.Schema.Fields {
		if f.DBName != "" && f.DBName != "id" {
			fields = append(fields, f)
		}
	}
	values := make([][]driver.Value, len(loans))
	// same[j] is whether column j holds the same value in every row so
	// far, compared as each row is made (values are compared as Go
	// compares them, so a time in another zone is another value: the
	// driver writes it with its offset).
	same := make([]bool, len(fields))
	leads := []byte{'['}
	for i, l := range loans {
		if l.ApplicationID != nil {
			return fmt.Errorf("bulk loans: loan %s is of an application", l.Number)
		}
		r, err := db.toLoanRow(l)
		if err != nil {
			return err
		}
		lead, err := db.sealPerson(personRow{NationalID: crypt.NormalID(l.NationalID)})
		if err != nil {
			return err
		}
		rv := reflect.ValueOf(&r).Elem()
		values[i] = make([]driver.Value, len(fields))
		for j, f := range fields {
			v, _ := f.ValueOf(ctx, rv)
			if values[i][j], err = columnValue(v); err != nil {
				return fmt.Errorf("bulk loans: %s: %w", f.DBName, err)
			}
			same[j] = i == 0 || same[j] && values[i][j] == values[0][j]
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
		if same[j] {
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
		return translate(err, "loan")
	}
	q := "WITH r (k, v) AS MATERIALIZED (SELECT key, value FROM jsonb_each(?)) INSERT INTO loans (id, " + strings.Join(cols, ", ") +
		") SELECT ? + k, " + strings.Join(exprs, ", ") + " FROM r"
	if _, err := conn.ExecContext(sctx, q, append([]any{string(rows), first}, consts...)...); err != nil {
		return loanConflict(db.driverError(err))
	}
	pctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	_, err := conn.ExecContext(pctx, `INSERT INTO application_persons (loan_id, national_id, national_id_hash, role, verified)
		SELECT ? + key, value ->> 0, value ->> 1, ?, ? FROM jsonb_each(?)`, first, roleLead, true, string(leads))
	if err != nil {
		return translate(db.driverError(err), "loan persons")
	}
	book.add(fields, values)
	return nil
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
