-- +goose Up
-- A counter of the changes that end or narrow what a signed-in caller may do
-- (issue 16): a session revoked or deleted, an account changed, disabled or
-- given a new password, a role binding or a verified identity added, changed
-- or removed. Each instance keeps the principal of a token for up to two
-- seconds and reads this counter at most a second apart; the triggers bump
-- it in the transaction of the change, whoever makes it (any instance, the
-- command line, SQL by hand), so every instance drops what it kept within a
-- second of the commit. One row read through any connection: nothing here
-- needs a session of its own, so it works through PgBouncer's transaction
-- pooling (LISTEN/NOTIFY would not).
CREATE TABLE principal_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO principal_changes (id, n) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION principal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE principal_changes SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_principal_changed AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
CREATE TRIGGER user_roles_principal_changed AFTER INSERT OR UPDATE OR DELETE ON user_roles
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
CREATE TRIGGER sessions_principal_changed AFTER UPDATE OF revoked_at OR DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
CREATE TRIGGER person_identities_principal_changed AFTER INSERT OR UPDATE OR DELETE ON person_identities
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();

-- +goose Down
DROP TRIGGER person_identities_principal_changed ON person_identities;
DROP TRIGGER sessions_principal_changed ON sessions;
DROP TRIGGER user_roles_principal_changed ON user_roles;
DROP TRIGGER users_principal_changed ON users;
DROP FUNCTION principal_changed();
DROP TABLE principal_changes;
