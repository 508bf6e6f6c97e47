package httpapi_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/document/doctest"
)

const nul = "a\x00b"

// stringPaths lists the JSON paths of every string a request of type t can
// carry, with the first element of each list standing for all of them.
func stringPaths(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return []string{prefix}
	case reflect.Slice:
		return stringPaths(t.Elem(), prefix+"[0]")
	case reflect.Struct:
		var out []string
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if prefix != "" {
				name = prefix + "." + name
			}
			out = append(out, stringPaths(t.Field(i).Type, name)...)
		}
		return out
	}
	return nil
}

// bodyAt builds a body holding only value at path (as stringPaths names it).
func bodyAt(path string, value any) any {
	if path == "" {
		return value
	}
	head, rest, _ := strings.Cut(path, ".")
	if name, ok := strings.CutSuffix(head, "[0]"); ok {
		return map[string]any{name: []any{bodyAt(rest, value)}}
	}
	return map[string]any{head: bodyAt(rest, value)}
}

// wantNUL checks that a request with a NUL in field was refused as 422
// naming the field.
func wantNUL(t *testing.T, r *apptest.Response, what, field string) {
	t.Helper()
	if r.Status != 422 {
		t.Errorf("%s: %d, want 422 naming %s: %.300s", what, r.Status, field, r.Body)
		return
	}
	if got := r.FieldErrors(); !slices.Contains(got, field) {
		t.Errorf("%s: fields %v, want %s named: %.300s", what, got, field, r.Body)
	}
}

// TestNULBytesRefusedEverywhere sends a NUL character in every path value,
// every query parameter and every JSON string of every route of the route
// table, as every role (and without a token on the public routes): each is
// refused as 422 naming the field, never stored, never a 500.
func TestNULBytesRefusedEverywhere(t *testing.T) {
	w := newWorld(t)
	var before, after struct{ Total int }
	w.s.Do("GET", "/api/v1/users", w.tokens["admin"], nil).Want(200).Decode(&before)
	sent := 0
	for _, r := range w.s.App.Server.Routes {
		callers := w.tokens
		if r.Public {
			callers = map[string]string{"anonymous": ""}
		}
		path, _ := w.url(r.Path, "own")
		for role, token := range callers {
			key := "nul-" + role + r.Method + r.Path
			// Path values.
			for _, seg := range strings.Split(r.Path, "/") {
				name, ok := strings.CutPrefix(seg, "{")
				if !ok {
					continue
				}
				name = strings.TrimSuffix(name, "}")
				u, _ := w.url(strings.Replace(r.Path, seg, "1%00", 1), "own")
				resp := w.s.Do(r.Method, u, token, nil, "Idempotency-Key", key+"-path-"+name)
				wantNUL(t, resp, r.Method+" "+u+" as "+role, name)
				sent++
			}
			// Query parameters: the documented ones and one nobody reads.
			names := []string{"unread"}
			for _, q := range r.Query {
				names = append(names, q.Name)
			}
			for _, q := range names {
				resp := w.s.Do(r.Method, path+"?"+q+"=a%00b", token, nil, "Idempotency-Key", key+"-query-"+q)
				wantNUL(t, resp, r.Method+" "+r.Path+"?"+q+" as "+role, q)
				sent++
			}
			// Every string of the JSON body.
			if r.Request == nil {
				continue
			}
			for i, field := range stringPaths(reflect.TypeOf(r.Request), "") {
				resp := w.s.Do(r.Method, path, token, bodyAt(field, nul), "Idempotency-Key", key+"-body-"+strconv.Itoa(i))
				wantNUL(t, resp, r.Method+" "+r.Path+" "+field+" as "+role, field)
				sent++
			}
		}
	}
	if sent < 1000 {
		t.Fatalf("only %d requests sent: the routes were not exercised", sent)
	}
	// Nothing of it was stored: no account was registered or created.
	w.s.Do("GET", "/api/v1/users", w.tokens["admin"], nil).Want(200).Decode(&after)
	if after.Total != before.Total {
		t.Errorf("%d users after the NUL requests, %d before", after.Total, before.Total)
	}
}

// TestNULBytesRefusedInImports sends every import a file whose one record
// holds a NUL character in a text column: 422 naming the row and the column,
// and nothing imported.
func TestNULBytesRefusedInImports(t *testing.T) {
	c := newCast(t)
	s := c.s
	id := residentID("19900101", 77)
	base := jsonID(s.Do("POST", "/api/v1/incubation-bases", s.AdminToken, map[string]any{"name": "孵化基地", "district_code": apptest.District, "level": "municipal"}).Want(201).JSON()["id"])
	cases := []struct {
		path, token, file, column string
	}{
		{"/api/v1/training-records/import", c.hrss,
			"national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n" +
				id + ",张\x00伟,SYB,学校,2024-03-01,2024-03-10,C-1," + apptest.District + "\n", "name"},
		{"/api/v1/incubation-records/import", c.hrss,
			"base_id,national_id,entity_name,move_in\n" + base + "," + id + ",小\x00店,2024-01-01\n", "entity_name"},
		{"/api/v1/imports/loans", s.AdminToken,
			legacyHeader + "L-1,李\x00四," + reportPersonID(1) + ",male,returning_migrant_worker,individual," + apptest.District + "," + apptest.Bank + ",200000.00,0.0395,24,2024-03-15,3\n", "name"},
		{"/api/v1/reports/reconciliation?bank_code=" + apptest.Bank + "&from=2024-01-01&to=2024-12-31", c.bank,
			"bank_reference,national_id,amount,disbursed_on\nREF\x00-1," + id + ",100.00,2024-03-15\n", "bank_reference"},
	}
	for _, tc := range cases {
		r := s.Do("POST", tc.path, tc.token, tc.file, "Content-Type", "text/csv").WantProblem(422, "validation_failed")
		if got := rowErrors(t, r); !slices.Contains(got, "2:"+tc.column) {
			t.Errorf("%s: errors %v, want 2:%s", tc.path, got, tc.column)
		}
	}
	var ev struct{ Total int }
	s.Do("GET", "/api/v1/audit-events?entity_type=training_record&entity_id=import", s.AdminToken, nil).Want(200).Decode(&ev)
	if ev.Total != 0 {
		t.Errorf("%d training imports recorded, want none", ev.Total)
	}
}

// TestNULBytesRefusedInUploads: a document whose kind holds a NUL character
// is refused as 422 naming kind, one whose file name holds one as 400 (the
// form's part header cannot be read); nothing is stored.
func TestNULBytesRefusedInUploads(t *testing.T) {
	c := newCast(t)
	app := c.draft(t)
	wantNUL(t, upload(c.s, c.owner, app, "id\x00card", "身份证.pdf", doctest.ChromiumPDF), "a kind with NUL", "kind")
	upload(c.s, c.owner, app, "id_card", "身份\x00证.pdf", doctest.ChromiumPDF).WantProblem(400, "bad_request")
	if d := documentsOf(t, c.s, c.owner, app); len(d.Items) != 0 {
		t.Fatalf("stored %v", d.Items)
	}
}
