package store

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/document"
)

type documentRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID application.ID
	Kind          string
	Version       int
	Filename      string
	ContentType   string
	SizeBytes     int64
	Sha256        string `gorm:"column:sha256"`
	UploadedBy    auth.UserID
	UploadedAt    time.Time
	State         string
	ReviewedBy    *auth.UserID
	ReviewedAt    *time.Time
	Reason        string
	// Uploader is read only (documentSelect).
	Uploader string `gorm:"->"`
}

func (documentRow) TableName() string { return "documents" }

const documentSelect = "documents.*, (SELECT username FROM users WHERE users.id = documents.uploaded_by) AS uploader"

// documentFilename is sealed: people name their scans after themselves
// ("张三-110105….pdf").
const documentFilename = "documents.filename"

func (db *DB) documentOf(r documentRow) (document.Document, error) {
	name, err := db.open(documentFilename, r.Filename)
	if err != nil {
		return document.Document{}, err
	}
	d := document.Document{ID: r.ID, ApplicationID: r.ApplicationID, Kind: r.Kind, Version: r.Version, Filename: name,
		ContentType: r.ContentType, Size: r.SizeBytes, SHA256: r.Sha256, UploadedBy: r.UploadedBy, Uploader: r.Uploader,
		UploadedAt: r.UploadedAt.UTC(), State: document.State(r.State), ReviewedBy: r.ReviewedBy, Reason: r.Reason}
	if r.ReviewedAt != nil {
		at := r.ReviewedAt.UTC()
		d.ReviewedAt = &at
	}
	return d, nil
}

// Documents implements document.Store.
type Documents struct{ *DB }

// LockApplication implements document.Store.
func (s Documents) LockApplication(ctx context.Context, applicationID application.ID) error {
	var id int64
	err := s.forUpdate(s.conn(ctx).Model(&applicationRow{}).Select("id").Where("id = ?", applicationID)).Take(&id).Error
	return translate(err, "application "+applicationID.String())
}

// Documents implements document.Store.
func (s Documents) Documents(ctx context.Context, applicationID application.ID) ([]document.Document, error) {
	var rows []documentRow
	if err := s.conn(ctx).Select(documentSelect).Where("application_id = ?", applicationID).Order("kind, version").Find(&rows).Error; err != nil {
		return nil, translate(err, "documents")
	}
	out := make([]document.Document, len(rows))
	for i, r := range rows {
		d, err := s.documentOf(r)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// Document implements document.Store.
func (s Documents) Document(ctx context.Context, id int64) (document.Document, error) {
	var r documentRow
	if err := s.conn(ctx).Select(documentSelect).Where("id = ?", id).Take(&r).Error; err != nil {
		return document.Document{}, translate(err, "document "+strconv.FormatInt(id, 10))
	}
	return s.documentOf(r)
}

// Add implements document.Store: the next version of the kind (the caller
// holds the application's lock).
func (s Documents) Add(ctx context.Context, d document.Document) (document.Document, error) {
	var last int
	if err := s.conn(ctx).Model(&documentRow{}).Select("COALESCE(MAX(version), 0)").
		Where("application_id = ? AND kind = ?", d.ApplicationID, d.Kind).Scan(&last).Error; err != nil {
		return d, translate(err, "document version")
	}
	name, err := s.seal(documentFilename, d.Filename)
	if err != nil {
		return d, err
	}
	r := documentRow{ApplicationID: d.ApplicationID, Kind: d.Kind, Version: last + 1, Filename: name,
		ContentType: d.ContentType, SizeBytes: d.Size, Sha256: d.SHA256, UploadedBy: d.UploadedBy, UploadedAt: d.UploadedAt,
		State: string(d.State)}
	if err := s.conn(ctx).Omit("Uploader").Create(&r).Error; err != nil {
		return d, translate(err, "document")
	}
	return s.Document(ctx, r.ID)
}

// Review implements document.Store.
func (s Documents) Review(ctx context.Context, d document.Document) error {
	res := s.conn(ctx).Model(&documentRow{}).Where("id = ? AND state = ?", d.ID, string(document.Uploaded)).
		Updates(map[string]any{"state": string(d.State), "reviewed_by": d.ReviewedBy, "reviewed_at": d.ReviewedAt, "reason": d.Reason})
	if res.Error != nil {
		return translate(res.Error, "document review")
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, "document.invalid_state", "this document has been reviewed already: upload a new version to have it reviewed again")
	}
	return nil
}

// DocumentStates implements application.Store: the state of the newest
// version of each kind on file.
func (s Applications) DocumentStates(ctx context.Context, applicationID application.ID) (map[string]string, error) {
	var rows []struct{ Kind, State string }
	err := s.conn(ctx).Raw(`SELECT kind, state FROM documents d WHERE application_id = ?
		AND version = (SELECT MAX(version) FROM documents n WHERE n.application_id = d.application_id AND n.kind = d.kind)`, applicationID).
		Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "document states")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Kind] = r.State
	}
	return out, nil
}

type blobRow struct {
	Sha256    string `gorm:"column:sha256;primaryKey"`
	Content   []byte
	CreatedAt time.Time
}

func (blobRow) TableName() string { return "document_blobs" }

// Blobs keeps document contents in the database (document.Files): every
// instance reads them and the database's backup holds them.
type Blobs struct{ *DB }

// Put implements document.Files.
func (s Blobs) Put(ctx context.Context, sum string, content []byte) error {
	err := s.conn(ctx).Exec("INSERT INTO document_blobs (sha256, content, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
		sum, content, time.Now().UTC().Truncate(time.Microsecond)).Error
	return translate(err, "document content")
}

// Open implements document.Files.
func (s Blobs) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	var r blobRow
	if err := s.conn(ctx).Where("sha256 = ?", sum).Take(&r).Error; err != nil {
		return nil, translate(err, "document content")
	}
	return io.NopCloser(bytes.NewReader(r.Content)), nil
}
