-- +goose Up
-- Reports read summary tables that triggers keep in the same transaction as
-- the loan writes they summarise, so no loan code has to remember them and a
-- report never scans the loans. SQLite has row-level triggers only: each
-- loan row adds its contributions (an update takes the old ones back first).

-- Jobs the business created (带动就业) as reported afterwards; `jobs` is the
-- number planned on the application.
ALTER TABLE loans ADD COLUMN jobs_created INTEGER NOT NULL DEFAULT 0 CHECK (jobs_created >= 0);
-- Covering, so the overdue figures of the portfolio are read from the index.
CREATE INDEX loans_overdue_since_idx ON loans (overdue_since, district_code, outstanding_fen) WHERE status = 'overdue';
CREATE INDEX loans_disbursed_on_idx ON loans (bank_code, disbursed_on);

-- Disbursements per day and dimension: dim is district, returnee (district
-- of loans to returning migrant workers), key_group, bank, borrower_type or
-- industry; key is the value. Every loan counts once in each dimension.
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
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_code      TEXT NOT NULL REFERENCES banks (code),
    bank_reference TEXT NOT NULL,
    national_id    TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL DEFAULT '',
    amount_fen     BIGINT NOT NULL,
    disbursed_on   DATE NOT NULL,
    row_number     INTEGER NOT NULL,
    uploaded_by    BIGINT REFERENCES users (id),
    uploaded_at    DATETIME NOT NULL
);
CREATE INDEX reconciliation_lines_bank_idx ON reconciliation_lines (bank_code, disbursed_on);

-- The contributions of loan rows to loan_day_totals, with sign +1 or -1.
-- +goose StatementBegin
CREATE TRIGGER report_loans_insert AFTER INSERT ON loans FOR EACH ROW
BEGIN
    INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, new.disbursed_on, d.key, new.disbursed_year, new.disbursed_month, new.disbursed_quarter,
           1, new.principal_fen, new.jobs, new.jobs_created
    FROM (SELECT 'district' AS dim, new.district_code AS key
          UNION ALL SELECT 'returnee', CASE WHEN new.key_group = 'returning_migrant_worker' THEN new.district_code END
          UNION ALL SELECT 'key_group', new.key_group UNION ALL SELECT 'bank', new.bank_code
          UNION ALL SELECT 'borrower_type', new.borrower_type UNION ALL SELECT 'industry', new.industry
          UNION ALL SELECT 'gender', new.gender
          UNION ALL SELECT 'flag', CASE WHEN new.gender = 'female' THEN 'female' END
          UNION ALL SELECT 'flag', CASE WHEN new.is_disabled THEN 'disabled' END
          UNION ALL SELECT 'flag', CASE WHEN new.is_village_official THEN 'village_official' END
          UNION ALL SELECT 'flag', CASE WHEN new.is_returned_overseas_student THEN 'returned_overseas_student' END) AS d
    WHERE d.key IS NOT NULL
    ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
        jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created;
    INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen,
        fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    SELECT f.day, new.district_code, f.dl, f.df, f.cl, f.cf, f.fp, f.wo, f.ml, f.mp, f.mu
    FROM (SELECT new.disbursed_on AS day, 1 AS dl, new.principal_fen AS df, 0 AS cl, 0 AS cf, 0 AS fp, 0 AS wo, 0 AS ml, 0 AS mp, 0 AS mu
          UNION ALL SELECT new.compensated_on, 0, 0, 1, COALESCE(new.compensation_fen, 0), COALESCE(new.fund_paid_fen, 0), 0, 0, 0, 0
          UNION ALL SELECT new.written_off_on, 0, 0, 0, 0, 0, COALESCE(new.written_off_fen, 0), 0, 0, 0
          UNION ALL SELECT new.maturity_date, 0, 0, 0, 0, 0, 0, 1, new.principal_fen,
                 CASE WHEN new.status IN ('active', 'overdue') THEN new.outstanding_fen
                      ELSE COALESCE(new.compensation_fen, 0) - new.recovered_fen END) AS f
    WHERE f.day IS NOT NULL
    ON CONFLICT (day, district_code) DO UPDATE SET
        disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
        compensated_loans = compensated_loans + excluded.compensated_loans, compensated_fen = compensated_fen + excluded.compensated_fen,
        fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen, written_off_fen = written_off_fen + excluded.written_off_fen,
        matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
        matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER report_loans_update AFTER UPDATE ON loans FOR EACH ROW
