-- +goose Up
-- An administrator role (admin, audit_admin) granted by one administrator
-- waits here until a second one confirms it; one waiting grant per user.
CREATE TABLE role_grants (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id),
    role          TEXT NOT NULL,
    requested_by  BIGINT NOT NULL REFERENCES users (id),
    requested_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE role_grants;
