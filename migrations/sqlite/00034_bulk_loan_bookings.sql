-- +goose Up
-- A bulk insert of loans (the legacy import) books the summaries of its rows
-- by one set-based statement per batch instead of by report_loans_insert row
-- by row, which cost an import half its time: while report_bulk_loans holds
-- its row, the trigger leaves the loans inserted to the writer, who books
-- them from the loans table itself (store.bookLoans, the same contributions
-- as the trigger's). The row is inserted and deleted inside the writer's
-- transaction, so no other connection ever sees it (SQLite has one writer at
-- a time, and readers see only what is committed).
CREATE TABLE report_bulk_loans (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
DROP TRIGGER report_loans_insert;
-- +goose StatementBegin
CREATE TRIGGER report_loans_insert AFTER INSERT ON loans FOR EACH ROW
    WHEN NOT EXISTS (SELECT 1 FROM report_bulk_loans)
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

-- +goose Down
DROP TRIGGER report_loans_insert;
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
DROP TABLE report_bulk_loans;
