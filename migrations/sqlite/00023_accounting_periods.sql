-- +goose Up
-- Closed accounting months (会计期间结账; issue 18): one row per close by a
-- finance auditor. Closing a month closes every month before it, so a month
-- is closed when a row of it or of a later month exists, and no posting
-- dated in a closed month is accepted (409 period.closed); corrections post
-- in the open month. A month is never reopened.
CREATE TABLE accounting_periods (
    month      TEXT PRIMARY KEY CHECK (length(month) = 7),
    closed_at  DATETIME NOT NULL,
    closed_by  BIGINT NOT NULL REFERENCES users (id)
);

-- +goose Down
DROP TABLE accounting_periods;
