package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/document"
	"chuangdai/internal/document/doctest"
)

// draft makes a draft application of the owner (a fresh person, an
// individual returning migrant worker) and returns its id.
func (c *cast) draft(t *testing.T) string {
	t.Helper()
	c.seq++
	body := individual(loanPersonID(c.seq))
	return jsonID(c.s.Do("POST", "/api/v1/applications", c.owner, body).Want(201).JSON()["id"])
}

// upload sends one document of kind.
func upload(s *apptest.Server, token, app, kind, name string, content []byte) *apptest.Response {
	return s.Form("POST", "/api/v1/applications/"+app+"/documents", token, []apptest.FormField{
		{Name: "kind", Value: kind}, {Name: "file", Filename: name, Content: content}})
}

type documentsAnswer struct {
	Checklist []struct {
		Kind, Label, State, Reason string
		Required, Requested        bool
	}
	Items []struct {
		ID          int64
		Kind, State string
		Version     int
		Filename    string
		ContentType string `json:"content_type"`
	}
}

func documentsOf(t *testing.T, s *apptest.Server, token, app string, headers ...string) documentsAnswer {
	t.Helper()
	var out documentsAnswer
	s.Do("GET", "/api/v1/applications/"+app+"/documents", token, nil, headers...).Want(200).Decode(&out)
	return out
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestDocumentChecklistAndVersions: an individual returning migrant
// worker's checklist lists the default documents with their labels (Chinese
// by default, English on request), required or not, all missing; real PDF,
// JPEG and PNG files upload as version 1 of their kind with their type and
// SHA-256; a second upload of a kind is version 2 beside version 1; each
// version's content reads back byte for byte, and every read is an audit
// event.
func TestDocumentChecklistAndVersions(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.draft(t)

	got := documentsOf(t, s, c.owner, app)
	var kinds []string
	for _, it := range got.Checklist {
		kinds = append(kinds, it.Kind)
		if it.State != "missing" || it.Requested {
			t.Errorf("%s: state %s, requested %v on a new draft", it.Kind, it.State, it.Requested)
		}
		if it.Required != (it.Kind != "training_certificate") {
			t.Errorf("%s: required %v", it.Kind, it.Required)
		}
	}
	want := []string{"id_card", "household_register", "business_licence", "returnee_proof", "premises", "training_certificate"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("checklist %v, want %v", kinds, want)
	}
	if got.Checklist[0].Label != "居民身份证" || len(got.Items) != 0 {
		t.Fatalf("checklist %+v", got)
	}
	if en := documentsOf(t, s, c.owner, app, "Accept-Language", "en"); en.Checklist[0].Label != "Resident ID card" {
		t.Fatalf("English label %q", en.Checklist[0].Label)
	}

	files := []struct {
		kind, name, typ string
		content         []byte
	}{
		{"id_card", "身份证.pdf", document.PDF, doctest.ChromiumPDF},
		{"household_register", "户口簿.jpg", document.JPEG, doctest.ChromiumJPG},
		{"business_licence", "licence.png", document.PNG, doctest.ChromiumPNG},
		{"id_card", "身份证-背面.png", document.PNG, doctest.GoPNG()},
	}
	ids := map[string]string{}
	for i, f := range files {
		d := upload(s, c.owner, app, f.kind, f.name, f.content).Want(201).JSON()
		if d["content_type"] != f.typ || d["sha256"] != sum(f.content) || d["size"] != float64(len(f.content)) ||
			d["filename"] != f.name || d["state"] != "uploaded" || d["uploaded_by"] != "owner" {
			t.Fatalf("upload %d: %v", i, d)
		}
		wantVersion := 1.0
		if i == 3 {
			wantVersion = 2
		}
		if d["version"] != wantVersion {
			t.Fatalf("upload %d: version %v, want %v", i, d["version"], wantVersion)
		}
		ids[f.name] = jsonID(d["id"])
	}
	got = documentsOf(t, s, c.owner, app)
	if len(got.Items) != 4 {
		t.Fatalf("items: %+v", got.Items)
	}
	for _, it := range got.Checklist {
		wantState := "missing"
		if it.Kind == "id_card" || it.Kind == "household_register" || it.Kind == "business_licence" {
			wantState = "uploaded"
		}
		if it.State != wantState {
			t.Errorf("%s: %s, want %s", it.Kind, it.State, wantState)
		}
	}

	for _, f := range files {
		r := s.Do("GET", "/api/v1/documents/"+ids[f.name]+"/content", c.owner, nil).Want(200)
		if !bytes.Equal(r.Body, f.content) || r.Header.Get("Content-Type") != f.typ {
			t.Fatalf("%s: content %d bytes of %s", f.name, len(r.Body), r.Header.Get("Content-Type"))
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") || r.Header.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("%s: headers %v", f.name, r.Header)
		}
	}
	s.Do("GET", "/api/v1/documents/"+ids["身份证.pdf"]+"/content", c.auditor, nil).Want(200)
	var events struct {
		Items []struct{ Action, Actor string }
	}
	s.Do("GET", "/api/v1/audit-events?entity_type=document&entity_id="+ids["身份证.pdf"]+"&page_size=200", c.auditor, nil).Want(200).Decode(&events)
	reads := map[string]int{}
	for _, e := range events.Items {
		if e.Action == "document.read" {
			reads[e.Actor]++
		}
	}
	if reads["owner"] != 1 || reads["auditor"] != 1 {
		t.Fatalf("read events %v in %+v", reads, events.Items)
	}
}

// TestDisguisedDocumentsAreRefused: a renamed program, a page, a PDF with
// JavaScript, an image with an archive appended, a file over 10 MiB, a kind
// not on the checklist and a body that is no form are refused with 4xx
// naming the field, and nothing is kept.
func TestDisguisedDocumentsAreRefused(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.draft(t)
	js := doctest.PDF("/OpenAction 5 0 R", "<< /S /JavaScript /JS (app.launchURL\\('http://x'\\)) >>")
	for _, f := range []struct {
		name, kind, file string
		content          []byte
		field            string
	}{
		{"program named .pdf", "id_card", "身份证.pdf", doctest.ELF, "file"},
		{"Windows program named .jpg", "id_card", "id.jpg", doctest.EXE, "file"},
		{"page named .png", "id_card", "id.png", []byte(doctest.HTML), "file"},
		{"PDF with JavaScript", "id_card", "id.pdf", js, "file"},
		{"PNG with a zip appended", "id_card", "id.png", append(bytes.Clone(doctest.ChromiumPNG), doctest.Zip...), "file"},
		{"over 10 MiB", "id_card", "big.pdf", append(bytes.Clone(doctest.ChromiumPDF), make([]byte, document.MaxBytes)...), "file"},
		{"kind not on the checklist", "diploma", "diploma.pdf", doctest.ChromiumPDF, "kind"},
	} {
		t.Run(f.name, func(t *testing.T) {
			r := upload(s, c.owner, app, f.kind, f.file, f.content).WantProblem(422, "validation_failed")
			if fields := r.FieldErrors(); !slices.Equal(fields, []string{f.field}) {
				t.Fatalf("fields %v, want %s: %s", fields, f.field, r.Body)
			}
		})
	}
	s.Form("POST", "/api/v1/applications/"+app+"/documents", c.owner, []apptest.FormField{{Name: "kind", Value: "id_card"}}).WantProblem(422, "validation_failed")
	s.Do("POST", "/api/v1/applications/"+app+"/documents", c.owner, map[string]string{"kind": "id_card"}).WantProblem(400, "bad_request")
	s.Form("POST", "/api/v1/applications/"+app+"/documents", c.owner, []apptest.FormField{
		{Name: "kind", Value: "id_card"}, {Name: "file", Filename: "huge.pdf", Content: make([]byte, 12<<20)}}).WantProblem(413, "request_too_large")
	if got := documentsOf(t, s, c.owner, app); len(got.Items) != 0 {
		t.Fatalf("refused files were kept: %+v", got.Items)
	}
}

// TestDocumentsAreSeenExactlyAsTheApplication: another applicant, an
// officer of another district or bank and an administrator get 404 for the
// list, an upload and the content; the district's officers and the auditor
// read them.
func TestDocumentsAreSeenExactlyAsTheApplication(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.draft(t)
	id := jsonID(upload(s, c.owner, app, "id_card", "id.pdf", doctest.ChromiumPDF).Want(201).JSON()["id"])
	s.Do("POST", "/api/v1/applications/"+app+"/submit", c.owner, nil).Want(200)
	for _, tok := range []string{c.other, c.hrssOther, c.guarOther, c.bankOther, c.admin} {
		s.Do("GET", "/api/v1/applications/"+app+"/documents", tok, nil).WantProblem(404, "not_found")
		s.Do("GET", "/api/v1/documents/"+id+"/content", tok, nil).WantProblem(404, "not_found")
		upload(s, tok, app, "premises", "lease.pdf", doctest.ChromiumPDF).WantProblem(404, "not_found")
		s.Do("POST", "/api/v1/documents/"+id+"/review", tok, map[string]string{"decision": "accept"}).WantProblem(404, "not_found")
	}
	s.Do("GET", "/api/v1/documents/999999/content", c.owner, nil).WantProblem(404, "not_found")
	for _, tok := range []string{c.owner, c.hrss, c.guar, c.bank, c.auditor} {
		if got := documentsOf(t, s, tok, app); len(got.Items) != 1 {
			t.Fatalf("items %+v", got.Items)
		}
		s.Do("GET", "/api/v1/documents/"+id+"/content", tok, nil).Want(200)
	}
}

// TestWhoAddsDocumentsWhen: the applicant adds documents to a draft or a
// returned application, not while it is under review; the officers of its
// district and bank add them while it is under review, not to a draft or a
// returned one;
// auditors add none; nothing is overwritten.
func TestWhoAddsDocumentsWhen(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.draft(t)
	upload(s, c.hrss, app, "id_card", "id.pdf", doctest.ChromiumPDF).WantProblem(409, "application.invalid_state")
	upload(s, c.owner, app, "id_card", "id.pdf", doctest.ChromiumPDF).Want(201)
	s.Do("POST", "/api/v1/applications/"+app+"/submit", c.owner, nil).Want(200)
	upload(s, c.owner, app, "premises", "lease.pdf", doctest.ChromiumPDF).WantProblem(409, "application.invalid_state")
	upload(s, c.auditor, app, "premises", "lease.pdf", doctest.ChromiumPDF).WantProblem(403, "forbidden")
	for _, tok := range []string{c.hrss, c.guar, c.bank} {
		upload(s, tok, app, "premises", "lease.pdf", doctest.ChromiumPDF).Want(201)
	}
	s.Do("POST", "/api/v1/applications/"+app+"/decisions", c.hrss, map[string]any{"decision": "return", "comment": "补充材料"}).Want(200)
	upload(s, c.hrss, app, "premises", "lease.pdf", doctest.ChromiumPDF).WantProblem(409, "application.invalid_state")
	upload(s, c.owner, app, "premises", "lease.pdf", doctest.GoJPEG()).Want(201)
	got := documentsOf(t, s, c.owner, app)
	var versions []int
	for _, it := range got.Items {
		if it.Kind == "premises" {
			versions = append(versions, it.Version)
		}
	}
	if !slices.Equal(versions, []int{1, 2, 3, 4}) {
		t.Fatalf("premises versions %v", versions)
	}
}

// TestReturnNamesTheMissingDocuments: an officer's return carries the
// missing kinds and a comment; the applicant sees exactly that list on the
// application, in its history and marked on the checklist; kinds off the
// checklist, a kind twice, or missing documents on an approval are 422;
// after resubmission the application names none.
func TestReturnNamesTheMissingDocuments(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.application(t, c.owner, "eligibility_review")
	decide := func(body map[string]any) *apptest.Response {
		return s.Do("POST", "/api/v1/applications/"+app+"/decisions", c.hrss, body)
	}
	r := decide(map[string]any{"decision": "return", "comment": "请补充", "missing_documents": []string{"returnee_proof", "diploma", "premises", "premises"}}).
		WantProblem(422, "validation_failed")
	if fields := r.FieldErrors(); !slices.Equal(fields, []string{"missing_documents[1]", "missing_documents[3]"}) {
		t.Fatalf("fields %v", fields)
	}
	r = decide(map[string]any{"decision": "approve", "missing_documents": []string{"premises"}}).WantProblem(422, "validation_failed")
	if fields := r.FieldErrors(); !slices.Equal(fields, []string{"missing_documents"}) {
		t.Fatalf("fields %v", fields)
	}
	decide(map[string]any{"decision": "return", "comment": "请一次性补齐以下材料", "missing_documents": []string{"returnee_proof", "premises"}}).Want(200)

	a := s.Do("GET", "/api/v1/applications/"+app, c.owner, nil).Want(200).JSON()
	if got := a["missing_documents"].([]any); len(got) != 2 || got[0] != "returnee_proof" || got[1] != "premises" {
		t.Fatalf("missing_documents %v", a["missing_documents"])
	}
	hist := a["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	if last["action"] != "return" || last["comment"] != "请一次性补齐以下材料" || len(last["missing_documents"].([]any)) != 2 {
		t.Fatalf("history %v", last)
	}
	for _, it := range documentsOf(t, s, c.owner, app).Checklist {
		if it.Requested != (it.Kind == "returnee_proof" || it.Kind == "premises") {
			t.Errorf("%s requested %v", it.Kind, it.Requested)
		}
	}
	s.Do("POST", "/api/v1/applications/"+app+"/submit", c.owner, nil).Want(200)
	a = s.Do("GET", "/api/v1/applications/"+app, c.owner, nil).Want(200).JSON()
	if got := a["missing_documents"].([]any); len(got) != 0 {
		t.Fatalf("after resubmission: %v", got)
	}
}

// TestOfficersReviewDocuments: the officer of the current stage accepts or
// rejects (with a reason) the newest version; the checklist shows the
// state and the reason; a reviewed version or an older one is 409; another
// stage's officer is 403; the applicant reviews nothing.
func TestOfficersReviewDocuments(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.draft(t)
	first := jsonID(upload(s, c.owner, app, "id_card", "id.pdf", doctest.ChromiumPDF).Want(201).JSON()["id"])
	second := jsonID(upload(s, c.owner, app, "id_card", "id.png", doctest.ChromiumPNG).Want(201).JSON()["id"])
	lease := jsonID(upload(s, c.owner, app, "premises", "lease.jpg", doctest.ChromiumJPG).Want(201).JSON()["id"])
	review := func(tok, id string, body map[string]string) *apptest.Response {
		return s.Do("POST", "/api/v1/documents/"+id+"/review", tok, body)
	}
	review(c.hrss, second, map[string]string{"decision": "accept"}).WantProblem(409, "application.invalid_state")
	s.Do("POST", "/api/v1/applications/"+app+"/submit", c.owner, nil).Want(200)
	review(c.owner, second, map[string]string{"decision": "accept"}).WantProblem(403, "forbidden")
	review(c.guar, second, map[string]string{"decision": "accept"}).WantProblem(403, "forbidden")
	review(c.hrss, first, map[string]string{"decision": "accept"}).WantProblem(409, "document.invalid_state")
	review(c.hrss, lease, map[string]string{"decision": "reject"}).WantProblem(422, "validation_failed")
	review(c.hrss, lease, map[string]string{"decision": "maybe"}).WantProblem(422, "validation_failed")
	d := review(c.hrss, second, map[string]string{"decision": "accept"}).Want(200).JSON()
	if d["state"] != "accepted" || d["reviewed_at"] == nil {
		t.Fatalf("accepted: %v", d)
	}
	review(c.hrss, second, map[string]string{"decision": "reject", "reason": "x"}).WantProblem(409, "document.invalid_state")
	review(c.hrss, lease, map[string]string{"decision": "reject", "reason": "租赁合同已过期"}).Want(200)
	states := map[string][2]string{}
	for _, it := range documentsOf(t, s, c.owner, app).Checklist {
		states[it.Kind] = [2]string{it.State, it.Reason}
	}
	if states["id_card"] != [2]string{"accepted", ""} || states["premises"] != [2]string{"rejected", "租赁合同已过期"} {
		t.Fatalf("states %v", states)
	}
}

// TestSubmitRequiresDocumentsWhenThePolicySaysSo: with submit_requires in
// the checklist, submitting lists every required document missing (the
// optional one not), and a rejected one after a return; with all of them on
// file the application goes to review.
func TestSubmitRequiresDocumentsWhenThePolicySaysSo(t *testing.T) {
	pol, err := os.ReadFile("../../configs/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, bytes.Replace(pol, []byte("submit_requires: false"), []byte("submit_requires: true"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCastOn(apptest.NewServerWith(t, func(cfg *config.Config) { cfg.PolicyFile = file }))
	s := c.s
	app := c.draft(t)
	submit := func() *apptest.Response { return s.Do("POST", "/api/v1/applications/"+app+"/submit", c.owner, nil) }
	r := submit().WantProblem(422, "validation_failed")
	required := []string{"documents.id_card", "documents.household_register", "documents.business_licence", "documents.returnee_proof", "documents.premises"}
	if got := r.FieldErrors(); !slices.Equal(got, required) {
		t.Fatalf("fields %v, want %v", got, required)
	}
	var lease string
	for _, f := range required {
		id := jsonID(upload(s, c.owner, app, strings.TrimPrefix(f, "documents."), "scan.pdf", doctest.ChromiumPDF).Want(201).JSON()["id"])
		if f == "documents.premises" {
			lease = id
		}
	}
	submit().Want(200)
	s.Do("POST", "/api/v1/documents/"+lease+"/review", c.hrss, map[string]string{"decision": "reject", "reason": "看不清"}).Want(200)
	s.Do("POST", "/api/v1/applications/"+app+"/decisions", c.hrss, map[string]any{"decision": "return", "comment": "重新上传", "missing_documents": []string{"premises"}}).Want(200)
	if got := submit().WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(got, []string{"documents.premises"}) {
		t.Fatalf("after the rejection: %v", got)
	}
	upload(s, c.owner, app, "premises", "lease.jpg", doctest.ChromiumJPG).Want(201)
	submit().Want(200)
}

// TestDocumentStores: the folder store and the database store each keep
// and return the content, on either engine; the folder store writes the
// file under its SHA-256 in CHUANGDAI_FILES_DIR, the database store writes
// nothing there.
func TestDocumentStores(t *testing.T) {
	for _, store := range []string{config.FilesInFolder, config.FilesInDatabase} {
		t.Run(store, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "files")
			c := newCastOn(apptest.NewServerWith(t, func(cfg *config.Config) { cfg.FilesStore, cfg.FilesDir = store, dir }))
			app := c.draft(t)
			id := jsonID(upload(c.s, c.owner, app, "id_card", "id.jpg", doctest.ChromiumJPG).Want(201).JSON()["id"])
			if got := c.s.Do("GET", "/api/v1/documents/"+id+"/content", c.owner, nil).Want(200).Body; !bytes.Equal(got, doctest.ChromiumJPG) {
				t.Fatalf("content differs: %d bytes", len(got))
			}
			h := sum(doctest.ChromiumJPG)
			_, err := os.Stat(filepath.Join(dir, h[:2], h[2:4], h))
			if (store == config.FilesInFolder) != (err == nil) {
				t.Fatalf("file in the folder: %v", err)
			}
		})
	}
}
