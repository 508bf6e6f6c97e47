-- +goose Up
-- Reversal of a disbursement (冲正放款; issue 18): a confirmed reversal
-- cancels the loan (status cancelled; it stays, with its number) and the
-- application goes back to approved, so the bank disburses it again with the
-- right figures. One loan per application and one disbursement per bank
-- reference now hold among the loans that are not cancelled, so the new
-- disbursement may carry the same reference.
--
-- SQLite changes no CHECK or UNIQUE in place: the table is rebuilt with every
-- column the earlier migrations gave it (00004 00006 00016 00018 00019 00020
-- 00025), and every index and trigger recreated as they were (00004 00006
-- 00013 00019). As in 00026, the rows wait in loans_copy while the table is
-- dropped and made again under its own name, so that the tables referring to
-- it keep their references (deferred foreign keys, checked at the commit);
-- the triggers are made after the rows are back, so the summaries do not
-- count them twice.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE loans_copy AS SELECT * FROM loans;
CREATE TABLE loans_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'loans';
DROP TABLE loans;
CREATE TABLE loans (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    number                 TEXT NOT NULL UNIQUE,
    application_id         BIGINT REFERENCES applications (id),
    external_ref           TEXT UNIQUE,
    status                 TEXT NOT NULL CHECK (status IN ('active', 'overdue', 'settled', 'compensated', 'written_off', 'cancelled')),
    version                INTEGER NOT NULL CHECK (version > 0),
    borrower_id            BIGINT REFERENCES users (id),
    name                   TEXT NOT NULL,
    national_id            TEXT NOT NULL,
    gender                 TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    is_disabled            BOOLEAN NOT NULL DEFAULT 0,
    is_village_official    BOOLEAN NOT NULL DEFAULT 0,
    is_returned_overseas_student BOOLEAN NOT NULL DEFAULT 0,
    key_group              TEXT NOT NULL DEFAULT '',
    borrower_type          TEXT NOT NULL CHECK (borrower_type IN ('individual', 'partnership', 'enterprise')),
    industry               TEXT NOT NULL DEFAULT '',
    jobs                   INTEGER NOT NULL DEFAULT 0 CHECK (jobs >= 0),
    district_code          TEXT NOT NULL REFERENCES districts (code),
    bank_code              TEXT NOT NULL REFERENCES banks (code),
    principal_fen          BIGINT NOT NULL CHECK (principal_fen > 0),
    outstanding_fen        BIGINT NOT NULL CHECK (outstanding_fen >= 0 AND outstanding_fen <= principal_fen),
    annual_rate_ppm        BIGINT NOT NULL CHECK (annual_rate_ppm > 0),
    subsidy_rate_ppm       BIGINT NOT NULL CHECK (subsidy_rate_ppm >= 0),
    borrower_rate_ppm      BIGINT NOT NULL CHECK (borrower_rate_ppm >= 0),
    subsidy_cap_fen        BIGINT NOT NULL CHECK (subsidy_cap_fen >= 0),
    term_months            INTEGER NOT NULL CHECK (term_months > 0),
    repayment_method       TEXT NOT NULL CHECK (repayment_method IN ('quarterly_interest', 'equal_principal')),
    disbursed_on           DATE NOT NULL,
    disbursed_year         INTEGER NOT NULL,
    disbursed_month        INTEGER NOT NULL CHECK (disbursed_month BETWEEN 1 AND 12),
    disbursed_quarter      INTEGER NOT NULL CHECK (disbursed_quarter BETWEEN 1 AND 4),
    maturity_date          DATE NOT NULL,
    bank_reference         TEXT,
    disbursed_by           BIGINT REFERENCES users (id),
    days_overdue           INTEGER NOT NULL DEFAULT 0 CHECK (days_overdue >= 0),
    overdue_since          DATE,
    ever_overdue           BOOLEAN NOT NULL DEFAULT 0,
    checked_on             DATE,
    settled_on             DATE,
    compensated_on         DATE,
    compensation_fen       BIGINT CHECK (compensation_fen >= 0),
    fund_share_ppm         BIGINT,
    fund_paid_fen          BIGINT,
    bank_borne_fen         BIGINT,
    compensated_by         BIGINT REFERENCES users (id),
    recovered_fen          BIGINT NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    write_off_proposed_by  BIGINT REFERENCES users (id),
    write_off_proposed_at  DATETIME,
    write_off_reason       TEXT,
    write_off_confirmed_by BIGINT REFERENCES users (id),
    written_off_on         DATE,
    written_off_fen        BIGINT,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL,
    jobs_created           INTEGER NOT NULL DEFAULT 0 CHECK (jobs_created >= 0),
    subsidy_method         TEXT NOT NULL DEFAULT 'share' CHECK (subsidy_method IN ('none', 'share', 'lpr_minus')),
    subsidy_regime_from    DATE,
    subsidy_central_ppm    BIGINT,
    subsidy_provincial_ppm BIGINT,
    subsidy_city_ppm       BIGINT,
    subsidy_county_ppm     BIGINT,
    national_id_hash       TEXT,
    recovered_fund_fen     BIGINT NOT NULL DEFAULT 0 CHECK (recovered_fund_fen >= 0),
    written_off_fund_fen   BIGINT CHECK (written_off_fund_fen >= 0),
    original_maturity_date DATE,
    CHECK (recovered_fen <= COALESCE(compensation_fen, 0))
);
INSERT INTO loans (id, number, application_id, external_ref, status, version, borrower_id, name, national_id, gender, is_disabled, is_village_official, is_returned_overseas_student, key_group, borrower_type, industry, jobs, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, bank_reference, disbursed_by, days_overdue, overdue_since, ever_overdue, checked_on, settled_on, compensated_on, compensation_fen, fund_share_ppm, fund_paid_fen, bank_borne_fen, compensated_by, recovered_fen, write_off_proposed_by, write_off_proposed_at, write_off_reason, write_off_confirmed_by, written_off_on, written_off_fen, created_at, updated_at, jobs_created, subsidy_method, subsidy_regime_from, subsidy_central_ppm, subsidy_provincial_ppm, subsidy_city_ppm, subsidy_county_ppm, national_id_hash, recovered_fund_fen, written_off_fund_fen, original_maturity_date)
SELECT id, number, application_id, external_ref, status, version, borrower_id, name, national_id, gender, is_disabled, is_village_official, is_returned_overseas_student, key_group, borrower_type, industry, jobs, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, bank_reference, disbursed_by, days_overdue, overdue_since, ever_overdue, checked_on, settled_on, compensated_on, compensation_fen, fund_share_ppm, fund_paid_fen, bank_borne_fen, compensated_by, recovered_fen, write_off_proposed_by, write_off_proposed_at, write_off_reason, write_off_confirmed_by, written_off_on, written_off_fen, created_at, updated_at, jobs_created, subsidy_method, subsidy_regime_from, subsidy_central_ppm, subsidy_provincial_ppm, subsidy_city_ppm, subsidy_county_ppm, national_id_hash, recovered_fund_fen, written_off_fund_fen, original_maturity_date FROM loans_copy ORDER BY id;
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM loans_seq), 0)) WHERE name = 'loans';
DROP TABLE loans_copy;
DROP TABLE loans_seq;
CREATE INDEX loans_borrower_idx ON loans (borrower_id, id);
CREATE INDEX loans_district_idx ON loans (district_code, status);
CREATE INDEX loans_bank_idx ON loans (bank_code, status);
CREATE INDEX loans_status_idx ON loans (status);
CREATE INDEX loans_disbursed_idx ON loans (disbursed_year, disbursed_month);
CREATE INDEX loans_overdue_since_idx ON loans (overdue_since, district_code, outstanding_fen) WHERE status = 'overdue';
CREATE INDEX loans_disbursed_on_idx ON loans (bank_code, disbursed_on);
CREATE INDEX loans_number_prefix_idx ON loans (number COLLATE NOCASE);
CREATE INDEX loans_name_prefix_idx ON loans (name COLLATE NOCASE);
CREATE INDEX loans_bank_reference_idx ON loans (bank_reference);
CREATE INDEX loans_national_id_hash_idx ON loans (national_id_hash);
-- One loan per application and one disbursement per bank reference, among
-- the loans that stand: a cancelled loan's application is disbursed again,
-- maybe under the same reference.
CREATE UNIQUE INDEX loans_application_live_idx ON loans (application_id) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX loans_bank_reference_live_idx ON loans (bank_code, bank_reference) WHERE status <> 'cancelled';
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

