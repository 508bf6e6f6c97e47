-- +goose Up
-- Drafts saved half-filled (issue 14, item 8): a draft keeps whatever the
-- applicant has filled in so far; submitting checks everything. A draft may
-- lack its number (handed out once its district is known), resident ID
-- number, birth date, district, bank, borrower type, amount and term; every
-- other status keeps them required, as before. SQLite drops no NOT NULL or
-- CHECK in place: the table is rebuilt with every column the earlier migrations
-- gave it (00002 00007 00019 00022) and every index recreated (there are no triggers or
-- views on it). The rows wait in applications_copy while the table is
-- dropped and made again under its own name, so that the tables referring
-- to it (history, loans, documents, persons, identities) keep their
-- references: the drop leaves their rows without a parent until the copy
-- puts it back, which the deferred foreign keys (defer_foreign_keys) count
-- and check at the commit. A new table renamed over the old one would
-- leave that count behind.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE applications_copy AS SELECT * FROM applications;
CREATE TABLE applications_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'applications';
DROP TABLE applications;
CREATE TABLE applications (
    id                              INTEGER PRIMARY KEY AUTOINCREMENT,
    number                          TEXT UNIQUE,
    status                          TEXT NOT NULL CHECK (status IN ('draft', 'eligibility_review', 'guarantee_review', 'bank_review', 'approved', 'disbursed', 'returned', 'rejected', 'withdrawn')),
    version                         INTEGER NOT NULL CHECK (version > 0),
    applicant_id                    BIGINT NOT NULL REFERENCES users (id),
    borrower_type                   TEXT NOT NULL CHECK (borrower_type IN ('individual', 'partnership', 'enterprise') OR (status = 'draft' AND borrower_type = '')),
    name                            TEXT NOT NULL,
    national_id                     TEXT,
    birth_date                      TEXT,
    female                          BOOLEAN NOT NULL,
    is_disabled                     BOOLEAN NOT NULL DEFAULT 0,
    is_village_official             BOOLEAN NOT NULL DEFAULT 0,
    is_returned_overseas_student    BOOLEAN NOT NULL DEFAULT 0,
    phone                           TEXT NOT NULL DEFAULT '',
    key_group                       TEXT NOT NULL DEFAULT '',
    district_code                   TEXT REFERENCES districts (code),
    bank_code                       TEXT REFERENCES banks (code),
    amount_fen                      BIGINT NOT NULL CHECK (amount_fen > 0 OR (status = 'draft' AND amount_fen = 0)),
    term_months                     INTEGER NOT NULL CHECK (term_months > 0 OR (status = 'draft' AND term_months = 0)),
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
    created_at                      DATETIME NOT NULL,
    updated_at                      DATETIME NOT NULL,
    submitted_at                    DATETIME,
    submitted_on                    TEXT,
    stage_entered_at                DATETIME,
    approved_amount_fen             BIGINT CHECK (approved_amount_fen > 0 AND approved_amount_fen <= amount_fen),
    annual_rate_ppm                 BIGINT CHECK (annual_rate_ppm > 0),
    approved_term_months            INTEGER CHECK (approved_term_months > 0),
    approved_at                     DATETIME,
    approved_by                     BIGINT REFERENCES users (id),
    disbursed_at                    DATETIME,
    counter_guarantee               TEXT NOT NULL DEFAULT '',
    national_id_hash                TEXT,
    not_employed                    BOOLEAN,
    CHECK (status = 'draft' OR (number IS NOT NULL AND national_id IS NOT NULL AND birth_date IS NOT NULL
                                AND district_code IS NOT NULL AND bank_code IS NOT NULL))
);
INSERT INTO applications (id, number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, is_disabled, is_village_official, is_returned_overseas_student, phone, key_group, district_code, bank_code, amount_fen, term_months, business_name, industry, purpose, jobs_planned, partners, enterprise_name, enterprise_credit_code, enterprise_employees, enterprise_new_key_group_hires, other_loans, created_year, created_at, updated_at, submitted_at, submitted_on, stage_entered_at, approved_amount_fen, annual_rate_ppm, approved_term_months, approved_at, approved_by, disbursed_at, counter_guarantee, national_id_hash, not_employed)
SELECT id, number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, is_disabled, is_village_official, is_returned_overseas_student, phone, key_group, district_code, bank_code, amount_fen, term_months, business_name, industry, purpose, jobs_planned, partners, enterprise_name, enterprise_credit_code, enterprise_employees, enterprise_new_key_group_hires, other_loans, created_year, created_at, updated_at, submitted_at, submitted_on, stage_entered_at, approved_amount_fen, annual_rate_ppm, approved_term_months, approved_at, approved_by, disbursed_at, counter_guarantee, national_id_hash, not_employed FROM applications_copy ORDER BY id;
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM applications_seq), 0)) WHERE name = 'applications';
DROP TABLE applications_copy;
DROP TABLE applications_seq;
CREATE INDEX applications_applicant_idx ON applications (applicant_id, created_at);
CREATE INDEX applications_district_idx ON applications (district_code, status, submitted_at);
CREATE INDEX applications_bank_idx ON applications (bank_code, status, submitted_at);
CREATE INDEX applications_national_id_hash_idx ON applications (national_id_hash, status);