WHEN old.status IS NOT new.status
     OR old.district_code IS NOT new.district_code
     OR old.bank_code IS NOT new.bank_code
     OR old.key_group IS NOT new.key_group
     OR old.borrower_type IS NOT new.borrower_type
     OR old.industry IS NOT new.industry
     OR old.jobs IS NOT new.jobs
     OR old.jobs_created IS NOT new.jobs_created
     OR old.principal_fen IS NOT new.principal_fen
     OR old.outstanding_fen IS NOT new.outstanding_fen
     OR old.disbursed_on IS NOT new.disbursed_on
     OR old.maturity_date IS NOT new.maturity_date
     OR old.compensated_on IS NOT new.compensated_on
     OR old.compensation_fen IS NOT new.compensation_fen
     OR old.fund_paid_fen IS NOT new.fund_paid_fen
     OR old.recovered_fen IS NOT new.recovered_fen
     OR old.written_off_on IS NOT new.written_off_on
     OR old.written_off_fen IS NOT new.written_off_fen
BEGIN
    INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, old.disbursed_on, d.key, old.disbursed_year, old.disbursed_month, old.disbursed_quarter,
           -1, -old.principal_fen, -old.jobs, -old.jobs_created
    FROM (SELECT 'district' AS dim, old.district_code AS key
          UNION ALL SELECT 'returnee', CASE WHEN old.key_group = 'returning_migrant_worker' THEN old.district_code END
          UNION ALL SELECT 'key_group', old.key_group UNION ALL SELECT 'bank', old.bank_code
          UNION ALL SELECT 'borrower_type', old.borrower_type UNION ALL SELECT 'industry', old.industry
          UNION ALL SELECT 'gender', old.gender
          UNION ALL SELECT 'flag', CASE WHEN old.gender = 'female' THEN 'female' END
          UNION ALL SELECT 'flag', CASE WHEN old.is_disabled THEN 'disabled' END
          UNION ALL SELECT 'flag', CASE WHEN old.is_village_official THEN 'village_official' END
          UNION ALL SELECT 'flag', CASE WHEN old.is_returned_overseas_student THEN 'returned_overseas_student' END) AS d
    WHERE d.key IS NOT NULL
    ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
        jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created;
    INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen,
        fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    SELECT f.day, old.district_code, -f.dl, -f.df, -f.cl, -f.cf, -f.fp, -f.wo, -f.ml, -f.mp, -f.mu
    FROM (SELECT old.disbursed_on AS day, 1 AS dl, old.principal_fen AS df, 0 AS cl, 0 AS cf, 0 AS fp, 0 AS wo, 0 AS ml, 0 AS mp, 0 AS mu
          UNION ALL SELECT old.compensated_on, 0, 0, 1, COALESCE(old.compensation_fen, 0), COALESCE(old.fund_paid_fen, 0), 0, 0, 0, 0
          UNION ALL SELECT old.written_off_on, 0, 0, 0, 0, 0, COALESCE(old.written_off_fen, 0), 0, 0, 0
          UNION ALL SELECT old.maturity_date, 0, 0, 0, 0, 0, 0, 1, old.principal_fen,
                 CASE WHEN old.status IN ('active', 'overdue') THEN old.outstanding_fen
                      ELSE COALESCE(old.compensation_fen, 0) - old.recovered_fen END) AS f
    WHERE f.day IS NOT NULL
    ON CONFLICT (day, district_code) DO UPDATE SET
        disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
        compensated_loans = compensated_loans + excluded.compensated_loans, compensated_fen = compensated_fen + excluded.compensated_fen,
        fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen, written_off_fen = written_off_fen + excluded.written_off_fen,
        matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
        matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen;
    INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, new.disbursed_on, d.key, new.disbursed_year, new.disbursed_month, new.disbursed_quarter,
           1, new.principal_fen, new.jobs, new.jobs_created
    FROM (SELECT 'district' AS dim, new.district_code AS key
          UNION ALL SELECT 'returnee', CASE WHEN new.key_group = 'returning_migrant_worker' THEN new.district_code END
          UNION ALL SELECT 'key_group', new.key_group UNION ALL SELECT 'bank', new.bank_code
          UNION ALL SELECT 'borrower_type', new.borrower_type UNION ALL SELECT 'industry', new.industry
          UNION ALL SELECT 'gender', new.gender
          UNION ALL SELECT 'flag', CASE WHEN new.gender = 'female' THEN 'female' END
          UNION ALL SELECT 'flag', CASE WHEN new.is_disabled THEN 'disabled' END
          UNION ALL SELECT 'flag', CASE WHEN new.is_village_official THEN 'village_official' END
          UNION ALL SELECT 'flag', CASE WHEN new.is_returned_overseas_student THEN 'returned_overseas_student' END) AS d
    WHERE d.key IS NOT NULL
    ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
        jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created;
    INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen,
        fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    SELECT f.day, new.district_code, f.dl, f.df, f.cl, f.cf, f.fp, f.wo, f.ml, f.mp, f.mu
    FROM (SELECT new.disbursed_on AS day, 1 AS dl, new.principal_fen AS df, 0 AS cl, 0 AS cf, 0 AS fp, 0 AS wo, 0 AS ml, 0 AS mp, 0 AS mu
          UNION ALL SELECT new.compensated_on, 0, 0, 1, COALESCE(new.compensation_fen, 0), COALESCE(new.fund_paid_fen, 0), 0, 0, 0, 0
          UNION ALL SELECT new.written_off_on, 0, 0, 0, 0, 0, COALESCE(new.written_off_fen, 0), 0, 0, 0
          UNION ALL SELECT new.maturity_date, 0, 0, 0, 0, 0, 0, 1, new.principal_fen,
                 CASE WHEN new.status IN ('active', 'overdue') THEN new.outstanding_fen
                      ELSE COALESCE(new.compensation_fen, 0) - new.recovered_fen END) AS f
    WHERE f.day IS NOT NULL
    ON CONFLICT (day, district_code) DO UPDATE SET
        disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
        compensated_loans = compensated_loans + excluded.compensated_loans, compensated_fen = compensated_fen + excluded.compensated_fen,
        fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen, written_off_fen = written_off_fen + excluded.written_off_fen,
        matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
        matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER report_loans_delete AFTER DELETE ON loans FOR EACH ROW
