-- +goose Up
-- The fields an edit after a return changed, for the application's history:
-- a JSON array of {field, before, after} with personal data masked, or NULL.
ALTER TABLE application_history ADD COLUMN changes TEXT;

-- +goose Down
ALTER TABLE application_history DROP COLUMN changes;