-- The summaries follow the cancellation on the reversal's own day, so a
-- closed month keeps its figures. The loan's update (status cancelled, its
-- other columns unchanged) gives its disbursement back to the same day through
-- report_loans_update and takes what it still owed off its maturity day; this
-- puts that back there, and books the loan, its principal and its jobs
-- negative on posted_on (a maturity still to come is taken off that day
-- instead: the loan never matures).
-- +goose StatementBegin
CREATE TRIGGER report_disbursement_reversals_confirm AFTER UPDATE ON reversals FOR EACH ROW
WHEN old.status = 'proposed' AND new.status = 'confirmed' AND new.kind = 'disbursement'
BEGIN
    INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, new.posted_on, d.key, CAST(strftime('%Y', new.posted_on) AS INTEGER), CAST(strftime('%m', new.posted_on) AS INTEGER),
           (CAST(strftime('%m', new.posted_on) AS INTEGER) + 2) / 3, -1, -l.principal_fen, -l.jobs, -l.jobs_created
    FROM loans AS l
    JOIN (SELECT 'district' AS dim, district_code AS key FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'returnee', CASE WHEN key_group = 'returning_migrant_worker' THEN district_code END FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'key_group', key_group FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'bank', bank_code FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'borrower_type', borrower_type FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'industry', industry FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'gender', gender FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'flag', CASE WHEN gender = 'female' THEN 'female' END FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'flag', CASE WHEN is_disabled THEN 'disabled' END FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'flag', CASE WHEN is_village_official THEN 'village_official' END FROM loans WHERE id = new.loan_id
          UNION ALL SELECT 'flag', CASE WHEN is_returned_overseas_student THEN 'returned_overseas_student' END FROM loans WHERE id = new.loan_id) AS d
    WHERE l.id = new.loan_id AND d.key IS NOT NULL
    ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
        jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created;
    INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
    SELECT f.day, new.district_code, SUM(f.dl), SUM(f.df), SUM(f.ml), SUM(f.mp), SUM(f.mu)
    FROM (SELECT new.posted_on AS day, -1 AS dl, -new.amount_fen AS df, 0 AS ml, 0 AS mp, 0 AS mu
          UNION ALL SELECT maturity_date, 0, 0, 0, 0, new.amount_fen FROM loans WHERE id = new.loan_id
          UNION ALL SELECT MAX(maturity_date, new.posted_on), 0, 0, -1, -new.amount_fen, -new.amount_fen FROM loans WHERE id = new.loan_id) AS f
    GROUP BY f.day
    ON CONFLICT (day, district_code) DO UPDATE SET
        disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
        matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
        matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen;
