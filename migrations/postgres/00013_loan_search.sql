-- +goose Up
-- Loan search (GET /api/v1/loans?q=): the start of a loan number or of a
-- borrower's name, and a bank's reference on its own, each by an index, so a
-- search over hundreds of thousands of loans never reads them all.
-- text_pattern_ops lets LIKE 'prefix%' use the index whatever the collation.
CREATE INDEX loans_number_prefix_idx ON loans (number text_pattern_ops);
CREATE INDEX loans_name_prefix_idx ON loans (name text_pattern_ops);
CREATE INDEX loans_bank_reference_idx ON loans (bank_reference);

-- +goose Down
DROP INDEX loans_bank_reference_idx;
DROP INDEX loans_name_prefix_idx;
DROP INDEX loans_number_prefix_idx;
