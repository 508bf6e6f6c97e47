-- +goose Up
-- The documents of an application (issue 17): every upload is a new
-- version of its kind, never overwritten; an officer accepts or rejects a
-- version with a reason. The content is kept by its SHA-256, in the file
-- store (CHUANGDAI_FILES_DIR) or in document_blobs.
CREATE TABLE documents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL CHECK (version > 0),
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes     BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256         TEXT NOT NULL,
    uploaded_by    BIGINT NOT NULL REFERENCES users (id),
    uploaded_at    DATETIME NOT NULL,
    state          TEXT NOT NULL DEFAULT 'uploaded' CHECK (state IN ('uploaded', 'accepted', 'rejected')),
    reviewed_by    BIGINT REFERENCES users (id),
    reviewed_at    DATETIME,
    reason         TEXT NOT NULL DEFAULT '',
    UNIQUE (application_id, kind, version)
);

-- Document contents by SHA-256, when the files live in the database
-- (CHUANGDAI_FILES_STORE=database: several instances without a shared disk).
CREATE TABLE document_blobs (
    sha256     TEXT PRIMARY KEY,
    content    BLOB NOT NULL,
    created_at DATETIME NOT NULL
);

-- The document kinds a return or rejection named as missing (JSON array).
ALTER TABLE application_history ADD COLUMN missing_documents TEXT;

-- +goose Down
ALTER TABLE application_history DROP COLUMN missing_documents;
DROP TABLE document_blobs;
DROP TABLE documents;
