-- +goose Up
-- The guarantee fund's figures on one basis (issue 11): a recovery after
-- compensation is shared between the fund and the bank in the shares of the
-- compensation (loans.fund_share_ppm), and a write-off writes off each
-- side's unrecovered share, so for the fund: paid − recovered = written off.
-- fund_fen of a recovery is what the fund's share of the loan's recoveries
-- so far (in the order recorded), rounded half-up to the fen, grows by; the
-- bank takes the rest of the amount.
ALTER TABLE loan_recoveries ADD COLUMN fund_fen BIGINT NOT NULL DEFAULT 0 CHECK (fund_fen >= 0);
ALTER TABLE loan_recoveries ADD COLUMN bank_fen BIGINT NOT NULL DEFAULT 0 CHECK (bank_fen >= 0);
-- The fund's share of recovered_fen; the bank's is the rest.
ALTER TABLE loans ADD COLUMN recovered_fund_fen BIGINT NOT NULL DEFAULT 0 CHECK (recovered_fund_fen >= 0);
-- The fund's share of written_off_fen; the bank's is the rest.
ALTER TABLE loans ADD COLUMN written_off_fund_fen BIGINT CHECK (written_off_fund_fen >= 0);

-- Correction of what was recorded before: every recovery was counted whole
-- against the fund's payment and every write-off wrote off the whole rest.
-- Half-up on non-negative integers: (x × ppm + 500000) / 1000000, in BIGINT
-- (PostgreSQL sums BIGINT to NUMERIC, hence the cast).
UPDATE loan_recoveries SET fund_fen = w.cum_fund - w.prev_fund, bank_fen = loan_recoveries.amount_fen - (w.cum_fund - w.prev_fund)
FROM (SELECT c.id, (c.cum * c.ppm + 500000) / 1000000 AS cum_fund, ((c.cum - c.amount_fen) * c.ppm + 500000) / 1000000 AS prev_fund
      FROM (SELECT r.id, r.amount_fen, l.fund_share_ppm AS ppm,
                   CAST(SUM(r.amount_fen) OVER (PARTITION BY r.loan_id ORDER BY r.id) AS BIGINT) AS cum
            FROM loan_recoveries r JOIN loans l ON l.id = r.loan_id
            WHERE l.fund_share_ppm IS NOT NULL) AS c) AS w
WHERE w.id = loan_recoveries.id;
UPDATE loans SET recovered_fund_fen = (SELECT COALESCE(SUM(r.fund_fen), 0) FROM loan_recoveries r WHERE r.loan_id = loans.id)
WHERE recovered_fen > 0;
UPDATE loans SET written_off_fund_fen = fund_paid_fen - recovered_fund_fen
WHERE written_off_fen IS NOT NULL AND fund_paid_fen IS NOT NULL;

-- +goose Down
ALTER TABLE loans DROP COLUMN written_off_fund_fen;
ALTER TABLE loans DROP COLUMN recovered_fund_fen;
ALTER TABLE loan_recoveries DROP COLUMN bank_fen;
ALTER TABLE loan_recoveries DROP COLUMN fund_fen;
