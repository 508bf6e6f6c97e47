package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/document/doctest"
)

// TestNoPersonalDataInClear fills a database through the API at every
// place a resident ID number or a phone number enters — registration,
// applications with their partners, disbursed loans, identities verified at
// eligibility, a staff member's own number, four-in-one records typed and
// imported, legacy loans, a bank's reconciliation list, a document named
// after its owner, a return comment and a service note naming a person, an
// edit of a phone, and the audit trail of all of it — then reads every text
// and blob column of every table: none holds any of those numbers in clear,
// in either case of the check letter, nor a phone's digits.
func TestNoPersonalDataInClear(t *testing.T) {
	t.Run("records", func(t *testing.T) {
		c := newCast(t)
		s := c.s
		w := newWorldOn(t, c)
		ids := []string{w.ids["own"]["national_id"], w.ids["other"]["national_id"]}
		phones := []string{"13800138000"} // individual's
		next := func() string {
			c.seq++
			ids = append(ids, loanPersonID(c.seq))
			return ids[len(ids)-1]
		}
		// A number whose check letter is X, written in lower case.
		x := withX(t)
		ids = append(ids, x)

		phones = append(phones, "13912345678")
		register(s, "registered", "王芳", "139-1234-5678")
		staff(s, "hrss.person", "hrss_officer", apptest.District, "", next())

		lead, partner := next(), next()
		p := s.Do("POST", "/api/v1/applications", c.owner, partnership("500000.00", lead, partner)).Want(201).JSON()["id"]
		s.Do("POST", path(p, "/submit"), c.owner, nil).Want(200)
		// A return whose comment names a person, and an edit of the phone
		// after it (the history keeps both values).
		s.Do("POST", path(p, "/decisions"), c.hrss, map[string]any{"decision": "return", "comment": "合伙人 " + next() + " 的身份证复印件不清"}).Want(200)
		phones = append(phones, "13700001111")
		s.Do("PATCH", path(p, ""), c.owner, map[string]any{"phone": "13700001111"}).Want(200)
		s.Do("POST", "/api/v1/training-records", c.hrss, training(strings.ToLower(x), "SYB-AT-REST", apptest.District)).Want(201)
		s.Do("POST", "/api/v1/service-records", c.hrss, map[string]any{"national_id": next(), "kind": "mentoring", "date": "2024-04-02", "notes": "开业指导，同行 " + next()}).Want(201)
		doc := next()
		upload(s, c.owner, c.draft(t), "id_card", "张伟-"+doc+".pdf", doctest.ChromiumPDF).Want(201)
		wantNoneInClear(t, s, ids, phones)
		// The scan does find a number in clear, in any column.
		if _, err := s.App.DB.SQL().Exec("UPDATE banks SET name = name || '" + strings.ToLower(x) + "'"); err != nil {
			t.Fatal(err)
		}
		if hits := inClear(t, s, ids, phones); len(hits) == 0 || !strings.HasPrefix(hits[0], "banks.name") {
			t.Fatalf("a number put in clear into banks.name: found %v", hits)
		}
	})
	t.Run("imports", func(t *testing.T) {
		w := newImportWorld(t)
		var ids []string
		for _, k := range w.kinds {
			tpl := w.s.Do("GET", k.tpl+"?format=csv", k.token, nil).Want(200).Body
			rows := k.rows(2)
			for _, r := range rows {
				for _, cell := range r {
					if len(cell) == 18 {
						ids = append(ids, cell)
					}
				}
			}
			w.s.Do("POST", k.path, k.token, fillTemplate(t, "csv", tpl, rows), "Content-Type", "text/csv").Want(200)
		}
		if len(ids) != 8 {
			t.Fatalf("found %d numbers in the imports' rows, want 8", len(ids))
		}
		wantNoneInClear(t, w.s, ids, nil)
	})
}

// withX is a resident ID number whose check letter is X.
func withX(t *testing.T) string {
	for seq := 900; seq < 1000; seq++ {
		if id := residentID("19850505", seq); strings.HasSuffix(id, "X") {
			return id
		}
	}
	t.Fatal("no number with check letter X")
	return ""
}

// wantNoneInClear fails the test with every value that holds one of ids or
// phones in clear.
func wantNoneInClear(t *testing.T, s *apptest.Server, ids, phones []string) {
	t.Helper()
	for _, h := range inClear(t, s, ids, phones) {
		t.Error(h)
	}
}

// inClear reads every text and blob value of every table and names those
// that hold one of ids or phones in clear.
func inClear(t *testing.T, s *apptest.Server, ids, phones []string) []string {
	t.Helper()
	var hits []string
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if apptest.Engine() == "postgres" {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
	}
	tables := sqlRows(t, s, q)
	if len(tables) < 20 {
		t.Fatalf("only %d tables", len(tables))
	}
	seen := 0
	for _, tr := range tables {
		rows, err := s.App.DB.SQL().Query(fmt.Sprintf(`SELECT * FROM %q`, tr[0]))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var text string
				switch x := v.(type) {
				case string:
					text = x
				case []byte:
					text = string(x)
				default:
					continue
				}
				seen++
				lower := strings.ToLower(text)
				for _, id := range ids {
					if strings.Contains(lower, strings.ToLower(id)) {
						hits = append(hits, fmt.Sprintf("%s.%s holds resident ID number %s in clear: %.200s", tr[0], cols[i], id, text))
					}
				}
				digits := strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, text)
				for _, p := range phones {
					if strings.Contains(digits, p) {
						hits = append(hits, fmt.Sprintf("%s.%s holds phone number %s in clear: %.200s", tr[0], cols[i], p, text))
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if seen < 100 {
		t.Fatalf("read only %d text values", seen)
	}
	return hits
}
