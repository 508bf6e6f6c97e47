-- +goose Up
-- Failed sign-ins per account ("user:<name>") and per address ("ip:<addr>"),
-- shared by every instance so throttling holds behind a load balancer.
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);

-- +goose Down
DROP TABLE login_throttle;
