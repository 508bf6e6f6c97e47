package httpapi_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
)

// missingOf reads the missing list of an application answer.
func missingOf(a map[string]any) []string {
	var out []string
	for _, m := range a["missing"].([]any) {
		out = append(out, m.(string))
	}
	return out
}

// TestHalfFilledDrafts saves a draft with only a name (draft=true), then
// more, reads what it still lacks, submits it too early (422 naming each
// missing field), completes and submits it; without draft=true nothing
// changed. A given field must still be well-formed.
func TestHalfFilledDrafts(t *testing.T) {
	c := newCast(t)

	// Without the flag every rule is checked, as before.
	c.s.Do("POST", "/api/v1/applications", c.owner, map[string]any{"borrower_type": "individual", "name": "张伟"}).WantProblem(422, "validation_failed")

	r := c.s.Do("POST", "/api/v1/applications?draft=true", c.owner, map[string]any{"borrower_type": "individual", "name": "张伟"}).Want(201)
	a := r.JSON()
	id := a["id"]
	wantMissing := []string{"national_id", "phone", "key_group", "district_code", "bank_code", "amount", "term_months"}
	if a["status"] != "draft" || a["name"] != "张伟" || a["number"] != "" || a["national_id"] != "" || a["birth_date"] != "" ||
		a["gender"] != "" || a["amount"] != "0.00" || !slices.Equal(missingOf(a), wantMissing) {
		t.Errorf("half-filled draft %v, missing %v", a, a["missing"])
	}

	if seen := c.s.Do("GET", path(id, ""), c.auditor, nil).Want(200).JSON(); seen["phone"] != "" || seen["national_id"] != "" || !slices.Equal(missingOf(seen), wantMissing) {
		t.Errorf("the auditor reads the half-filled draft as %v", seen)
	}

	// Two drafts without an ID number do not collide (no hash of "").
	second := c.s.Do("POST", "/api/v1/applications?draft=true", c.owner, map[string]any{"borrower_type": "enterprise"}).Want(201).JSON()
	if got := missingOf(second); !slices.Equal(got, []string{"name", "national_id", "phone", "enterprise", "district_code", "bank_code", "amount", "term_months"}) {
		t.Errorf("enterprise draft missing %v", got)
	}

	// A field given must be well-formed, in a draft too: a bad checksum, a
	// malformed amount, an unknown code, each named; nothing is written.
	bad := c.s.Do("PATCH", path(id, "?draft=true"), c.owner, map[string]any{
		"national_id": "411282199001011234", "amount": "12.345", "key_group": "students", "district_code": "999999", "bank_code": "NOPE",
	}).WantProblem(422, "validation_failed")
	if got := bad.FieldErrors(); !slices.Equal(sortedCopy(got), []string{"amount", "bank_code", "district_code", "key_group", "national_id"}) {
		t.Errorf("bad draft fields %v", got)
	}
	c.s.Do("PATCH", path(id, "?draft=yes"), c.owner, map[string]any{"phone": "13800138000"}).WantProblem(422, "validation_failed")

	// More of it: the ID number and the district; the number is handed out
	// once the district is known.
	nid := c.nextID()
	a = c.s.Do("PATCH", path(id, "?draft=true"), c.owner, map[string]any{"national_id": nid, "district_code": apptest.District, "phone": "13800138000"}).Want(200).JSON()
	if !regexp.MustCompile(`^411282-\d{4}-000001$`).MatchString(a["number"].(string)) || a["birth_date"] != "1990-01-01" || a["gender"] != "male" ||
		!slices.Equal(missingOf(a), []string{"key_group", "bank_code", "amount", "term_months"}) {
		t.Errorf("after the second save: number %v birth %v gender %v missing %v", a["number"], a["birth_date"], a["gender"], a["missing"])
	}
	got := c.s.Do("GET", path(id, ""), c.owner, nil).Want(200).JSON()
	if !slices.Equal(missingOf(got), []string{"key_group", "bank_code", "amount", "term_months"}) || got["version"] != float64(2) {
		t.Errorf("GET of the draft: missing %v version %v", got["missing"], got["version"])
	}
	var list struct{ Items []map[string]any }
	c.s.Do("GET", "/api/v1/applications", c.owner, nil).Want(200).Decode(&list)
	if len(list.Items) != 2 || !slices.Equal(missingOf(list.Items[1]), []string{"key_group", "bank_code", "amount", "term_months"}) {
		t.Errorf("the draft list %v", list.Items)
	}

	// Submitting too early names every field still missing.
	early := c.s.Do("POST", path(id, "/submit"), c.owner, nil).WantProblem(422, "validation_failed")
	if got := early.FieldErrors(); !slices.Equal(sortedCopy(got), []string{"amount", "bank_code", "key_group", "term_months"}) {
		t.Errorf("early submit fields %v", got)
	}

	// A complete edit without the flag checks every rule; then submit.
	a = c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{
		"key_group": "returning_migrant_worker", "bank_code": apptest.Bank, "amount": "200000.00", "term_months": 24, "not_employed": true,
	}).Want(200).JSON()
	if len(missingOf(a)) != 0 {
		t.Errorf("complete draft missing %v", a["missing"])
	}
	a = c.s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200).JSON()
	if a["status"] != "eligibility_review" || len(missingOf(a)) != 0 || a["amount"] != "200000.00" {
		t.Errorf("submitted %v", a)
	}

	// A returned application stays complete: draft=true is 409.
	ret := c.at(t, "returned", nil)
	c.s.Do("PATCH", path(ret, "?draft=true"), c.owner, map[string]any{"phone": ""}).WantProblem(409, "application.invalid_state")

	// Partnerships: the partners' blanks are listed in order.
	p := c.s.Do("POST", "/api/v1/applications?draft=true", c.other, map[string]any{
		"borrower_type": "partnership", "name": "李娜", "partners": []map[string]any{{"name": "李娜"}, {"national_id": c.nextID()}},
	}).Want(201).JSON()
	if got := missingOf(p); !slices.Equal(got, []string{"national_id", "phone", "key_group",
		"partners[0].national_id", "partners[0].key_group", "partners[1].name", "partners[1].key_group",
		"district_code", "bank_code", "amount", "term_months"}) {
		t.Errorf("partnership draft missing %v", got)
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestDraftWithoutIDBlocksNobody: a draft saved without a resident ID
// number names nobody, so it neither blocks the person's application nor
// shows among the claims on a number; once it names the number, it counts
// like any draft (one open application per person).
func TestDraftWithoutIDBlocksNobody(t *testing.T) {
	c := newCast(t)
	nid := c.nextID()
	empty := c.s.Do("POST", "/api/v1/applications?draft=true", c.owner, map[string]any{"borrower_type": "individual", "name": "张伟"}).Want(201).JSON()
	c.s.Do("POST", "/api/v1/applications?draft=true", c.other, map[string]any{"borrower_type": "individual", "name": "王芳"}).Want(201)

	// The owner applies in full with the number: the ID-less drafts are no obstacle.
	full := c.at(t, "eligibility_review", individual(nid))
	sub := c.s.Do("GET", path(full, ""), c.hrss, nil).Want(200).JSON()
	if claims := sub["identity_claims"].([]any); len(claims) != 0 {
		t.Errorf("claims on %s: %v", nid, claims)
	}
	rows := sqlRows(t, c.s, "SELECT COUNT(*) FROM application_persons WHERE application_id IS NOT NULL")
	if rows[0][0] != "1" {
		t.Errorf("person rows %v: only the full application names a person", rows)
	}

	// Naming the same number in the owner's half-filled draft is refused
	// like any second application of the person.
	dup := c.s.Do("PATCH", path(empty["id"], "?draft=true"), c.owner, map[string]any{"national_id": nid}).WantProblem(422, "validation_failed")
	if !slices.Equal(dup.FieldErrors(), []string{"national_id"}) || !strings.Contains(string(dup.Body), "已有一笔正在办理的申请") {
		t.Errorf("second application of the person %s", dup.Body)
	}
}

// TestDraftMigrationKeepsReferences upgrades the oldest release's database,
// made before migration 00026 (which rebuilds applications on SQLite), and
// checks that every
// row and reference survived, that the sequence goes on, and that only a
// draft may lack what an application needs.
func TestDraftMigrationKeepsReferences(t *testing.T) {
	oldest := releaseFixtures(t)[0]
	if oldest.version >= 26 {
		t.Fatalf("%s was made after migration 00026: it cannot show what 00026 did", oldest.file)
	}
	dbURL := apptest.DatabaseURL(t)
	loadFixture(t, dbURL, oldest.file)
	cfg := apptest.Config(dbURL)
	cfg.FilesStore = config.FilesInDatabase
	a, err := app.Open(context.Background(), cfg, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	s := apptest.Attach(t, a)
	s.AdminToken = s.Login("admin", apptest.Password)
	if apptest.Engine() == "sqlite" {
		if rows := sqlRows(t, s, "PRAGMA foreign_key_check"); len(rows) != 0 {
			t.Errorf("foreign_key_check after the upgrade: %v", rows)
		}
		idx := sqlRows(t, s, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'applications' AND sql IS NOT NULL ORDER BY name")
		var names []string
		for _, r := range idx {
			names = append(names, r[0])
		}
		want := []string{"applications_applicant_idx", "applications_bank_idx", "applications_district_idx", "applications_national_id_hash_idx"}
		if !slices.Equal(names, want) {
			t.Errorf("indexes %v, want %v", names, want)
		}
	}
	// The fixture (made at 00014) holds 16 applications with 64 history rows.
	counts := sqlRows(t, s, "SELECT (SELECT COUNT(*) FROM applications), (SELECT COUNT(*) FROM application_history h JOIN applications a ON a.id = h.application_id), (SELECT MAX(id) FROM applications)")
	if counts[0][0] != "16" || counts[0][1] != "64" || counts[0][2] != "16" {
		t.Errorf("applications, their history, the last id after the upgrade: %v", counts)
	}
	db := s.App.DB.SQL()
	if _, err := db.Exec("UPDATE applications SET national_id = NULL WHERE status <> 'draft'"); err == nil {
		t.Error("an application under way lost its resident ID number")
	}
	if _, err := db.Exec("UPDATE applications SET amount_fen = 0 WHERE status <> 'draft'"); err == nil {
		t.Error("an application under way lost its amount")
	}
	if _, err := db.Exec("UPDATE applications SET national_id = NULL, birth_date = NULL, district_code = NULL, amount_fen = 0, term_months = 0, borrower_type = '' WHERE status = 'draft'"); err != nil {
		t.Errorf("a draft may lack them: %v", err)
	}
	// New applications go on after the copied ones.
	c := newCastOn(s.For(t))
	id := c.s.Do("POST", "/api/v1/applications?draft=true", c.owner, map[string]any{"name": "张伟"}).Want(201).JSON()["id"]
	if id != float64(17) {
		t.Errorf("the first application after the upgrade has id %v, want 17", id)
	}
}
