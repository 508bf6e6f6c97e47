-- +goose Up
-- The guarantee fund's books (issue 18): an append-only journal in integer
-- fen. Every row is one balanced entry of two legs, amount_fen debited to
-- debit_account and credited to credit_account; balances are sums, never
-- stored. The chart:
--   bank_deposit              asset: the fund's dedicated account (专户), its balance is the fund's balance
--   government_contributions  capital put in (and taken back) by the government
--   compensation_paid         asset: the fund's claims on borrowers from compensation (代偿), gross
--   recoveries                contra of compensation_paid: the fund's share of what was recovered (追偿)
--   claims_written_off        contra of compensation_paid: the fund's share written off
--   write_offs                the fund's loss from write-offs (核销)
--   interest_income           interest the bank pays on the deposit
CREATE TABLE fund_postings (
    id             BIGSERIAL PRIMARY KEY,
    booked_on      DATE NOT NULL,
    booked_year    INTEGER NOT NULL,
    booked_month   INTEGER NOT NULL,
    debit_account  TEXT NOT NULL CHECK (debit_account IN ('bank_deposit', 'government_contributions', 'compensation_paid',
                   'recoveries', 'claims_written_off', 'write_offs', 'interest_income')),
    credit_account TEXT NOT NULL CHECK (credit_account IN ('bank_deposit', 'government_contributions', 'compensation_paid',
                   'recoveries', 'claims_written_off', 'write_offs', 'interest_income')),
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    kind           TEXT NOT NULL CHECK (kind IN ('contribution', 'withdrawal', 'interest_income', 'compensation', 'recovery', 'write_off', 'reversal')),
    loan_id        BIGINT REFERENCES loans (id),
    source         TEXT NOT NULL,
    reverses_id    BIGINT REFERENCES fund_postings (id),
    created_by     BIGINT REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK (debit_account <> credit_account)
);
CREATE INDEX fund_postings_booked_idx ON fund_postings (booked_on, id);
CREATE INDEX fund_postings_loan_idx ON fund_postings (loan_id);
CREATE INDEX fund_postings_source_idx ON fund_postings (source);

-- +goose StatementBegin
CREATE FUNCTION fund_postings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'fund_postings is append-only: post a reversal instead';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER fund_postings_no_change BEFORE UPDATE OR DELETE ON fund_postings
    FOR EACH ROW EXECUTE FUNCTION fund_postings_append_only();
CREATE TRIGGER fund_postings_no_truncate BEFORE TRUNCATE ON fund_postings
    FOR EACH STATEMENT EXECUTE FUNCTION fund_postings_append_only();

-- Contributions, withdrawals and interest income: proposed by one guarantee
-- officer, confirmed (posted) or rejected by another.
CREATE TABLE fund_movements (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('contribution', 'withdrawal', 'interest_income')),
    amount_fen   BIGINT NOT NULL CHECK (amount_fen > 0),
    booked_on    DATE NOT NULL,
    reference    TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'rejected')),
    proposed_by  BIGINT NOT NULL REFERENCES users (id),
    proposed_at  TIMESTAMPTZ NOT NULL,
    decided_by   BIGINT REFERENCES users (id),
    decided_at   TIMESTAMPTZ,
    reason       TEXT NOT NULL DEFAULT '',
    posting_id   BIGINT REFERENCES fund_postings (id),
    CHECK ((status = 'confirmed') = (posting_id IS NOT NULL)),
    CHECK ((status = 'proposed') = (decided_by IS NULL))
);
CREATE INDEX fund_movements_status_idx ON fund_movements (status, id);

-- The books of an upgraded database: the fund's share of every
-- compensation, recovery and write-off recorded so far, on its own day, so
-- the journal agrees with the loans. No contribution is known: the fund is
-- not on the books until its first confirmed movement.
INSERT INTO fund_postings (booked_on, booked_year, booked_month, debit_account, credit_account, amount_fen, kind, loan_id, source, created_by, created_at)
SELECT booked_on, CAST(EXTRACT(YEAR FROM booked_on) AS INTEGER), CAST(EXTRACT(MONTH FROM booked_on) AS INTEGER),
       debit_account, credit_account, amount_fen, kind, loan_id, source, created_by, created_at
FROM (SELECT compensated_on AS booked_on, 'compensation_paid' AS debit_account, 'bank_deposit' AS credit_account, fund_paid_fen AS amount_fen,
             'compensation' AS kind, id AS loan_id, 'compensation:' || id AS source, compensated_by AS created_by, updated_at AS created_at, 1 AS step, id AS seq
      FROM loans WHERE fund_paid_fen > 0 AND compensated_on IS NOT NULL
      UNION ALL
      SELECT r.recovered_on, 'bank_deposit', 'recoveries', r.fund_fen, 'recovery', r.loan_id, 'recovery:' || r.id, r.recorded_by, r.created_at, 2, r.id
      FROM loan_recoveries r WHERE r.fund_fen > 0
      UNION ALL
      SELECT written_off_on, 'write_offs', 'claims_written_off', written_off_fund_fen, 'write_off', id, 'write_off:' || id, write_off_confirmed_by, updated_at, 3, id
      FROM loans WHERE written_off_fund_fen > 0 AND written_off_on IS NOT NULL) AS b
ORDER BY booked_on, step, seq;

-- +goose Down
DROP TABLE fund_movements;
DROP TABLE fund_postings;
DROP FUNCTION fund_postings_append_only();
