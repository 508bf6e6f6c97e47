-- +goose Up
-- PostgreSQL only (its 00035 checks the district and bank of new loans once
-- per statement instead of by the row-by-row foreign keys): on SQLite the
-- foreign keys of loans stay, a lookup in the same file per row.
SELECT 1;

-- +goose Down
SELECT 1;
