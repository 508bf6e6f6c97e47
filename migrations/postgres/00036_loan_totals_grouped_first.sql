-- +goose Up
-- The summaries' bookings (report_loan_totals_sql, run by the statement
-- triggers of loans) first group the loans by what the summaries tell apart
-- (day, district, key group, bank, borrower type, industry, gender and flags
-- for loan_day_totals; district and the four days for portfolio_day_flows),
-- then spread each group over the dimensions, instead of spreading every
-- loan over eleven dimension rows (four day rows) and grouping those: a
-- COPY of 5,000 imported loans spread 32,500 rows to group, while its loans,
-- sorted by district and day, fall in a few hundred groups. The sums are the
-- same (each loan counted once in each group it falls in).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_loan_totals_sql(sign INTEGER, src TEXT) RETURNS TEXT[] LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN ARRAY[format($q$
    INSERT INTO loan_day_totals AS t (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
    SELECT d.dim, l.disbursed_on, d.key, l.disbursed_year, l.disbursed_month, l.disbursed_quarter,
           %2$s * SUM(l.loans), %2$s * SUM(l.principal_fen), %2$s * SUM(l.jobs), %2$s * SUM(l.jobs_created)
    FROM (SELECT s.disbursed_on, s.disbursed_year, s.disbursed_month, s.disbursed_quarter, s.district_code, s.key_group,
                 s.bank_code, s.borrower_type, s.industry, s.gender, s.is_disabled, s.is_village_official,
                 s.is_returned_overseas_student,
                 COUNT(*) AS loans, SUM(s.principal_fen) AS principal_fen, SUM(s.jobs) AS jobs, SUM(s.jobs_created) AS jobs_created
          FROM %1$s AS s
          GROUP BY s.disbursed_on, s.disbursed_year, s.disbursed_month, s.disbursed_quarter, s.district_code, s.key_group,
                   s.bank_code, s.borrower_type, s.industry, s.gender, s.is_disabled, s.is_village_official,
                   s.is_returned_overseas_student) AS l
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
    FROM (SELECT s.district_code, s.disbursed_on, s.compensated_on, s.written_off_on, s.maturity_date,
                 COUNT(*) AS loans, SUM(s.principal_fen) AS principal_fen, SUM(COALESCE(s.compensation_fen, 0)) AS compensation_fen,
                 SUM(COALESCE(s.fund_paid_fen, 0)) AS fund_paid_fen, SUM(COALESCE(s.written_off_fen, 0)) AS written_off_fen,
                 SUM(CASE WHEN s.status IN ('active', 'overdue') THEN s.outstanding_fen
                          ELSE COALESCE(s.compensation_fen, 0) - s.recovered_fen END) AS unpaid_fen
          FROM %1$s AS s
          GROUP BY s.district_code, s.disbursed_on, s.compensated_on, s.written_off_on, s.maturity_date) AS l
    CROSS JOIN LATERAL (VALUES
        (l.disbursed_on, l.district_code, l.loans, l.principal_fen, 0, 0, 0, 0, 0, 0, 0),
        (l.compensated_on, l.district_code, 0, 0, l.loans, l.compensation_fen, l.fund_paid_fen, 0, 0, 0, 0),
        (l.written_off_on, l.district_code, 0, 0, 0, 0, 0, l.written_off_fen, 0, 0, 0),
        (l.maturity_date, l.district_code, 0, 0, 0, 0, 0, 0, l.loans, l.principal_fen, l.unpaid_fen))
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_loan_totals_sql(sign INTEGER, src TEXT) RETURNS TEXT[] LANGUAGE plpgsql IMMUTABLE AS $$
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
