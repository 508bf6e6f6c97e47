-- +goose Up
-- Jobs that run once at a time across instances (the daily job) take a
-- lease on their row: a row with an expiry rather than a session lock, so it
-- holds through PgBouncer's transaction pooling and frees itself when the
-- process holding it dies. done_day is the last day a run finished.
CREATE TABLE job_runs (
    name        TEXT PRIMARY KEY,
    holder      TEXT,
    lease_until TIMESTAMPTZ,
    done_day    TEXT
);

-- +goose Down
DROP TABLE job_runs;
