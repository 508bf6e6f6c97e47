-- +goose Up
-- A staff member's own resident ID number, set by an administrator: nobody
-- acts on a loan or application whose borrower or partner they are, and this
-- is how an officer is known as a person (entrepreneurs are verified instead,
-- see person_identities). Empty for accounts without one.
ALTER TABLE users ADD COLUMN national_id TEXT;

-- +goose Down
ALTER TABLE users DROP COLUMN national_id;
