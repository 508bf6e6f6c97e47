-- +goose Up
-- Reversal of a disbursement (冲正放款; issue 18): a confirmed reversal
-- cancels the loan (status cancelled; it stays, with its number) and the
-- application goes back to approved, so the bank disburses it again with the
-- right figures. One loan per application and one disbursement per bank
-- reference now hold among the loans that are not cancelled, so the new
-- disbursement may carry the same reference.
ALTER TABLE loans DROP CONSTRAINT loans_status_check;
ALTER TABLE loans ADD CONSTRAINT loans_status_check
    CHECK (status IN ('active', 'overdue', 'settled', 'compensated', 'written_off', 'cancelled'));
ALTER TABLE loans DROP CONSTRAINT loans_application_id_key;
ALTER TABLE loans DROP CONSTRAINT loans_bank_code_bank_reference_key;
CREATE UNIQUE INDEX loans_application_live_idx ON loans (application_id) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX loans_bank_reference_live_idx ON loans (bank_code, bank_reference) WHERE status <> 'cancelled';

-- The summaries follow the cancellation on the reversal's own day, so a
-- closed month keeps its figures. The loan's update (status cancelled, its
-- other columns unchanged) gives its disbursement back to the same day through
-- report_loans_update and takes what it still owed off its maturity day; this
-- puts that back there, and books the loan, its principal and its jobs
-- negative on posted_on (a maturity still to come is taken off that day
-- instead: the loan never matures).
-- +goose StatementBegin
CREATE FUNCTION report_disbursement_reversals_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO loan_day_totals AS t (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, NEW.posted_on, d.key, EXTRACT(YEAR FROM NEW.posted_on)::INTEGER, EXTRACT(MONTH FROM NEW.posted_on)::INTEGER,
           EXTRACT(QUARTER FROM NEW.posted_on)::INTEGER, -1, -l.principal_fen, -l.jobs, -l.jobs_created
    FROM loans AS l
    CROSS JOIN LATERAL (VALUES
        ('district', l.district_code),
        ('returnee', CASE WHEN l.key_group = 'returning_migrant_worker' THEN l.district_code END),
        ('key_group', l.key_group),
        ('bank', l.bank_code),
        ('borrower_type', l.borrower_type),
        ('industry', l.industry),
        ('gender', l.gender),
        ('flag', CASE WHEN l.gender = 'female' THEN 'female' END),
        ('flag', CASE WHEN l.is_disabled THEN 'disabled' END),
        ('flag', CASE WHEN l.is_village_official THEN 'village_official' END),
        ('flag', CASE WHEN l.is_returned_overseas_student THEN 'returned_overseas_student' END)) AS d (dim, key)
    WHERE l.id = NEW.loan_id AND d.key IS NOT NULL
    ORDER BY d.dim, d.key
    ON CONFLICT (dim, day, key) DO UPDATE SET
        loans = t.loans + EXCLUDED.loans,
        amount_fen = t.amount_fen + EXCLUDED.amount_fen,
        jobs_planned = t.jobs_planned + EXCLUDED.jobs_planned,
        jobs_created = t.jobs_created + EXCLUDED.jobs_created;
    INSERT INTO portfolio_day_flows AS t (day, district_code, disbursed_loans, disbursed_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    SELECT f.day, NEW.district_code, SUM(f.dl), SUM(f.df), SUM(f.ml), SUM(f.mp), SUM(f.mu)
    FROM loans AS l
    CROSS JOIN LATERAL (VALUES
        (NEW.posted_on, -1, -NEW.amount_fen, 0, 0::BIGINT, 0::BIGINT),
        (l.maturity_date, 0, 0::BIGINT, 0, 0::BIGINT, NEW.amount_fen),
        (GREATEST(l.maturity_date, NEW.posted_on), 0, 0::BIGINT, -1, -NEW.amount_fen, -NEW.amount_fen)) AS f (day, dl, df, ml, mp, mu)
    WHERE l.id = NEW.loan_id
    GROUP BY f.day
    ORDER BY f.day
    ON CONFLICT (day, district_code) DO UPDATE SET
        disbursed_loans = t.disbursed_loans + EXCLUDED.disbursed_loans,
        disbursed_fen = t.disbursed_fen + EXCLUDED.disbursed_fen,
        matured_loans = t.matured_loans + EXCLUDED.matured_loans,
        matured_principal_fen = t.matured_principal_fen + EXCLUDED.matured_principal_fen,
        matured_unpaid_fen = t.matured_unpaid_fen + EXCLUDED.matured_unpaid_fen;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER report_disbursement_reversals_confirm AFTER UPDATE ON reversals FOR EACH ROW
    WHEN (OLD.status = 'proposed' AND NEW.status = 'confirmed' AND NEW.kind = 'disbursement')
    EXECUTE FUNCTION report_disbursement_reversals_confirmed();

-- +goose Down
-- Fails while a loan is cancelled.
DROP TRIGGER report_disbursement_reversals_confirm ON reversals;
DROP FUNCTION report_disbursement_reversals_confirmed();
DROP INDEX loans_bank_reference_live_idx;
DROP INDEX loans_application_live_idx;
ALTER TABLE loans ADD CONSTRAINT loans_bank_code_bank_reference_key UNIQUE (bank_code, bank_reference);
ALTER TABLE loans ADD CONSTRAINT loans_application_id_key UNIQUE (application_id);
ALTER TABLE loans DROP CONSTRAINT loans_status_check;
ALTER TABLE loans ADD CONSTRAINT loans_status_check
    CHECK (status IN ('active', 'overdue', 'settled', 'compensated', 'written_off'));
