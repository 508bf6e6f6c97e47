-- +goose Up
-- Loan search (GET /api/v1/loans?q=): the start of a loan number or of a
-- borrower's name, and a bank's reference on its own, each by an index, so a
-- search over hundreds of thousands of loans never reads them all.
-- SQLite's LIKE ignores ASCII case, so its prefix search uses NOCASE indexes.
CREATE INDEX loans_number_prefix_idx ON loans (number COLLATE NOCASE);
CREATE INDEX loans_name_prefix_idx ON loans (name COLLATE NOCASE);
CREATE INDEX loans_bank_reference_idx ON loans (bank_reference);

-- +goose Down
DROP INDEX loans_bank_reference_idx;
DROP INDEX loans_name_prefix_idx;
DROP INDEX loans_number_prefix_idx;
