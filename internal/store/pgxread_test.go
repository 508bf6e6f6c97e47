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

// The pgx reads of a loan and of an application scan their columns into
// the row's fields: both list every column of the row as gorm maps it, in
// the same order, each column into its own field.
func TestRowColumnsAreGormsColumns(t *testing.T) {
	var l loanRow
	var a applicationRow
	for _, c := range []struct {
		row     any
		columns []string
		fields  []any
	}{{&l, loanRowColumns, l.fields()}, {&a, applicationRowColumns, a.fields()}} {
		s, err := schema.Parse(c.row, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Fields) != len(c.columns) || len(c.fields) != len(c.columns) {
			t.Fatalf("%s: gorm has %d columns, the list %d, fields %d", s.Name, len(s.Fields), len(c.columns), len(c.fields))
		}
		v := reflect.ValueOf(c.row).Elem()
		for i, f := range s.Fields {
			if f.DBName != c.columns[i] {
				t.Errorf("%s column %d: gorm %s, the list %s", s.Name, i, f.DBName, c.columns[i])
			}
			if want := v.FieldByIndex(f.StructField.Index).Addr().Interface(); c.fields[i] != want {
				t.Errorf("%s column %s is scanned into field %d, not %s", s.Name, f.DBName, i, f.Name)
			}
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
