package store_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/document"
	"chuangdai/internal/store"
)

// An application's documents: each upload of a kind is its next version,
// read back with the uploader's name and the file name sealed in the table;
// listed by kind and version; a review applies once (a second is a conflict
// that changes nothing); the states are those of each kind's newest
// version; an unknown document or application is not found, and an upload
// the table refuses leaves no version behind. Contents are kept once per
// sum and read back whole.
func TestDocuments(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	ds := store.Documents{DB: db}
	exec := sqlExec(t, db)
	baseFixture(exec)
	insertApplication(exec, 1, "individual", "411282199001010013", "eligibility_review", "[]")
	insertApplication(exec, 2, "individual", "411282199001010021", "eligibility_review", "[]")
	by := auth.UserID(1)
	at := time.Date(2024, 3, 1, 2, 3, 4, 0, time.UTC)
	add := func(app application.ID, kind, name, contentType string) (document.Document, error) {
		var d document.Document
		err := db.InTx(ctx, func(ctx context.Context) (err error) {
			if err := ds.LockApplication(ctx, app); err != nil {
				return err
			}
			d, err = ds.Add(ctx, document.Document{ApplicationID: app, Kind: kind, Filename: name, ContentType: contentType, Size: 1234,
				SHA256: strings.Repeat("a", 64), UploadedBy: by, UploadedAt: at, State: document.Uploaded})
			return err
		})
		return d, err
	}
	first, err := add(1, "id_card", "张伟-110105.pdf", "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	if first.Version != 1 || first.Filename != "张伟-110105.pdf" || first.Uploader != "anna" || first.Size != 1234 || first.State != document.Uploaded ||
		!first.UploadedAt.Equal(at) || first.UploadedBy != by || first.ApplicationID != 1 || first.ContentType != "application/pdf" {
		t.Fatalf("the first upload read back as %s", asJSON(first))
	}
	var stored string
	if err := db.SQL().QueryRowContext(ctx, "SELECT filename FROM documents WHERE id = 1").Scan(&stored); err != nil || strings.Contains(stored, "张伟") {
		t.Fatalf("the file name is stored as %q, %v; want it sealed", stored, err)
	}
	second, err := add(1, "id_card", "b.png", "image/png")
	if err != nil || second.Version != 2 {
		t.Fatalf("the second upload of a kind: %s, %v; want version 2", asJSON(second), err)
	}
	if d, err := add(1, "business_license", "c.jpg", "image/jpeg"); err != nil || d.Version != 1 {
		t.Fatalf("another kind's upload: %s, %v; want version 1", asJSON(d), err)
	}
	if d, err := add(2, "id_card", "d.pdf", "application/pdf"); err != nil || d.Version != 1 {
		t.Fatalf("another application's upload: %s, %v; want version 1", asJSON(d), err)
	}
	if _, err := add(1, "id_card", "e.gif", "image/gif"); err == nil {
		t.Fatal("a GIF was stored")
	}
	if _, err := add(99, "id_card", "f.pdf", "application/pdf"); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("locking an unknown application: %v, want not found", err)
	}
	if _, err := ds.Document(ctx, 99); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("an unknown document: %v, want not found", err)
	}

	reviewed := at.Add(time.Hour)
	reject := document.Document{ID: second.ID, State: document.Rejected, ReviewedBy: &by, ReviewedAt: &reviewed, Reason: "模糊"}
	if err := ds.Review(ctx, reject); err != nil {
		t.Fatal(err)
	}
	if err := ds.Review(ctx, document.Document{ID: second.ID, State: document.Accepted, ReviewedBy: &by, ReviewedAt: &reviewed}); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("reviewing a reviewed document: %v, want a conflict", err)
	}
	got, err := ds.Document(ctx, second.ID)
	if err != nil || got.State != document.Rejected || got.Reason != "模糊" || got.ReviewedBy == nil || *got.ReviewedBy != by || got.ReviewedAt == nil || !got.ReviewedAt.Equal(reviewed) {
		t.Fatalf("the rejected document read back as %s, %v", asJSON(got), err)
	}
	list, err := ds.Documents(ctx, 1)
	if err != nil || len(list) != 3 {
		t.Fatalf("application 1's documents: %s, %v", asJSON(list), err)
	}
	var order []string
	for _, d := range list {
		order = append(order, d.Kind+"/"+string(rune('0'+d.Version))+"/"+d.Filename)
	}
	if strings.Join(order, " ") != "business_license/1/c.jpg id_card/1/张伟-110105.pdf id_card/2/b.png" {
		t.Fatalf("documents in order %v", order)
	}
	states, err := store.Applications{DB: db}.DocumentStates(ctx, 1)
	if err != nil || len(states) != 2 || states["id_card"] != "rejected" || states["business_license"] != "uploaded" {
		t.Fatalf("document states = %v, %v; want the newest version's of each kind", states, err)
	}

	blobs := store.Blobs{DB: db}
	sum := strings.Repeat("b", 64)
	content := []byte("%PDF-1.7 \x00\xff 内容")
	for range 2 {
		if err := blobs.Put(ctx, sum, content); err != nil {
			t.Fatal(err)
		}
	}
	r, err := blobs.Open(ctx, sum)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := io.ReadAll(r); err != nil || string(b) != string(content) {
		t.Fatalf("content read back as %q, %v", b, err)
	}
	if _, err := blobs.Open(ctx, strings.Repeat("c", 64)); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("unknown content: %v, want not found", err)
	}
}
