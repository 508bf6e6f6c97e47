-- +goose Up
-- A loan's row records which children it has (issue 16): the read of a loan
-- (store/loanread.go) runs the subquery of its repayments, recoveries or
-- extensions only when the flag says there are some. As on PostgreSQL
-- (see its 00037): children are never deleted nor moved, a flag once set
-- stays true.
ALTER TABLE loans ADD COLUMN has_repayments BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE loans ADD COLUMN has_recoveries BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE loans ADD COLUMN has_extensions BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE loans SET has_repayments = id IN (SELECT loan_id FROM loan_repayments),
    has_recoveries = id IN (SELECT loan_id FROM loan_recoveries),
    has_extensions = id IN (SELECT loan_id FROM loan_extensions)
WHERE id IN (SELECT loan_id FROM loan_repayments UNION SELECT loan_id FROM loan_recoveries UNION SELECT loan_id FROM loan_extensions);

-- A child sets its loan's flag when it is not set yet (a lookup by the
-- primary key for the loan's later children). The update changes no column
-- in report_loans_update's WHEN (it does not fire); version and updated_at
-- stay, and no audit event is written.
-- +goose StatementBegin
CREATE TRIGGER loans_have_repayments AFTER INSERT ON loan_repayments FOR EACH ROW
WHEN NOT (SELECT has_repayments FROM loans WHERE id = new.loan_id)
BEGIN
    UPDATE loans SET has_repayments = TRUE WHERE id = new.loan_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_have_recoveries AFTER INSERT ON loan_recoveries FOR EACH ROW
WHEN NOT (SELECT has_recoveries FROM loans WHERE id = new.loan_id)
BEGIN
    UPDATE loans SET has_recoveries = TRUE WHERE id = new.loan_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_have_extensions AFTER INSERT ON loan_extensions FOR EACH ROW
WHEN NOT (SELECT has_extensions FROM loans WHERE id = new.loan_id)
BEGIN
    UPDATE loans SET has_extensions = TRUE WHERE id = new.loan_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER loans_have_extensions;
DROP TRIGGER loans_have_recoveries;
DROP TRIGGER loans_have_repayments;
ALTER TABLE loans DROP COLUMN has_extensions;
ALTER TABLE loans DROP COLUMN has_recoveries;
ALTER TABLE loans DROP COLUMN has_repayments;
