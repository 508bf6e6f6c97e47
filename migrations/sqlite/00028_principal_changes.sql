-- +goose Up
-- A counter of the changes that end or narrow what a signed-in caller may do
-- (issue 16); see the PostgreSQL migration. SQLite has row triggers only, so
-- a statement changing many rows bumps it once per row.
CREATE TABLE principal_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO principal_changes (id, n) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER users_principal_updated AFTER UPDATE ON users
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_principal_deleted AFTER DELETE ON users
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_roles_principal_inserted AFTER INSERT ON user_roles
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_roles_principal_updated AFTER UPDATE ON user_roles
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_roles_principal_deleted AFTER DELETE ON user_roles
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sessions_principal_revoked AFTER UPDATE OF revoked_at ON sessions
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sessions_principal_deleted AFTER DELETE ON sessions
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER person_identities_principal_inserted AFTER INSERT ON person_identities
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER person_identities_principal_updated AFTER UPDATE ON person_identities
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER person_identities_principal_deleted AFTER DELETE ON person_identities
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER person_identities_principal_deleted;
DROP TRIGGER person_identities_principal_updated;
DROP TRIGGER person_identities_principal_inserted;
DROP TRIGGER sessions_principal_deleted;
DROP TRIGGER sessions_principal_revoked;
DROP TRIGGER user_roles_principal_deleted;
DROP TRIGGER user_roles_principal_updated;
DROP TRIGGER user_roles_principal_inserted;
DROP TRIGGER users_principal_deleted;
DROP TRIGGER users_principal_updated;
DROP TABLE principal_changes;