BEGIN
    INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, old.disbursed_on, d.key, old.disbursed_year, old.disbursed_month, old.disbursed_quarter,
           -1, -old.principal_fen, -old.jobs, -old.jobs_created
    FROM (SELECT 'district' AS dim, old.district_code AS key
          UNION ALL SELECT 'returnee', CASE WHEN old.key_group = 'returning_migrant_worker' THEN old.district_code END
          UNION ALL SELECT 'key_group', old.key_group UNION ALL SELECT 'bank', old.bank_code
          UNION ALL SELECT 'borrower_type', old.borrower_type UNION ALL SELECT 'industry', old.industry
          UNION ALL SELECT 'gender', old.gender
          UNION ALL SELECT 'flag', CASE WHEN old.gender = 'female' THEN 'female' END
          UNION ALL SELECT 'flag', CASE WHEN old.is_disabled THEN 'disabled' END
          UNION ALL SELECT 'flag', CASE WHEN old.is_village_official THEN 'village_official' END
          UNION ALL SELECT 'flag', CASE WHEN old.is_returned_overseas_student THEN 'returned_overseas_student' END) AS d
    WHERE d.key IS NOT NULL
    ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
        jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created;
    INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen,
        fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    SELECT f.day, old.district_code, -f.dl, -f.df, -f.cl, -f.cf, -f.fp, -f.wo, -f.ml, -f.mp, -f.mu
    FROM (SELECT old.disbursed_on AS day, 1 AS dl, old.principal_fen AS df, 0 AS cl, 0 AS cf, 0 AS fp, 0 AS wo, 0 AS ml, 0 AS mp, 0 AS mu
          UNION ALL SELECT old.compensated_on, 0, 0, 1, COALESCE(old.compensation_fen, 0), COALESCE(old.fund_paid_fen, 0), 0, 0, 0, 0
          UNION ALL SELECT old.written_off_on, 0, 0, 0, 0, 0, COALESCE(old.written_off_fen, 0), 0, 0, 0
          UNION ALL SELECT old.maturity_date, 0, 0, 0, 0, 0, 0, 1, old.principal_fen,
                 CASE WHEN old.status IN ('active', 'overdue') THEN old.outstanding_fen
                      ELSE COALESCE(old.compensation_fen, 0) - old.recovered_fen END) AS f
    WHERE f.day IS NOT NULL
    ON CONFLICT (day, district_code) DO UPDATE SET
        disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
        compensated_loans = compensated_loans + excluded.compensated_loans, compensated_fen = compensated_fen + excluded.compensated_fen,
        fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen, written_off_fen = written_off_fen + excluded.written_off_fen,
        matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
        matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER report_repayments_insert AFTER INSERT ON loan_repayments FOR EACH ROW