END;
-- +goose StatementEnd

-- +goose Down
-- Fails while a loan is cancelled.
DROP TRIGGER report_disbursement_reversals_confirm;
PRAGMA defer_foreign_keys = ON;
CREATE TABLE loans_copy AS SELECT * FROM loans;
CREATE TABLE loans_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'loans';
DROP TABLE loans;
CREATE TABLE loans (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    number                 TEXT NOT NULL UNIQUE,
    application_id         BIGINT UNIQUE REFERENCES applications (id),
    external_ref           TEXT UNIQUE,
    status                 TEXT NOT NULL CHECK (status IN ('active', 'overdue', 'settled', 'compensated', 'written_off')),
    version                INTEGER NOT NULL CHECK (version > 0),
    borrower_id            BIGINT REFERENCES users (id),
    name                   TEXT NOT NULL,
    national_id            TEXT NOT NULL,
    gender                 TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    is_disabled            BOOLEAN NOT NULL DEFAULT 0,
    is_village_official    BOOLEAN NOT NULL DEFAULT 0,
    is_returned_overseas_student BOOLEAN NOT NULL DEFAULT 0,
    key_group              TEXT NOT NULL DEFAULT '',
    borrower_type          TEXT NOT NULL CHECK (borrower_type IN ('individual', 'partnership', 'enterprise')),
    industry               TEXT NOT NULL DEFAULT '',
    jobs                   INTEGER NOT NULL DEFAULT 0 CHECK (jobs >= 0),
    district_code          TEXT NOT NULL REFERENCES districts (code),
    bank_code              TEXT NOT NULL REFERENCES banks (code),
    principal_fen          BIGINT NOT NULL CHECK (principal_fen > 0),
    outstanding_fen        BIGINT NOT NULL CHECK (outstanding_fen >= 0 AND outstanding_fen <= principal_fen),
    annual_rate_ppm        BIGINT NOT NULL CHECK (annual_rate_ppm > 0),
    subsidy_rate_ppm       BIGINT NOT NULL CHECK (subsidy_rate_ppm >= 0),
    borrower_rate_ppm      BIGINT NOT NULL CHECK (borrower_rate_ppm >= 0),
    subsidy_cap_fen        BIGINT NOT NULL CHECK (subsidy_cap_fen >= 0),
    term_months            INTEGER NOT NULL CHECK (term_months > 0),
    repayment_method       TEXT NOT NULL CHECK (repayment_method IN ('quarterly_interest', 'equal_principal')),
    disbursed_on           DATE NOT NULL,
    disbursed_year         INTEGER NOT NULL,
    disbursed_month        INTEGER NOT NULL CHECK (disbursed_month BETWEEN 1 AND 12),
    disbursed_quarter      INTEGER NOT NULL CHECK (disbursed_quarter BETWEEN 1 AND 4),
    maturity_date          DATE NOT NULL,
    bank_reference         TEXT,
    disbursed_by           BIGINT REFERENCES users (id),
    days_overdue           INTEGER NOT NULL DEFAULT 0 CHECK (days_overdue >= 0),
    overdue_since          DATE,
    ever_overdue           BOOLEAN NOT NULL DEFAULT 0,
    checked_on             DATE,
    settled_on             DATE,
    compensated_on         DATE,
    compensation_fen       BIGINT CHECK (compensation_fen >= 0),
    fund_share_ppm         BIGINT,
    fund_paid_fen          BIGINT,
    bank_borne_fen         BIGINT,
    compensated_by         BIGINT REFERENCES users (id),
    recovered_fen          BIGINT NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    write_off_proposed_by  BIGINT REFERENCES users (id),
    write_off_proposed_at  DATETIME,
    write_off_reason       TEXT,
    write_off_confirmed_by BIGINT REFERENCES users (id),
    written_off_on         DATE,
    written_off_fen        BIGINT,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL,
    jobs_created           INTEGER NOT NULL DEFAULT 0 CHECK (jobs_created >= 0),
    subsidy_method         TEXT NOT NULL DEFAULT 'share' CHECK (subsidy_method IN ('none', 'share', 'lpr_minus')),
    subsidy_regime_from    DATE,
    subsidy_central_ppm    BIGINT,
    subsidy_provincial_ppm BIGINT,
    subsidy_city_ppm       BIGINT,
    subsidy_county_ppm     BIGINT,
    national_id_hash       TEXT,
    recovered_fund_fen     BIGINT NOT NULL DEFAULT 0 CHECK (recovered_fund_fen >= 0),
    written_off_fund_fen   BIGINT CHECK (written_off_fund_fen >= 0),
    original_maturity_date DATE,
    UNIQUE (bank_code, bank_reference),
    CHECK (recovered_fen <= COALESCE(compensation_fen, 0))
);
INSERT INTO loans (id, number, application_id, external_ref, status, version, borrower_id, name, national_id, gender, is_disabled, is_village_official, is_returned_overseas_student, key_group, borrower_type, industry, jobs, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, bank_reference, disbursed_by, days_overdue, overdue_since, ever_overdue, checked_on, settled_on, compensated_on, compensation_fen, fund_share_ppm, fund_paid_fen, bank_borne_fen, compensated_by, recovered_fen, write_off_proposed_by, write_off_proposed_at, write_off_reason, write_off_confirmed_by, written_off_on, written_off_fen, created_at, updated_at, jobs_created, subsidy_method, subsidy_regime_from, subsidy_central_ppm, subsidy_provincial_ppm, subsidy_city_ppm, subsidy_county_ppm, national_id_hash, recovered_fund_fen, written_off_fund_fen, original_maturity_date)
SELECT id, number, application_id, external_ref, status, version, borrower_id, name, national_id, gender, is_disabled, is_village_official, is_returned_overseas_student, key_group, borrower_type, industry, jobs, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, bank_reference, disbursed_by, days_overdue, overdue_since, ever_overdue, checked_on, settled_on, compensated_on, compensation_fen, fund_share_ppm, fund_paid_fen, bank_borne_fen, compensated_by, recovered_fen, write_off_proposed_by, write_off_proposed_at, write_off_reason, write_off_confirmed_by, written_off_on, written_off_fen, created_at, updated_at, jobs_created, subsidy_method, subsidy_regime_from, subsidy_central_ppm, subsidy_provincial_ppm, subsidy_city_ppm, subsidy_county_ppm, national_id_hash, recovered_fund_fen, written_off_fund_fen, original_maturity_date FROM loans_copy ORDER BY id;
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM loans_seq), 0)) WHERE name = 'loans';
DROP TABLE loans_copy;
DROP TABLE loans_seq;
CREATE INDEX loans_borrower_idx ON loans (borrower_id, id);
CREATE INDEX loans_district_idx ON loans (district_code, status);
CREATE INDEX loans_bank_idx ON loans (bank_code, status);
CREATE INDEX loans_status_idx ON loans (status);
CREATE INDEX loans_disbursed_idx ON loans (disbursed_year, disbursed_month);
CREATE INDEX loans_overdue_since_idx ON loans (overdue_since, district_code, outstanding_fen) WHERE status = 'overdue';
CREATE INDEX loans_disbursed_on_idx ON loans (bank_code, disbursed_on);
CREATE INDEX loans_number_prefix_idx ON loans (number COLLATE NOCASE);
CREATE INDEX loans_name_prefix_idx ON loans (name COLLATE NOCASE);
CREATE INDEX loans_bank_reference_idx ON loans (bank_reference);
CREATE INDEX loans_national_id_hash_idx ON loans (national_id_hash);
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
