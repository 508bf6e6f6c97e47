-- +goose Up
-- Reversals of a compensation (issue 18): the reversal keeps the fund's part
-- of the compensation it cancels (fund_fen; the bank's part is amount_fen −
-- fund_fen), so the portfolio can take it back on the reversal's own day.
ALTER TABLE reversals ADD COLUMN fund_fen BIGINT NOT NULL DEFAULT 0 CHECK (fund_fen >= 0 AND fund_fen <= amount_fen);

-- As 00024, and a compensation too: the loan's update (compensated_on,
-- compensation_fen and fund_paid_fen back to NULL) takes the compensation off
-- its original day through report_loans_update; the reversal puts it back
-- there and books it, negative, on posted_on. So the compensation's day (a
-- closed month's above all) keeps its figure and every day from posted_on on
-- shows the corrected one.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_reversals_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portfolio_day_flows AS t (day, district_code, repaid_fen, recovered_fen, subsidy_paid_fen,
        compensated_loans, compensated_fen, fund_paid_fen)
    SELECT f.day, NEW.district_code, SUM(f.repaid), SUM(f.recovered), SUM(f.paid), SUM(f.comp_loans), SUM(f.comp), SUM(f.fund)
    FROM (VALUES
        (NEW.posted_on,
         CASE WHEN NEW.kind = 'repayment' THEN -NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'recovery' THEN -NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'subsidy_payment' THEN -NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'compensation' THEN -1 ELSE 0 END::BIGINT,
         CASE WHEN NEW.kind = 'compensation' THEN -NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'compensation' THEN -NEW.fund_fen ELSE 0 END),
        (CASE WHEN NEW.kind IN ('subsidy_payment', 'compensation') THEN NEW.original_on END, 0::BIGINT, 0::BIGINT,
         CASE WHEN NEW.kind = 'subsidy_payment' THEN NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'compensation' THEN 1 ELSE 0 END::BIGINT,
         CASE WHEN NEW.kind = 'compensation' THEN NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'compensation' THEN NEW.fund_fen ELSE 0 END)
    ) AS f (day, repaid, recovered, paid, comp_loans, comp, fund)
    WHERE f.day IS NOT NULL AND NEW.kind IN ('repayment', 'recovery', 'subsidy_payment', 'compensation')
    GROUP BY f.day
    ORDER BY f.day
    ON CONFLICT (day, district_code) DO UPDATE SET
        repaid_fen = t.repaid_fen + EXCLUDED.repaid_fen,
        recovered_fen = t.recovered_fen + EXCLUDED.recovered_fen,
        subsidy_paid_fen = t.subsidy_paid_fen + EXCLUDED.subsidy_paid_fen,
        compensated_loans = t.compensated_loans + EXCLUDED.compensated_loans,
        compensated_fen = t.compensated_fen + EXCLUDED.compensated_fen,
        fund_paid_fen = t.fund_paid_fen + EXCLUDED.fund_paid_fen;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_reversals_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portfolio_day_flows AS t (day, district_code, repaid_fen, recovered_fen, subsidy_paid_fen)
    SELECT f.day, NEW.district_code, SUM(f.repaid), SUM(f.recovered), SUM(f.paid)
    FROM (VALUES
        (NEW.posted_on,
         CASE WHEN NEW.kind = 'repayment' THEN -NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'recovery' THEN -NEW.amount_fen ELSE 0 END,
         CASE WHEN NEW.kind = 'subsidy_payment' THEN -NEW.amount_fen ELSE 0 END),
        (CASE WHEN NEW.kind = 'subsidy_payment' THEN NEW.original_on END, 0::BIGINT, 0::BIGINT, NEW.amount_fen)
    ) AS f (day, repaid, recovered, paid)
    WHERE f.day IS NOT NULL AND NEW.kind IN ('repayment', 'recovery', 'subsidy_payment')
    GROUP BY f.day
    ORDER BY f.day
    ON CONFLICT (day, district_code) DO UPDATE SET
        repaid_fen = t.repaid_fen + EXCLUDED.repaid_fen,
        recovered_fen = t.recovered_fen + EXCLUDED.recovered_fen,
        subsidy_paid_fen = t.subsidy_paid_fen + EXCLUDED.subsidy_paid_fen;
    RETURN NULL;
END $$;
-- +goose StatementEnd
ALTER TABLE reversals DROP COLUMN fund_fen;