-- +goose Down
-- Fails while a half-filled draft exists: complete or withdraw it first.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE applications_copy AS SELECT * FROM applications;
CREATE TABLE applications_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'applications';
DROP TABLE applications;
CREATE TABLE applications (
    id                              INTEGER PRIMARY KEY AUTOINCREMENT,
    number                          TEXT NOT NULL UNIQUE,
    status                          TEXT NOT NULL CHECK (status IN ('draft', 'eligibility_review', 'guarantee_review', 'bank_review', 'approved', 'disbursed', 'returned', 'rejected', 'withdrawn')),
    version                         INTEGER NOT NULL CHECK (version > 0),
    applicant_id                    BIGINT NOT NULL REFERENCES users (id),
    borrower_type                   TEXT NOT NULL CHECK (borrower_type IN ('individual', 'partnership', 'enterprise')),
    name                            TEXT NOT NULL,
    national_id                     TEXT NOT NULL,
    birth_date                      TEXT NOT NULL,
    female                          BOOLEAN NOT NULL,
    is_disabled                     BOOLEAN NOT NULL DEFAULT 0,
    is_village_official             BOOLEAN NOT NULL DEFAULT 0,
    is_returned_overseas_student    BOOLEAN NOT NULL DEFAULT 0,
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
    created_at                      DATETIME NOT NULL,
    updated_at                      DATETIME NOT NULL,
    submitted_at                    DATETIME,
    submitted_on                    TEXT,
    stage_entered_at                DATETIME,
    approved_amount_fen             BIGINT CHECK (approved_amount_fen > 0 AND approved_amount_fen <= amount_fen),
    annual_rate_ppm                 BIGINT CHECK (annual_rate_ppm > 0),
    approved_term_months            INTEGER CHECK (approved_term_months > 0),
    approved_at                     DATETIME,
    approved_by                     BIGINT REFERENCES users (id),
    disbursed_at                    DATETIME,
    counter_guarantee               TEXT NOT NULL DEFAULT '',
    national_id_hash                TEXT,
    not_employed                    BOOLEAN
);
INSERT INTO applications (id, number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, is_disabled, is_village_official, is_returned_overseas_student, phone, key_group, district_code, bank_code, amount_fen, term_months, business_name, industry, purpose, jobs_planned, partners, enterprise_name, enterprise_credit_code, enterprise_employees, enterprise_new_key_group_hires, other_loans, created_year, created_at, updated_at, submitted_at, submitted_on, stage_entered_at, approved_amount_fen, annual_rate_ppm, approved_term_months, approved_at, approved_by, disbursed_at, counter_guarantee, national_id_hash, not_employed)
SELECT id, number, status, version, applicant_id, borrower_type, name, national_id, birth_date, female, is_disabled, is_village_official, is_returned_overseas_student, phone, key_group, district_code, bank_code, amount_fen, term_months, business_name, industry, purpose, jobs_planned, partners, enterprise_name, enterprise_credit_code, enterprise_employees, enterprise_new_key_group_hires, other_loans, created_year, created_at, updated_at, submitted_at, submitted_on, stage_entered_at, approved_amount_fen, annual_rate_ppm, approved_term_months, approved_at, approved_by, disbursed_at, counter_guarantee, national_id_hash, not_employed FROM applications_copy ORDER BY id;
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM applications_seq), 0)) WHERE name = 'applications';
DROP TABLE applications_copy;
DROP TABLE applications_seq;
CREATE INDEX applications_applicant_idx ON applications (applicant_id, created_at);
CREATE INDEX applications_district_idx ON applications (district_code, status, submitted_at);
CREATE INDEX applications_bank_idx ON applications (bank_code, status, submitted_at);
CREATE INDEX applications_national_id_hash_idx ON applications (national_id_hash, status);
