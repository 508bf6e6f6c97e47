-- +goose Up
-- A loan's row holds its repayments, recoveries and extensions as JSON
-- arrays (issue 16), kept by triggers on the three child tables, so that the
-- read of a loan (store/loanread.go) is a read of one row by its key; see
-- PostgreSQL's 00038. SQLite has no functions in SQL: each array is written
-- out where it is made (the backfill and each kind's three triggers), the
-- same expression each time, as the loan's read made it: the same keys and
-- values in the same order (json_group_array of no row is '[]').
ALTER TABLE loans ADD COLUMN repayments_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE loans ADD COLUMN recoveries_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE loans ADD COLUMN extensions_json TEXT NOT NULL DEFAULT '[]';
UPDATE loans SET repayments_json = (SELECT json_group_array(json_object('id', c.id, 'principal_fen', c.principal_fen, 'interest_fen', c.interest_fen, 'paid_on', c.paid_on,
            'bank_reference', c.bank_reference, 'recorded_by', c.recorded_by, 'created_at', c.created_at, 'reversed_by', c.reversed_by,
            'reversed_at', c.reversed_at) ORDER BY c.paid_on, c.id)
        FROM loan_repayments c WHERE c.loan_id = loans.id),
    recoveries_json = (SELECT json_group_array(json_object('id', c.id, 'amount_fen', c.amount_fen, 'fund_fen', c.fund_fen, 'bank_fen', c.bank_fen,
            'recovered_on', c.recovered_on, 'note', c.note, 'recorded_by', c.recorded_by, 'created_at', c.created_at,
            'reversed_by', c.reversed_by, 'reversed_at', c.reversed_at) ORDER BY c.recovered_on, c.id)
        FROM loan_recoveries c WHERE c.loan_id = loans.id),
    extensions_json = (SELECT json_group_array(json_object('id', c.id, 'old_maturity', c.old_maturity, 'new_maturity', c.new_maturity, 'reason', c.reason,
            'state', c.state, 'proposed_by', c.proposed_by, 'proposed_at', c.proposed_at, 'confirmed_by', c.confirmed_by,
            'confirmed_at', c.confirmed_at, 'rejected_by', c.rejected_by, 'rejected_at', c.rejected_at, 'reject_reason', c.reject_reason) ORDER BY c.id)
        FROM loan_extensions c WHERE c.loan_id = loans.id)
WHERE id IN (SELECT loan_id FROM loan_repayments UNION SELECT loan_id FROM loan_recoveries UNION SELECT loan_id FROM loan_extensions);

-- A child's insert, update (a reversal, an extension's decision) or delete
-- rebuilds its loan's array (an update both loans', were a child moved). The
-- update of loans changes no column in report_loans_update's WHEN (it does
-- not fire); version and updated_at stay, and no audit event is written.
-- +goose StatementBegin
CREATE TRIGGER loans_repayments_json_insert AFTER INSERT ON loan_repayments FOR EACH ROW
BEGIN
    UPDATE loans SET repayments_json = (SELECT json_group_array(json_object('id', c.id, 'principal_fen', c.principal_fen, 'interest_fen', c.interest_fen, 'paid_on', c.paid_on,
            'bank_reference', c.bank_reference, 'recorded_by', c.recorded_by, 'created_at', c.created_at, 'reversed_by', c.reversed_by,
            'reversed_at', c.reversed_at) ORDER BY c.paid_on, c.id)
        FROM loan_repayments c WHERE c.loan_id = loans.id)
    WHERE id IN (new.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_repayments_json_update AFTER UPDATE ON loan_repayments FOR EACH ROW
BEGIN
    UPDATE loans SET repayments_json = (SELECT json_group_array(json_object('id', c.id, 'principal_fen', c.principal_fen, 'interest_fen', c.interest_fen, 'paid_on', c.paid_on,
            'bank_reference', c.bank_reference, 'recorded_by', c.recorded_by, 'created_at', c.created_at, 'reversed_by', c.reversed_by,
            'reversed_at', c.reversed_at) ORDER BY c.paid_on, c.id)
        FROM loan_repayments c WHERE c.loan_id = loans.id)
    WHERE id IN (old.loan_id, new.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_repayments_json_delete AFTER DELETE ON loan_repayments FOR EACH ROW
BEGIN
    UPDATE loans SET repayments_json = (SELECT json_group_array(json_object('id', c.id, 'principal_fen', c.principal_fen, 'interest_fen', c.interest_fen, 'paid_on', c.paid_on,
            'bank_reference', c.bank_reference, 'recorded_by', c.recorded_by, 'created_at', c.created_at, 'reversed_by', c.reversed_by,
            'reversed_at', c.reversed_at) ORDER BY c.paid_on, c.id)
        FROM loan_repayments c WHERE c.loan_id = loans.id)
    WHERE id IN (old.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_recoveries_json_insert AFTER INSERT ON loan_recoveries FOR EACH ROW
BEGIN
    UPDATE loans SET recoveries_json = (SELECT json_group_array(json_object('id', c.id, 'amount_fen', c.amount_fen, 'fund_fen', c.fund_fen, 'bank_fen', c.bank_fen,
            'recovered_on', c.recovered_on, 'note', c.note, 'recorded_by', c.recorded_by, 'created_at', c.created_at,
            'reversed_by', c.reversed_by, 'reversed_at', c.reversed_at) ORDER BY c.recovered_on, c.id)
        FROM loan_recoveries c WHERE c.loan_id = loans.id)
    WHERE id IN (new.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_recoveries_json_update AFTER UPDATE ON loan_recoveries FOR EACH ROW
BEGIN
    UPDATE loans SET recoveries_json = (SELECT json_group_array(json_object('id', c.id, 'amount_fen', c.amount_fen, 'fund_fen', c.fund_fen, 'bank_fen', c.bank_fen,
            'recovered_on', c.recovered_on, 'note', c.note, 'recorded_by', c.recorded_by, 'created_at', c.created_at,
            'reversed_by', c.reversed_by, 'reversed_at', c.reversed_at) ORDER BY c.recovered_on, c.id)
        FROM loan_recoveries c WHERE c.loan_id = loans.id)
    WHERE id IN (old.loan_id, new.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_recoveries_json_delete AFTER DELETE ON loan_recoveries FOR EACH ROW
BEGIN
    UPDATE loans SET recoveries_json = (SELECT json_group_array(json_object('id', c.id, 'amount_fen', c.amount_fen, 'fund_fen', c.fund_fen, 'bank_fen', c.bank_fen,
            'recovered_on', c.recovered_on, 'note', c.note, 'recorded_by', c.recorded_by, 'created_at', c.created_at,
            'reversed_by', c.reversed_by, 'reversed_at', c.reversed_at) ORDER BY c.recovered_on, c.id)
        FROM loan_recoveries c WHERE c.loan_id = loans.id)
    WHERE id IN (old.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_extensions_json_insert AFTER INSERT ON loan_extensions FOR EACH ROW
BEGIN
    UPDATE loans SET extensions_json = (SELECT json_group_array(json_object('id', c.id, 'old_maturity', c.old_maturity, 'new_maturity', c.new_maturity, 'reason', c.reason,
            'state', c.state, 'proposed_by', c.proposed_by, 'proposed_at', c.proposed_at, 'confirmed_by', c.confirmed_by,
            'confirmed_at', c.confirmed_at, 'rejected_by', c.rejected_by, 'rejected_at', c.rejected_at, 'reject_reason', c.reject_reason) ORDER BY c.id)
        FROM loan_extensions c WHERE c.loan_id = loans.id)
    WHERE id IN (new.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_extensions_json_update AFTER UPDATE ON loan_extensions FOR EACH ROW
BEGIN
    UPDATE loans SET extensions_json = (SELECT json_group_array(json_object('id', c.id, 'old_maturity', c.old_maturity, 'new_maturity', c.new_maturity, 'reason', c.reason,
            'state', c.state, 'proposed_by', c.proposed_by, 'proposed_at', c.proposed_at, 'confirmed_by', c.confirmed_by,
            'confirmed_at', c.confirmed_at, 'rejected_by', c.rejected_by, 'rejected_at', c.rejected_at, 'reject_reason', c.reject_reason) ORDER BY c.id)
        FROM loan_extensions c WHERE c.loan_id = loans.id)
    WHERE id IN (old.loan_id, new.loan_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER loans_extensions_json_delete AFTER DELETE ON loan_extensions FOR EACH ROW
BEGIN
    UPDATE loans SET extensions_json = (SELECT json_group_array(json_object('id', c.id, 'old_maturity', c.old_maturity, 'new_maturity', c.new_maturity, 'reason', c.reason,
            'state', c.state, 'proposed_by', c.proposed_by, 'proposed_at', c.proposed_at, 'confirmed_by', c.confirmed_by,
            'confirmed_at', c.confirmed_at, 'rejected_by', c.rejected_by, 'rejected_at', c.rejected_at, 'reject_reason', c.reject_reason) ORDER BY c.id)
        FROM loan_extensions c WHERE c.loan_id = loans.id)
    WHERE id IN (old.loan_id);
END;
-- +goose StatementEnd

-- 00037's flags have no reader left: the arrays replace them.
DROP TRIGGER loans_have_extensions;
DROP TRIGGER loans_have_recoveries;
DROP TRIGGER loans_have_repayments;
ALTER TABLE loans DROP COLUMN has_extensions;
ALTER TABLE loans DROP COLUMN has_recoveries;
ALTER TABLE loans DROP COLUMN has_repayments;

-- +goose Down
-- Back to 00037: its flags, set from the children, and their triggers.
ALTER TABLE loans ADD COLUMN has_repayments BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE loans ADD COLUMN has_recoveries BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE loans ADD COLUMN has_extensions BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE loans SET has_repayments = id IN (SELECT loan_id FROM loan_repayments),
    has_recoveries = id IN (SELECT loan_id FROM loan_recoveries),
    has_extensions = id IN (SELECT loan_id FROM loan_extensions)
WHERE id IN (SELECT loan_id FROM loan_repayments UNION SELECT loan_id FROM loan_recoveries UNION SELECT loan_id FROM loan_extensions);
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
DROP TRIGGER loans_extensions_json_delete;
DROP TRIGGER loans_extensions_json_update;
DROP TRIGGER loans_extensions_json_insert;
DROP TRIGGER loans_recoveries_json_delete;
DROP TRIGGER loans_recoveries_json_update;
DROP TRIGGER loans_recoveries_json_insert;
DROP TRIGGER loans_repayments_json_delete;
DROP TRIGGER loans_repayments_json_update;
DROP TRIGGER loans_repayments_json_insert;
ALTER TABLE loans DROP COLUMN extensions_json;
ALTER TABLE loans DROP COLUMN recoveries_json;
ALTER TABLE loans DROP COLUMN repayments_json;
