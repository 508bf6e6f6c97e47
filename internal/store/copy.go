package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"chuangdai/internal/apperr"
	"chuangdai/internal/crypt"
	"chuangdai/internal/loan"
)

// copyLoans is insertLoans for imported loans (no application) on
// PostgreSQL: the loans' ids are drawn from their sequence first, so that
// the rows, converted by toLoanRow and sealPerson as every new loan's, go
// straight into loans and the leads' rows into application_persons by one
// COPY each, with no staging table and no join to find the new ids. The
// statement trigger of loans books the summaries once for the COPY, from its
// transition table. Multi-row INSERTs of the same rows cost the server eight
// times as much (their parameters are parsed, planned and bound one by one).
// The staging table this replaces cost a second COPY and an INSERT … SELECT
// per batch, and finding the new ids by joining the leads' rows back on the
// reference hashed every loan already in the table, so each batch of an
// import took longer than the one before.
func (db *DB) copyLoans(ctx context.Context, loans []loan.Loan) error {
	c, ok := ctx.Value(connKey{}).(*sql.Conn)
	if !ok {
		return errors.New("copy loans: outside a transaction")
	}
	if len(loans) == 0 {
		return nil
	}
	stmt := &gorm.Statement{DB: db.gdb}
	if err := stmt.Parse(&loanRow{}); err != nil {
		return apperr.Wrap(err, "loan row")
	}
	var fields []*schema.Field
	var cols []string
	for _, f := range stmt.Schema.Fields {
		if f.DBName != "" && f.DBName != "id" {
			fields, cols = append(fields, f), append(cols, f.DBName)
		}
	}
	tx := db.conn(ctx)
	var ids []int64
	if err := tx.Raw("SELECT nextval('loans_id_seq') FROM generate_series(1, ?)", len(loans)).Scan(&ids).Error; err != nil {
		return translate(err, "loan ids")
	}
	if len(ids) != len(loans) {
		return fmt.Errorf("copy loans: %d ids for %d loans", len(ids), len(loans))
	}
	// The rows are made while the server takes the ones before them: the
	// COPY reads them from a pipe as they are written.
	pr, pw := io.Pipe()
	var leads bytes.Buffer
	built := make(chan error, 1)
	go func() {
		err := db.copyRows(ctx, pw, &leads, loans, ids, fields)
		pw.CloseWithError(err)
		built <- err
	}()
	err := db.copyFrom(ctx, c, pr, "COPY loans (id, "+strings.Join(cols, ", ")+") FROM STDIN")
	// Rows still being written when the server refused are not wanted.
	pr.Close()
	if berr := <-built; berr != nil && !errors.Is(berr, io.ErrClosedPipe) {
		return berr
	}
	if err != nil {
		return loanConflict(err)
	}
	err = db.copyFrom(ctx, c, &leads, "COPY application_persons (loan_id, national_id, national_id_hash, role, verified) FROM STDIN")
	return translate(err, "loan persons")
}

// copyRows writes the loans, with their ids, to w in COPY's text format of
// fields, about 64 KiB at a time, and their leads' rows to leads.
func (db *DB) copyRows(ctx context.Context, w io.Writer, leads *bytes.Buffer, loans []loan.Loan, ids []int64, fields []*schema.Field) error {
	var rows bytes.Buffer
	for i, l := range loans {
		if l.ApplicationID != nil {
			return fmt.Errorf("copy loans: loan %s is of an application", l.Number)
		}
		r, err := db.toLoanRow(l)
		if err != nil {
			return err
		}
		lead, err := db.sealPerson(personRow{NationalID: crypt.NormalID(l.NationalID)})
		if err != nil {
			return err
		}
		id := strconv.FormatInt(ids[i], 10)
		rows.WriteString(id)
		rv := reflect.ValueOf(&r).Elem()
		for _, f := range fields {
			rows.WriteByte('\t')
			v, _ := f.ValueOf(ctx, rv)
			if err := copyValue(&rows, v); err != nil {
				return fmt.Errorf("copy loans: %s: %w", f.DBName, err)
			}
		}
		rows.WriteByte('\n')
		leads.WriteString(id)
		leads.WriteByte('\t')
		copyText(leads, lead.NationalID)
		leads.WriteByte('\t')
		copyText(leads, lead.NationalIDHash)
		leads.WriteString("\t" + roleLead + "\ttrue\n")
		if rows.Len() >= 64<<10 || i == len(loans)-1 {
			if _, err := w.Write(rows.Bytes()); err != nil {
				return err
			}
			rows.Reset()
		}
	}
	return nil
}

// copyFrom sends the rows of r by the COPY statement q on the transaction's
// connection c, within the store's deadline; the server's refusal is
// translated as gorm translates it for its own statements (a duplicate key,
// a missing reference), so translate and loanConflict name it alike.
func (db *DB) copyFrom(ctx context.Context, c *sql.Conn, r io.Reader, q string) error {
	cctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	err := c.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().PgConn().CopyFrom(cctx, r, q)
		return err
	})
	if t, ok := db.gdb.Dialector.(gorm.ErrorTranslator); ok && err != nil {
		return t.Translate(err)
	}
	return err
}

// copyValue writes v in COPY's text format.
func copyValue(buf *bytes.Buffer, v any) error {
	if vr, ok := v.(driver.Valuer); ok {
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			buf.WriteString(`\N`)
			return nil
		}
		var err error
		if v, err = vr.Value(); err != nil {
			return err
		}
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			buf.WriteString(`\N`)
			return nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		buf.WriteString(`\N`)
		return nil
	}
	if t, ok := rv.Interface().(time.Time); ok {
		buf.WriteString(t.UTC().Format("2006-01-02 15:04:05.999999Z07:00"))
		return nil
	}
	switch rv.Kind() {
	case reflect.String:
		copyText(buf, rv.String())
	case reflect.Bool:
		buf.WriteString(strconv.FormatBool(rv.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		buf.WriteString(strconv.FormatInt(rv.Int(), 10))
	default:
		return fmt.Errorf("no COPY text for %T", v)
	}
	return nil
}

// copyText writes s escaped for COPY's text format.
func copyText(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; b {
		case '\\':
			buf.WriteString(`\\`)
		case '\t':
			buf.WriteString(`\t`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		default:
			buf.WriteByte(b)
		}
	}
}