BEGIN
    INSERT INTO portfolio_day_flows (day, district_code, repaid_fen)
    SELECT new.paid_on, district_code, new.principal_fen FROM loans WHERE id = new.loan_id
    ON CONFLICT (day, district_code) DO UPDATE SET repaid_fen = repaid_fen + excluded.repaid_fen;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER report_recoveries_insert AFTER INSERT ON loan_recoveries FOR EACH ROW
BEGIN
    INSERT INTO portfolio_day_flows (day, district_code, recovered_fen)
    SELECT new.recovered_on, district_code, new.amount_fen FROM loans WHERE id = new.loan_id
    ON CONFLICT (day, district_code) DO UPDATE SET recovered_fen = recovered_fen + excluded.recovered_fen;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER report_claims_insert AFTER INSERT ON subsidy_claims FOR EACH ROW
BEGIN
    INSERT INTO portfolio_day_flows (day, district_code, subsidy_claimed_fen, subsidy_paid_fen)
    SELECT f.day, new.district_code, f.claimed, f.paid
    FROM (SELECT CASE WHEN new.status <> 'refused' THEN date(new.claimed_at, '+8 hours') END AS day, new.subsidy_fen AS claimed, 0 AS paid
          UNION ALL SELECT CASE WHEN new.status = 'paid' THEN date(new.paid_at, '+8 hours') END, 0, new.subsidy_fen) AS f
    WHERE f.day IS NOT NULL
    ON CONFLICT (day, district_code) DO UPDATE SET
        subsidy_claimed_fen = subsidy_claimed_fen + excluded.subsidy_claimed_fen,
        subsidy_paid_fen = subsidy_paid_fen + excluded.subsidy_paid_fen;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER report_claims_update AFTER UPDATE ON subsidy_claims FOR EACH ROW
WHEN old.status IS NOT new.status OR old.subsidy_fen IS NOT new.subsidy_fen OR old.claimed_at IS NOT new.claimed_at OR old.paid_at IS NOT new.paid_at OR old.district_code IS NOT new.district_code
BEGIN
    INSERT INTO portfolio_day_flows (day, district_code, subsidy_claimed_fen, subsidy_paid_fen)
    SELECT f.day, old.district_code, -f.claimed, -f.paid
    FROM (SELECT CASE WHEN old.status <> 'refused' THEN date(old.claimed_at, '+8 hours') END AS day, old.subsidy_fen AS claimed, 0 AS paid
          UNION ALL SELECT CASE WHEN old.status = 'paid' THEN date(old.paid_at, '+8 hours') END, 0, old.subsidy_fen) AS f
    WHERE f.day IS NOT NULL
    ON CONFLICT (day, district_code) DO UPDATE SET
        subsidy_claimed_fen = subsidy_claimed_fen + excluded.subsidy_claimed_fen,
        subsidy_paid_fen = subsidy_paid_fen + excluded.subsidy_paid_fen;
    INSERT INTO portfolio_day_flows (day, district_code, subsidy_claimed_fen, subsidy_paid_fen)
    SELECT f.day, new.district_code, f.claimed, f.paid
    FROM (SELECT CASE WHEN new.status <> 'refused' THEN date(new.claimed_at, '+8 hours') END AS day, new.subsidy_fen AS claimed, 0 AS paid
          UNION ALL SELECT CASE WHEN new.status = 'paid' THEN date(new.paid_at, '+8 hours') END, 0, new.subsidy_fen) AS f
    WHERE f.day IS NOT NULL
    ON CONFLICT (day, district_code) DO UPDATE SET
        subsidy_claimed_fen = subsidy_claimed_fen + excluded.subsidy_claimed_fen,
        subsidy_paid_fen = subsidy_paid_fen + excluded.subsidy_paid_fen;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER report_claims_update;
DROP TRIGGER report_claims_insert;
DROP TRIGGER report_recoveries_insert;
DROP TRIGGER report_repayments_insert;
DROP TRIGGER report_loans_delete;
DROP TRIGGER report_loans_update;
DROP TRIGGER report_loans_insert;
DROP TABLE reconciliation_lines;
DROP TABLE portfolio_day_flows;
DROP TABLE loan_day_totals;
DROP INDEX loans_disbursed_on_idx;
DROP INDEX loans_overdue_since_idx;
ALTER TABLE loans DROP COLUMN jobs_created;
