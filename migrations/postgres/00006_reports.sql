-- +goose Up
-- Reports read summary tables that triggers keep in the same transaction as
-- the loan writes they summarise, so no loan code has to remember them and a
-- report never scans the loans. Statement-level triggers with transition
-- tables fold a whole multi-row INSERT or UPDATE into one upsert per bucket.

-- Jobs the business created (带动就业) as reported afterwards; `jobs` is the
-- number planned on the application.
ALTER TABLE loans ADD COLUMN jobs_created INTEGER NOT NULL DEFAULT 0 CHECK (jobs_created >= 0);
-- Covering, so the overdue figures of the portfolio are read from the index.
CREATE INDEX loans_overdue_since_idx ON loans (overdue_since, district_code, outstanding_fen) WHERE status = 'overdue';
CREATE INDEX loans_disbursed_on_idx ON loans (bank_code, disbursed_on);

-- Disbursements per day and dimension: dim is district, returnee (district
-- of loans to returning migrant workers), key_group, bank, borrower_type,
-- industry or gender; key is the value. dim flag counts each loan under
-- every reporting flag it carries (female, disabled, village_official,
-- returned_overseas_student), so its rows do not add up to the total. Every loan counts once in each dimension.
CREATE TABLE loan_day_totals (
    dim          TEXT NOT NULL,
    day          DATE NOT NULL,
    key          TEXT NOT NULL,
    year         INTEGER NOT NULL,
    month        INTEGER NOT NULL,
    quarter      INTEGER NOT NULL,
    loans        BIGINT NOT NULL,
    amount_fen   BIGINT NOT NULL,
    jobs_planned BIGINT NOT NULL,
    jobs_created BIGINT NOT NULL,
    PRIMARY KEY (dim, day, key)
);

-- Money flows of the portfolio per day (the day each event happened) and
-- district: the position on any day is the sum of the flows up to it.
-- matured_* are booked on the maturity date: the principal of the loans
-- maturing that day and what of it is still unpaid (open balance, or
-- compensation not recovered).
CREATE TABLE portfolio_day_flows (
    day                   DATE NOT NULL,
    district_code         TEXT NOT NULL,
    disbursed_loans       BIGINT NOT NULL DEFAULT 0,
    disbursed_fen         BIGINT NOT NULL DEFAULT 0,
    repaid_fen            BIGINT NOT NULL DEFAULT 0,
    compensated_loans     BIGINT NOT NULL DEFAULT 0,
    compensated_fen       BIGINT NOT NULL DEFAULT 0,
    fund_paid_fen         BIGINT NOT NULL DEFAULT 0,
    recovered_fen         BIGINT NOT NULL DEFAULT 0,
    written_off_fen       BIGINT NOT NULL DEFAULT 0,
    matured_loans         BIGINT NOT NULL DEFAULT 0,
    matured_principal_fen BIGINT NOT NULL DEFAULT 0,
    matured_unpaid_fen    BIGINT NOT NULL DEFAULT 0,
    subsidy_claimed_fen   BIGINT NOT NULL DEFAULT 0,
    subsidy_paid_fen      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, district_code)
);

