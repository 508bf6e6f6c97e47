-- +goose Up
-- Every change of an account goes through one repository update that locks
-- the row and writes it only while its version is the one read (issue 15),
-- like applications and loans. Existing accounts start at version 1.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE users DROP COLUMN version;
