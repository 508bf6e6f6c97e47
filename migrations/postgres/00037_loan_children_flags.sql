-- +goose Up
-- A loan's row records which children it has (issue 16): the read of a loan
-- (store/loanread.go) runs the subquery of its repayments, recoveries or
-- extensions only when the flag says there are some. Most loans have no
-- recovery (only compensated loans do) and no extension, a fresh loan no
-- repayment; the three subqueries were half the statement's time.
-- Three booleans rather than a bitmask: each is read and set by name, and
-- PostgreSQL packs them into three bytes of the row.
-- Children are never deleted nor moved to another loan (a reversal marks
-- the row): a flag, once set, stays true. Only "false while a child exists"
-- would be wrong; a flag true without a child would cost the subquery only.
ALTER TABLE loans ADD COLUMN has_repayments BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN has_recoveries BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN has_extensions BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE loans SET has_repayments = id IN (SELECT loan_id FROM loan_repayments),
    has_recoveries = id IN (SELECT loan_id FROM loan_recoveries),
    has_extensions = id IN (SELECT loan_id FROM loan_extensions)
WHERE id IN (SELECT loan_id FROM loan_repayments UNION SELECT loan_id FROM loan_recoveries UNION SELECT loan_id FROM loan_extensions);

-- The triggers set a flag once per statement of inserted children, and
-- update loans only where it is not set yet: a loan's second repayment
-- updates nothing. The update changes no column report_loans_update looks
-- at (it fires and books nothing), nor district_code or bank_code
-- (loans_places_update does not fire); version and updated_at stay, and no
-- audit event is written: nothing reads it as a change of the loan.
-- +goose StatementBegin
CREATE FUNCTION loans_have_repayments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n JOIN loans l ON l.id = n.loan_id WHERE NOT l.has_repayments) THEN
        UPDATE loans SET has_repayments = TRUE WHERE id IN (SELECT loan_id FROM new_rows) AND NOT has_repayments;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION loans_have_recoveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n JOIN loans l ON l.id = n.loan_id WHERE NOT l.has_recoveries) THEN
        UPDATE loans SET has_recoveries = TRUE WHERE id IN (SELECT loan_id FROM new_rows) AND NOT has_recoveries;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION loans_have_extensions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n JOIN loans l ON l.id = n.loan_id WHERE NOT l.has_extensions) THEN
        UPDATE loans SET has_extensions = TRUE WHERE id IN (SELECT loan_id FROM new_rows) AND NOT has_extensions;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER loans_have_repayments AFTER INSERT ON loan_repayments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION loans_have_repayments();
CREATE TRIGGER loans_have_recoveries AFTER INSERT ON loan_recoveries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION loans_have_recoveries();
CREATE TRIGGER loans_have_extensions AFTER INSERT ON loan_extensions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION loans_have_extensions();

-- +goose Down
DROP TRIGGER loans_have_extensions ON loan_extensions;
DROP TRIGGER loans_have_recoveries ON loan_recoveries;
DROP TRIGGER loans_have_repayments ON loan_repayments;
DROP FUNCTION loans_have_extensions();
DROP FUNCTION loans_have_recoveries();
DROP FUNCTION loans_have_repayments();
ALTER TABLE loans DROP COLUMN has_extensions, DROP COLUMN has_recoveries, DROP COLUMN has_repayments;
