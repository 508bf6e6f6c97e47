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
DROP TRIGGER report_reversals_confirm;
-- +goose StatementBegin
CREATE TRIGGER report_reversals_confirm AFTER UPDATE ON reversals FOR EACH ROW
WHEN old.status = 'proposed' AND new.status = 'confirmed'
BEGIN
    INSERT INTO portfolio_day_flows (day, district_code, repaid_fen, recovered_fen, subsidy_paid_fen, compensated_loans, compensated_fen, fund_paid_fen)
    SELECT f.day, new.district_code, SUM(f.repaid), SUM(f.recovered), SUM(f.paid), SUM(f.comp_loans), SUM(f.comp), SUM(f.fund)
    FROM (SELECT new.posted_on AS day,
                 CASE WHEN new.kind = 'repayment' THEN -new.amount_fen ELSE 0 END AS repaid,
                 CASE WHEN new.kind = 'recovery' THEN -new.amount_fen ELSE 0 END AS recovered,
                 CASE WHEN new.kind = 'subsidy_payment' THEN -new.amount_fen ELSE 0 END AS paid,
                 CASE WHEN new.kind = 'compensation' THEN -1 ELSE 0 END AS comp_loans,
                 CASE WHEN new.kind = 'compensation' THEN -new.amount_fen ELSE 0 END AS comp,
                 CASE WHEN new.kind = 'compensation' THEN -new.fund_fen ELSE 0 END AS fund
          UNION ALL SELECT CASE WHEN new.kind IN ('subsidy_payment', 'compensation') THEN new.original_on END, 0, 0,
                 CASE WHEN new.kind = 'subsidy_payment' THEN new.amount_fen ELSE 0 END,
                 CASE WHEN new.kind = 'compensation' THEN 1 ELSE 0 END,
                 CASE WHEN new.kind = 'compensation' THEN new.amount_fen ELSE 0 END,
                 CASE WHEN new.kind = 'compensation' THEN new.fund_fen ELSE 0 END) AS f
    WHERE f.day IS NOT NULL AND new.kind IN ('repayment', 'recovery', 'subsidy_payment', 'compensation')
    GROUP BY f.day
    ON CONFLICT (day, district_code) DO UPDATE SET
        repaid_fen = repaid_fen + excluded.repaid_fen,
        recovered_fen = recovered_fen + excluded.recovered_fen,
        subsidy_paid_fen = subsidy_paid_fen + excluded.subsidy_paid_fen,
        compensated_loans = compensated_loans + excluded.compensated_loans,
        compensated_fen = compensated_fen + excluded.compensated_fen,
        fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER report_reversals_confirm;
-- +goose StatementBegin
CREATE TRIGGER report_reversals_confirm AFTER UPDATE ON reversals FOR EACH ROW
WHEN old.status = 'proposed' AND new.status = 'confirmed'
BEGIN
    INSERT INTO portfolio_day_flows (day, district_code, repaid_fen, recovered_fen, subsidy_paid_fen)
    SELECT f.day, new.district_code, f.repaid, f.recovered, f.paid
    FROM (SELECT new.posted_on AS day,
                 CASE WHEN new.kind = 'repayment' THEN -new.amount_fen ELSE 0 END AS repaid,
                 CASE WHEN new.kind = 'recovery' THEN -new.amount_fen ELSE 0 END AS recovered,
                 CASE WHEN new.kind = 'subsidy_payment' THEN -new.amount_fen ELSE 0 END AS paid
          UNION ALL SELECT CASE WHEN new.kind = 'subsidy_payment' THEN new.original_on END, 0, 0, new.amount_fen) AS f
    WHERE f.day IS NOT NULL AND new.kind IN ('repayment', 'recovery', 'subsidy_payment')
    ON CONFLICT (day, district_code) DO UPDATE SET
        repaid_fen = repaid_fen + excluded.repaid_fen,
        recovered_fen = recovered_fen + excluded.recovered_fen,
        subsidy_paid_fen = subsidy_paid_fen + excluded.subsidy_paid_fen;
END;
-- +goose StatementEnd
ALTER TABLE reversals DROP COLUMN fund_fen;