-- A bank's disbursement list, uploaded for reconciliation. A new upload of
-- a bank replaces its lines inside the upload's period.
CREATE TABLE reconciliation_lines (
    id             BIGSERIAL PRIMARY KEY,
    bank_code      TEXT NOT NULL REFERENCES banks (code),
    bank_reference TEXT NOT NULL,
    national_id    TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL DEFAULT '',
    amount_fen     BIGINT NOT NULL,
    disbursed_on   DATE NOT NULL,
    row_number     INTEGER NOT NULL,
    uploaded_by    BIGINT REFERENCES users (id),
    uploaded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX reconciliation_lines_bank_idx ON reconciliation_lines (bank_code, disbursed_on);

-- The contributions of loan rows to loan_day_totals, with sign +1 or -1.
-- +goose StatementBegin
-- Upserts go in key order, so that concurrent writers lock summary rows in
-- the same order and never deadlock.
-- The statements that add the contributions of the loan rows src (a
-- transition table or a query over one) with sign +1 or -1. Transition
-- tables are visible only to the trigger function itself, which therefore
-- executes them.
CREATE FUNCTION report_loan_totals_sql(sign INTEGER, src TEXT) RETURNS TEXT[] LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN ARRAY[format($q$
    INSERT INTO loan_day_totals AS t (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, l.disbursed_on, d.key, l.disbursed_year, l.disbursed_month, l.disbursed_quarter,
           %2$s * COUNT(*), %2$s * SUM(l.principal_fen), %2$s * SUM(l.jobs), %2$s * SUM(l.jobs_created)
    FROM %1$s AS l
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
    WHERE d.key IS NOT NULL
    GROUP BY d.dim, l.disbursed_on, d.key, l.disbursed_year, l.disbursed_month, l.disbursed_quarter
    ORDER BY d.dim, l.disbursed_on, d.key
    ON CONFLICT (dim, day, key) DO UPDATE SET
        loans = t.loans + EXCLUDED.loans,
        amount_fen = t.amount_fen + EXCLUDED.amount_fen,
        jobs_planned = t.jobs_planned + EXCLUDED.jobs_planned,
        jobs_created = t.jobs_created + EXCLUDED.jobs_created
    $q$, src, sign),
    format($q$
    INSERT INTO portfolio_day_flows AS t (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen,
        fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    SELECT f.day, f.district_code, %2$s * SUM(f.disbursed_loans), %2$s * SUM(f.disbursed_fen), %2$s * SUM(f.compensated_loans),
           %2$s * SUM(f.compensated_fen), %2$s * SUM(f.fund_paid_fen), %2$s * SUM(f.written_off_fen),
           %2$s * SUM(f.matured_loans), %2$s * SUM(f.matured_principal_fen), %2$s * SUM(f.matured_unpaid_fen)
    FROM %1$s AS l
    CROSS JOIN LATERAL (VALUES
        (l.disbursed_on, l.district_code, 1, l.principal_fen, 0, 0::BIGINT, 0::BIGINT, 0::BIGINT, 0, 0::BIGINT, 0::BIGINT),
        (l.compensated_on, l.district_code, 0, 0, 1, COALESCE(l.compensation_fen, 0), COALESCE(l.fund_paid_fen, 0), 0, 0, 0, 0),
        (l.written_off_on, l.district_code, 0, 0, 0, 0, 0, COALESCE(l.written_off_fen, 0), 0, 0, 0),
        (l.maturity_date, l.district_code, 0, 0, 0, 0, 0, 0, 1, l.principal_fen,
            CASE WHEN l.status IN ('active', 'overdue') THEN l.outstanding_fen
                 ELSE COALESCE(l.compensation_fen, 0) - l.recovered_fen END))
        AS f (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen, fund_paid_fen,
              written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    WHERE f.day IS NOT NULL
    GROUP BY f.day, f.district_code
    ORDER BY f.day, f.district_code
    ON CONFLICT (day, district_code) DO UPDATE SET
        disbursed_loans = t.disbursed_loans + EXCLUDED.disbursed_loans,
        disbursed_fen = t.disbursed_fen + EXCLUDED.disbursed_fen,
        compensated_loans = t.compensated_loans + EXCLUDED.compensated_loans,
        compensated_fen = t.compensated_fen + EXCLUDED.compensated_fen,
        fund_paid_fen = t.fund_paid_fen + EXCLUDED.fund_paid_fen,
        written_off_fen = t.written_off_fen + EXCLUDED.written_off_fen,
        matured_loans = t.matured_loans + EXCLUDED.matured_loans,
        matured_principal_fen = t.matured_principal_fen + EXCLUDED.matured_principal_fen,
        matured_unpaid_fen = t.matured_unpaid_fen + EXCLUDED.matured_unpaid_fen
    $q$, src, sign)];
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_loans_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    q TEXT;
BEGIN
    FOREACH q IN ARRAY report_loan_totals_sql(1, 'new_rows') LOOP
        EXECUTE q;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Only rows whose summarised columns changed are booked again: the daily
-- job touches every open loan and must not churn the summaries.
-- +goose StatementBegin
CREATE FUNCTION report_loans_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed CONSTANT TEXT := $c$
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.status, o.district_code, o.bank_code, o.key_group, o.borrower_type, o.industry, o.jobs, o.jobs_created,
               o.principal_fen, o.outstanding_fen, o.disbursed_on, o.maturity_date, o.compensated_on, o.compensation_fen,
               o.fund_paid_fen, o.recovered_fen, o.written_off_on, o.written_off_fen)
              IS DISTINCT FROM
              (n.status, n.district_code, n.bank_code, n.key_group, n.borrower_type, n.industry, n.jobs, n.jobs_created,
               n.principal_fen, n.outstanding_fen, n.disbursed_on, n.maturity_date, n.compensated_on, n.compensation_fen,
               n.fund_paid_fen, n.recovered_fen, n.written_off_on, n.written_off_fen)$c$;
    q TEXT;
BEGIN
    FOREACH q IN ARRAY report_loan_totals_sql(-1, '(SELECT o.* ' || changed || ')') || report_loan_totals_sql(1, '(SELECT n.* ' || changed || ')') LOOP
        EXECUTE q;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_loans_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    q TEXT;
BEGIN
    FOREACH q IN ARRAY report_loan_totals_sql(-1, 'old_rows') LOOP
        EXECUTE q;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER report_loans_insert AFTER INSERT ON loans REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_loans_inserted();
CREATE TRIGGER report_loans_update AFTER UPDATE ON loans REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_loans_updated();
CREATE TRIGGER report_loans_delete AFTER DELETE ON loans REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_loans_deleted();

-- Repayments and recoveries are booked on the day they happened.
-- +goose StatementBegin
CREATE FUNCTION report_repayments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portfolio_day_flows AS t (day, district_code, repaid_fen)
    SELECT r.paid_on, l.district_code, SUM(r.principal_fen)
    FROM new_rows r JOIN loans l ON l.id = r.loan_id
    GROUP BY r.paid_on, l.district_code
    ORDER BY r.paid_on, l.district_code
    ON CONFLICT (day, district_code) DO UPDATE SET repaid_fen = t.repaid_fen + EXCLUDED.repaid_fen;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_recoveries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portfolio_day_flows AS t (day, district_code, recovered_fen)
    SELECT r.recovered_on, l.district_code, SUM(r.amount_fen)
    FROM new_rows r JOIN loans l ON l.id = r.loan_id
    GROUP BY r.recovered_on, l.district_code
    ORDER BY r.recovered_on, l.district_code
    ON CONFLICT (day, district_code) DO UPDATE SET recovered_fen = t.recovered_fen + EXCLUDED.recovered_fen;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER report_repayments_insert AFTER INSERT ON loan_repayments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_repayments_inserted();
CREATE TRIGGER report_recoveries_insert AFTER INSERT ON loan_recoveries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_recoveries_inserted();

-- Subsidy: claimed on the (Beijing) day of the claim unless refused; paid on
-- the day of payment.
-- +goose StatementBegin
CREATE FUNCTION report_claims_sql(sign INTEGER, src TEXT) RETURNS TEXT[] LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN ARRAY[format($q$
    INSERT INTO portfolio_day_flows AS t (day, district_code, subsidy_claimed_fen, subsidy_paid_fen)
    SELECT f.day, f.district_code, %2$s * SUM(f.claimed), %2$s * SUM(f.paid)
    FROM %1$s AS c
    CROSS JOIN LATERAL (VALUES
        (CASE WHEN c.status <> 'refused' THEN (c.claimed_at AT TIME ZONE 'UTC' + INTERVAL '8 hours')::date END, c.district_code, c.subsidy_fen, 0::BIGINT),
        (CASE WHEN c.status = 'paid' THEN (c.paid_at AT TIME ZONE 'UTC' + INTERVAL '8 hours')::date END, c.district_code, 0, c.subsidy_fen))
        AS f (day, district_code, claimed, paid)
    WHERE f.day IS NOT NULL
    GROUP BY f.day, f.district_code
    ORDER BY f.day, f.district_code
    ON CONFLICT (day, district_code) DO UPDATE SET
        subsidy_claimed_fen = t.subsidy_claimed_fen + EXCLUDED.subsidy_claimed_fen,
        subsidy_paid_fen = t.subsidy_paid_fen + EXCLUDED.subsidy_paid_fen
    $q$, src, sign)];
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_claims_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    q TEXT;
BEGIN
    FOREACH q IN ARRAY report_claims_sql(1, 'new_rows') LOOP
        EXECUTE q;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_claims_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed CONSTANT TEXT := $c$
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.status, o.subsidy_fen, o.claimed_at, o.paid_at, o.district_code)
              IS DISTINCT FROM (n.status, n.subsidy_fen, n.claimed_at, n.paid_at, n.district_code)$c$;
    q TEXT;
BEGIN
    FOREACH q IN ARRAY report_claims_sql(-1, '(SELECT o.* ' || changed || ')') || report_claims_sql(1, '(SELECT n.* ' || changed || ')') LOOP
        EXECUTE q;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER report_claims_insert AFTER INSERT ON subsidy_claims REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_claims_inserted();
CREATE TRIGGER report_claims_update AFTER UPDATE ON subsidy_claims REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_claims_updated();

-- +goose Down
DROP TRIGGER report_claims_update ON subsidy_claims;
DROP TRIGGER report_claims_insert ON subsidy_claims;
DROP TRIGGER report_recoveries_insert ON loan_recoveries;
DROP TRIGGER report_repayments_insert ON loan_repayments;
DROP TRIGGER report_loans_delete ON loans;
DROP TRIGGER report_loans_update ON loans;
DROP TRIGGER report_loans_insert ON loans;
DROP FUNCTION report_claims_updated();
DROP FUNCTION report_claims_inserted();
DROP FUNCTION report_claims_sql(INTEGER, TEXT);
DROP FUNCTION report_recoveries_inserted();
DROP FUNCTION report_repayments_inserted();
DROP FUNCTION report_loans_deleted();
DROP FUNCTION report_loans_updated();
DROP FUNCTION report_loans_inserted();
DROP FUNCTION report_loan_totals_sql(INTEGER, TEXT);
DROP TABLE reconciliation_lines;
DROP TABLE portfolio_day_flows;
DROP TABLE loan_day_totals;
DROP INDEX loans_disbursed_on_idx;
DROP INDEX loans_overdue_since_idx;
ALTER TABLE loans DROP COLUMN jobs_created;
