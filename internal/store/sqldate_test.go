package store

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

// sqlScanOnly is a sqlDate that pgx can scan only as a sql.Scanner.
type sqlScanOnly struct{ d *sqlDate }

func (s sqlScanOnly) Scan(v any) error { return s.d.Scan(v) }

// A DATE read by pgx through sqlDate.ScanDate is what Scan makes of the
// value pgx boxes for database/sql (the same day, location and emptiness),
// with the same errors, in both of pgx's formats.
func TestSQLDateScansAsItsScanner(t *testing.T) {
	ctx, c := pgxTestConn(t)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		for _, v := range []string{"NULL", "'2024-03-15'", "'0001-01-01'", "'1999-12-31'", "'2100-02-28'", "'infinity'", "'-infinity'", "'4713-01-01 BC'"} {
			q := "SELECT " + v + "::date"
			var direct, scanned sqlDate
			errDirect := c.QueryRow(ctx, q, mode).Scan(&direct)
			errScanned := c.QueryRow(ctx, q, mode).Scan(sqlScanOnly{&scanned})
			if (errDirect == nil) != (errScanned == nil) || errDirect != nil && errDirect.Error() != errScanned.Error() {
				t.Errorf("%s (%v): ScanDate %v, Scan %v", v, mode, errDirect, errScanned)
				continue
			}
			if !direct.Equal(scanned.Time) || direct.Location() != scanned.Location() || direct.IsZero() != scanned.IsZero() {
				t.Errorf("%s (%v): ScanDate %v, Scan %v", v, mode, direct.Time, scanned.Time)
			}
		}
	}
}
