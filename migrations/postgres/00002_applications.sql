-- +goose Up
-- Per district and year, the last application sequence number handed out.
CREATE TABLE application_counters (
    district_code TEXT NOT NULL REFERENCES districts (code),
    year          INTEGER NOT NULL,
    last_seq      BIGINT NOT NULL CHECK (last_seq > 0),
    PRIMARY KEY (district_code, year)
);

CREATE TABLE applications (
    id                              BIGSERIAL PRIMARY KEY,
    number                          TEXT NOT NULL UNIQUE,
    status                          TEXT NOT NULL CHECK (status IN ('draft', 'eligibility_review', 'guarantee_review', 'bank_review', 'approved', 'disbursed', 'returned', 'rejected', 'withdrawn')),
    version                         INTEGER NOT NULL CHECK (version > 0),
    applicant_id                    BIGINT NOT NULL REFERENCES users (id),
    borrower_type                   TEXT NOT NULL CHECK (borrower_type IN ('individual', 'partnership', 'enterprise')),
    name                            TEXT NOT NULL,
    national_id                     TEXT NOT NULL,
    birth_date                      TEXT NOT NULL,
    female                          BOOLEAN NOT NULL,
    -- Reporting flags the applicant declares: disabled person (残疾人), village
    -- official (大学生村官), returned overseas student (留学回国人员).
    is_disabled                     BOOLEAN NOT NULL DEFAULT FALSE,
    is_village_official             BOOLEAN NOT NULL DEFAULT FALSE,
    is_returned_overseas_student    BOOLEAN NOT NULL DEFAULT FALSE,
    phone                           TEXT NOT NULL DEFAULT '',
    key_group                       TEXT NOT NULL DEFAULT '',
    district_code                   TEXT NOT NULL REFERENCES districts (code),
    bank_code                       TEXT NOT NULL REFERENCES banks (code),
    amount_fen                      BIGINT NOT NULL CHECK (amount_fen > 0),
    term_months                     INTEGER NOT NULL CHECK (term_months > 0),
    business_name                   TEXT NOT NULL DEFAULT '',
    industry                        TEXT NOT NULL DEFAULT '',
    purpose                         TEXT NOT NULL DEFAULT '',
    jobs_planned                    INTEGER NOT NULL DEFAULT 0 CHECK (jobs_planned >= 0),
    partners                        TEXT NOT NULL DEFAULT '[]',
    enterprise_name                 TEXT,
    enterprise_credit_code          TEXT,
    enterprise_employees            INTEGER,
    enterprise_new_key_group_hires  INTEGER,
    other_loans                     TEXT NOT NULL DEFAULT '[]',
    created_year                    INTEGER NOT NULL,
    created_at                      TIMESTAMPTZ NOT NULL,
    updated_at                      TIMESTAMPTZ NOT NULL,
    submitted_at                    TIMESTAMPTZ,
    submitted_on                    TEXT,
    stage_entered_at                TIMESTAMPTZ,
    approved_amount_fen             BIGINT CHECK (approved_amount_fen > 0 AND approved_amount_fen <= amount_fen),
    annual_rate_ppm                 BIGINT CHECK (annual_rate_ppm > 0),
    approved_term_months            INTEGER CHECK (approved_term_months > 0),
    approved_at                     TIMESTAMPTZ,
    approved_by                     BIGINT REFERENCES users (id),
    disbursed_at                    TIMESTAMPTZ
);
CREATE INDEX applications_applicant_idx ON applications (applicant_id, created_at);
CREATE INDEX applications_national_id_idx ON applications (national_id, status);
CREATE INDEX applications_district_idx ON applications (district_code, status, submitted_at);
CREATE INDEX applications_bank_idx ON applications (bank_code, status, submitted_at);

CREATE TABLE application_history (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    at             TIMESTAMPTZ NOT NULL,
    actor_id       BIGINT REFERENCES users (id),
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    comment        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_history_application_idx ON application_history (application_id, id);

-- +goose Down
DROP TABLE application_history;
DROP TABLE applications;
DROP TABLE application_counters;
