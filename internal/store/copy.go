package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
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

// importStage is the staging table of a bulk import on PostgreSQL: the
// columns of loans and of the lead's application_persons row, without
// constraints, dropped at commit or rollback (nothing outlives the
// transaction, so it holds through PgBouncer's transaction pooling).
const importStage = `CREATE TEMP TABLE IF NOT EXISTS import_loans ON COMMIT DROP AS
	SELECT l.*, p.national_id AS lead_national_id, p.national_id_hash AS lead_national_id_hash
	FROM loans l CROSS JOIN application_persons p WITH NO DATA`

// copyLoans is insertLoans for imported loans (no application) on
// PostgreSQL: the rows, converted by toLoanRow and sealPerson as every new
// loan's, go to the staging table by COPY, then into loans by one INSERT …
// SELECT, whose statement trigger books the summaries once for the batch,
// and the leads' rows by one INSERT … SELECT joined on the reference.
// Multi-row INSERTs of the same rows cost the server eight times as much
// (their parameters are parsed, planned and bound one by one).
func (db *DB) copyLoans(ctx context.Context, loans []loan.Loan) error {
	c, ok := ctx.Value(connKey{}).(*sql.Conn)
	if !ok {
		return errors.New("copy loans: outside a transaction")
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
	var buf bytes.Buffer
	for _, l := range loans {
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
		rv := reflect.ValueOf(&r).Elem()
		for _, f := range fields {
			v, _ := f.ValueOf(ctx, rv)
			if err := copyValue(&buf, v); err != nil {
				return fmt.Errorf("copy loans: %s: %w", f.DBName, err)
			}
			buf.WriteByte('\t')
		}
		copyText(&buf, lead.NationalID)
		buf.WriteByte('\t')
		copyText(&buf, lead.NationalIDHash)
		buf.WriteByte('\n')
	}
	tx := db.conn(ctx)
	if err := tx.Exec(importStage).Error; err != nil {
		return translate(err, "import staging")
	}
	list := strings.Join(cols, ", ")
	cctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	err := c.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().PgConn().CopyFrom(cctx, &buf,
			"COPY import_loans ("+list+", lead_national_id, lead_national_id_hash) FROM STDIN")
		return err
	})
	if err != nil {
		return translate(err, "import staging")
	}
	if err := tx.Exec("INSERT INTO loans (" + list + ") SELECT " + list + " FROM import_loans").Error; err != nil {
		return loanConflict(err)
	}
	err = tx.Exec(`INSERT INTO application_persons (loan_id, national_id, national_id_hash, role, verified)
		SELECT l.id, s.lead_national_id, s.lead_national_id_hash, ?, TRUE FROM import_loans s JOIN loans l ON l.external_ref = s.external_ref`, roleLead).Error
	if err != nil {
		return translate(err, "loan persons")
	}
	return translate(tx.Exec("TRUNCATE import_loans").Error, "import staging")
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
