-- +goose Up
-- Extensions (展期, issue 18): the bank proposes a new maturity, the
-- guarantee centre confirms or rejects it. At most one proposal of a loan is
-- open at a time. A confirmed extension moves loans.maturity_date; the
-- contract's maturity is kept in loans.original_maturity_date (NULL: never
-- extended), where the subsidy ends.
CREATE TABLE loan_extensions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id       BIGINT NOT NULL REFERENCES loans (id),
    old_maturity  DATE NOT NULL,
    new_maturity  DATE NOT NULL CHECK (new_maturity > old_maturity),
    reason        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'rejected')),
    proposed_by   BIGINT NOT NULL REFERENCES users (id),
    proposed_at   DATETIME NOT NULL,
    confirmed_by  BIGINT REFERENCES users (id),
    confirmed_at  DATETIME,
    rejected_by   BIGINT REFERENCES users (id),
    rejected_at   DATETIME,
    reject_reason TEXT,
    CHECK ((state = 'confirmed') = (confirmed_by IS NOT NULL AND confirmed_at IS NOT NULL)),
    CHECK ((state = 'rejected') = (rejected_by IS NOT NULL AND rejected_at IS NOT NULL AND reject_reason IS NOT NULL))
);
CREATE INDEX loan_extensions_loan_idx ON loan_extensions (loan_id, id);
CREATE UNIQUE INDEX loan_extensions_open_idx ON loan_extensions (loan_id) WHERE state = 'proposed';
ALTER TABLE loans ADD COLUMN original_maturity_date DATE;

-- +goose Down
ALTER TABLE loans DROP COLUMN original_maturity_date;
DROP TABLE loan_extensions;
