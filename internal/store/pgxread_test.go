package store

import (
	"reflect"
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// The pgx read of a loan scans loanRowColumns into loanRow.fields: both
// list every column of loanRow as gorm maps it, in the same order, each
// column into its own field.
func TestLoanRowColumnsAreGormsColumns(t *testing.T) {
	s, err := schema.Parse(&loanRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var r loanRow
	fields := r.fields()
	if len(s.Fields) != len(loanRowColumns) || len(fields) != len(loanRowColumns) {
		t.Fatalf("gorm has %d columns, loanRowColumns %d, fields %d", len(s.Fields), len(loanRowColumns), len(fields))
	}
	v := reflect.ValueOf(&r).Elem()
	for i, f := range s.Fields {
		if f.DBName != loanRowColumns[i] {
			t.Errorf("column %d: gorm %s, loanRowColumns %s", i, f.DBName, loanRowColumns[i])
		}
		if want := v.FieldByIndex(f.StructField.Index).Addr().Interface(); fields[i] != want {
			t.Errorf("column %s is scanned into field %d, not %s", f.DBName, i, f.Name)
		}
	}
}

// pgxScoped decides as scoped: nothing added for every row, 1 = 0 for an
// empty scope, the districts, banks and owners OR-ed with arguments after
// the statement's.
func TestPgxScoped(t *testing.T) {
	for _, c := range []struct {
		scope authz.ListScope
		owner string
		cond  string
		args  []any
	}{
		{authz.ListScope{All: true, Districts: []string{"411282"}}, "borrower_id", "", []any{int64(9)}},
		{authz.ListScope{}, "borrower_id", " AND 1 = 0", []any{int64(9)}},
		{authz.ListScope{Owners: []auth.UserID{3}}, "", " AND 1 = 0", []any{int64(9)}},
		{authz.ListScope{Districts: []string{"411282", "411200"}}, "borrower_id", " AND (district_code = ANY($2))", []any{int64(9), []string{"411282", "411200"}}},
		{authz.ListScope{Districts: []string{"411282"}, Banks: []string{"RCB-LB"}, Owners: []auth.UserID{3, 4}}, "borrower_id",
			" AND (district_code = ANY($2) OR bank_code = ANY($3) OR borrower_id = ANY($4))", []any{int64(9), []string{"411282"}, []string{"RCB-LB"}, []int64{3, 4}}},
	} {
		cond, args := pgxScoped(c.scope, c.owner, []any{int64(9)})
		if cond != c.cond || !slices.EqualFunc(args, c.args, func(a, b any) bool { return reflect.DeepEqual(a, b) }) {
			t.Errorf("%+v: %q %v, want %q %v", c.scope, cond, args, c.cond, c.args)
		}
	}
}
