-- +goose Up
-- The account a sign-in throttle belongs to (lower case): its own key
-- ("user:<name>") and its keys per address ("user:<name>|<address>"), so an
-- administrator's list of users shows each account's failures and delay with
-- one query, and a password reset lifts them all.
ALTER TABLE login_throttle ADD COLUMN username TEXT;
UPDATE login_throttle SET username = substr(key, 6) WHERE key LIKE 'user:%';
CREATE INDEX login_throttle_username_idx ON login_throttle (username) WHERE username IS NOT NULL;

-- +goose Down
DROP INDEX login_throttle_username_idx;
ALTER TABLE login_throttle DROP COLUMN username;
