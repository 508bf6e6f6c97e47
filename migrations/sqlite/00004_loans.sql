-- +goose Up
-- A bank's agreed guarantee fund share of a default (NULL: the policy's default).
ALTER TABLE banks ADD COLUMN compensation_fund_share_ppm BIGINT CHECK (compensation_fund_share_ppm BETWEEN 0 AND 1000000);

-- Per district and year of disbursement, the last loan sequence number handed out.
CREATE TABLE loan_counters (
    district_code TEXT NOT NULL REFERENCES districts (code),
    year          INTEGER NOT NULL,
    last_seq      BIGINT NOT NULL CHECK (last_seq >= 0),
    PRIMARY KEY (district_code, year)
);

CREATE TABLE loans (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    number                 TEXT NOT NULL UNIQUE,
    -- One loan per application: concurrent disbursements leave exactly one.
    application_id         BIGINT UNIQUE REFERENCES applications (id),
    -- The legacy system's reference of an imported loan.
    external_ref           TEXT UNIQUE,
    status                 TEXT NOT NULL CHECK (status IN ('active', 'overdue', 'settled', 'compensated', 'written_off')),
    version                INTEGER NOT NULL CHECK (version > 0),
    borrower_id            BIGINT REFERENCES users (id),
    -- Denormalised so reports aggregate loans without joins.
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
    UNIQUE (bank_code, bank_reference),
    CHECK (recovered_fen <= COALESCE(compensation_fen, 0))
);
CREATE INDEX loans_national_id_idx ON loans (national_id);
CREATE INDEX loans_borrower_idx ON loans (borrower_id, id);
CREATE INDEX loans_district_idx ON loans (district_code, status);
CREATE INDEX loans_bank_idx ON loans (bank_code, status);
CREATE INDEX loans_status_idx ON loans (status);
CREATE INDEX loans_disbursed_idx ON loans (disbursed_year, disbursed_month);

CREATE TABLE loan_repayments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id        BIGINT NOT NULL REFERENCES loans (id),
    principal_fen  BIGINT NOT NULL CHECK (principal_fen >= 0),
    interest_fen   BIGINT NOT NULL CHECK (interest_fen >= 0),
    paid_on        DATE NOT NULL,
    paid_year      INTEGER NOT NULL,
    paid_month     INTEGER NOT NULL,
    paid_quarter   INTEGER NOT NULL,
    bank_code      TEXT NOT NULL REFERENCES banks (code),
    bank_reference TEXT NOT NULL,
    recorded_by    BIGINT REFERENCES users (id),
    created_at     DATETIME NOT NULL,
    UNIQUE (bank_code, bank_reference)
);
CREATE INDEX loan_repayments_loan_idx ON loan_repayments (loan_id, paid_on);

CREATE TABLE loan_recoveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id       BIGINT NOT NULL REFERENCES loans (id),
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    recovered_on    DATE NOT NULL,
    recovered_year  INTEGER NOT NULL,
    recovered_month INTEGER NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    recorded_by   BIGINT REFERENCES users (id),
    created_at    DATETIME NOT NULL
);
CREATE INDEX loan_recoveries_loan_idx ON loan_recoveries (loan_id, id);

-- A quarter's interest subsidy once claimed; a quarter without a row is pending.
CREATE TABLE subsidy_claims (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id               BIGINT NOT NULL REFERENCES loans (id),
    period                TEXT NOT NULL,
    period_year           INTEGER NOT NULL,
    period_quarter        INTEGER NOT NULL CHECK (period_quarter BETWEEN 1 AND 4),
    start_on              DATE NOT NULL,
    end_on                DATE NOT NULL,
    days                  INTEGER NOT NULL CHECK (days >= 0),
    interest_fen          BIGINT NOT NULL CHECK (interest_fen >= 0),
    subsidy_fen           BIGINT NOT NULL CHECK (subsidy_fen >= 0 AND subsidy_fen <= interest_fen),
    borrower_interest_fen BIGINT NOT NULL CHECK (borrower_interest_fen = interest_fen - subsidy_fen),
    status                TEXT NOT NULL CHECK (status IN ('claimed', 'checked', 'paid', 'refused')),
    district_code         TEXT NOT NULL REFERENCES districts (code),
    bank_code             TEXT NOT NULL REFERENCES banks (code),
    claimed_by            BIGINT REFERENCES users (id),
    claimed_at            DATETIME,
    checked_by            BIGINT REFERENCES users (id),
    checked_at            DATETIME,
    paid_by               BIGINT REFERENCES users (id),
    paid_at               DATETIME,
    refused_by            BIGINT REFERENCES users (id),
    refused_at            DATETIME,
    reason                TEXT NOT NULL DEFAULT '',
    UNIQUE (loan_id, period)
);
CREATE INDEX subsidy_claims_period_idx ON subsidy_claims (period, district_code, status);

-- Idempotency keys of money requests, per user and endpoint.
CREATE TABLE idempotency_keys (
    user_id       BIGINT NOT NULL,
    endpoint      TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER,
    response_body BLOB,
    created_at    DATETIME NOT NULL,
    completed_at  DATETIME,
    PRIMARY KEY (user_id, endpoint, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE subsidy_claims;
DROP TABLE loan_recoveries;
DROP TABLE loan_repayments;
DROP TABLE loans;
DROP TABLE loan_counters;
ALTER TABLE banks DROP COLUMN compensation_fund_share_ppm;
