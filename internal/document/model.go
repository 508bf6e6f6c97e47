// Package document keeps the papers of a loan application (材料): the
// checklist of the dated policy, uploads checked by their content and kept
// as immutable versions, the officers' acceptance or rejection of each, and
// every read of a file in the audit trail. Who sees a document is exactly
// who sees its application.
package document

import (
	"context"
	"io"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/policy"
)

// State is where a document of the checklist stands.
type State string

// The states of a checklist item; a version is uploaded, accepted or rejected.
const (
	Missing  State = "missing"
	Uploaded State = "uploaded"
	Accepted State = "accepted"
	Rejected State = "rejected"
)

// Document is one version of one kind of document of an application.
type Document struct {
	ID            int64
	ApplicationID application.ID
	Kind          string
	Version       int
	Filename      string
	ContentType   string
	Size          int64
	SHA256        string
	UploadedBy    auth.UserID
	// Uploader is the user name of UploadedBy (read with the document).
	Uploader   string
	UploadedAt time.Time
	State      State
	ReviewedBy *auth.UserID
	ReviewedAt *time.Time
	Reason     string
}

// Item is one line of an application's checklist with the state of its
// newest version.
type Item struct {
	policy.ChecklistItem
	State State
	// Reason is the officer's, when the newest version was rejected.
	Reason string
	// Requested is set for the kinds the last return or rejection named
	// as missing.
	Requested bool
}

// Store keeps the documents' records. Writes run in the transaction of ctx.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// LockApplication row-locks the application until the transaction
	// ends, so that uploads and reviews of one application take turns.
	LockApplication(ctx context.Context, applicationID application.ID) error
	// Documents lists every version of every kind of the application, by
	// kind and version.
	Documents(ctx context.Context, applicationID application.ID) ([]Document, error)
	// Document returns one version.
	Document(ctx context.Context, id int64) (Document, error)
	// Add inserts d as the next version of its kind and returns it.
	Add(ctx context.Context, d Document) (Document, error)
	// Review records the officer's decision on a version still uploaded;
	// one reviewed meanwhile is an apperr Conflict.
	Review(ctx context.Context, d Document) error
}

// Files keeps the contents, by SHA-256. A content is written once and never
// changed: putting one that is there already does nothing.
type Files interface {
	Put(ctx context.Context, sha256 string, content []byte) error
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// UploadAction is the authz action on an application of adding a document
// to it: the applicant's own (while a draft or returned), the officers' of
// its district and bank (while under review).
const UploadAction = "upload_document"
