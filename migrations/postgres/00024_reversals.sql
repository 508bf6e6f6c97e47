-- +goose Up
-- Corrections (冲正; issue 18): a reversal of a money posting, proposed by one
-- officer with a reason and confirmed (or rejected) by another. Confirmed, it
-- is a new posting dated posted_on (in the open month) that cancels the
-- original, which stays and is marked reversed (reversed_by, reversed_at).
-- target_id is the repayment, the recovery or the subsidy claim reversed; at
-- most one live (proposed or confirmed) reversal per original.
CREATE TABLE reversals (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('repayment', 'disbursement', 'subsidy_payment', 'compensation', 'recovery')),
    loan_id       BIGINT NOT NULL REFERENCES loans (id),
    target_id     BIGINT NOT NULL,
    district_code TEXT NOT NULL,
    bank_code     TEXT NOT NULL,
    amount_fen    BIGINT NOT NULL CHECK (amount_fen >= 0),
    interest_fen  BIGINT NOT NULL DEFAULT 0 CHECK (interest_fen >= 0),
    original_on   DATE NOT NULL,
    period        TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'rejected')),
    proposed_by   BIGINT NOT NULL REFERENCES users (id),
    proposed_at   TIMESTAMPTZ NOT NULL,
    decided_by    BIGINT REFERENCES users (id),
    decided_at    TIMESTAMPTZ,
    posted_on     DATE,
    comment       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX reversals_live_idx ON reversals (kind, target_id) WHERE status <> 'rejected';
CREATE INDEX reversals_list_idx ON reversals (status, district_code, bank_code, id);
CREATE INDEX reversals_loan_idx ON reversals (loan_id, id);

ALTER TABLE loan_repayments ADD COLUMN reversed_by BIGINT REFERENCES reversals (id);
ALTER TABLE loan_repayments ADD COLUMN reversed_at TIMESTAMPTZ;
ALTER TABLE loan_recoveries ADD COLUMN reversed_by BIGINT REFERENCES reversals (id);
ALTER TABLE loan_recoveries ADD COLUMN reversed_at TIMESTAMPTZ;

-- A confirmed reversal books the cancelling flow of the portfolio on the day
-- it posted: the repaid principal, the recovered amount or the subsidy paid
-- goes back. The original's day keeps its figure, so a closed month's report
-- never changes. (A subsidy claim going back from paid to checked takes the
-- payment off its original day through report_claims_update; the reversal
-- puts it back there, so the payment's day keeps it too.)
-- +goose StatementBegin
CREATE FUNCTION report_reversals_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER report_reversals_confirm AFTER UPDATE ON reversals FOR EACH ROW
    WHEN (OLD.status = 'proposed' AND NEW.status = 'confirmed')
    EXECUTE FUNCTION report_reversals_confirmed();

-- +goose Down
DROP TRIGGER report_reversals_confirm ON reversals;
DROP FUNCTION report_reversals_confirmed();
ALTER TABLE loan_recoveries DROP COLUMN reversed_at;
ALTER TABLE loan_recoveries DROP COLUMN reversed_by;
ALTER TABLE loan_repayments DROP COLUMN reversed_at;
ALTER TABLE loan_repayments DROP COLUMN reversed_by;
DROP TABLE reversals;
