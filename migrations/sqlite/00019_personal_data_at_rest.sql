-- +goose Up
-- Resident ID numbers and phone numbers encrypted at rest (issue 12 (11)).
-- The national_id, phone and partners columns (and users' national_id and
-- phone, audit before/after, reconciliation lines' numbers, documents' file
-- names) hold values sealed by the application ("v<key id>:…", AES-256-GCM,
-- see internal/crypt); national_id_hash is the keyed hash (HMAC-SHA256) of
-- the number, which every lookup, join and unique constraint uses instead.
-- SQL cannot seal: the values in clear an earlier release wrote are sealed,
-- and their hashes filled, at the first start of this release
-- (store.SealClear), in batches. Until then the hashes are NULL, which no
-- unique index counts. The four-in-one tables and application_persons are
-- rebuilt, as SQLite drops no CHECK or UNIQUE constraint in place.
ALTER TABLE users ADD COLUMN national_id_hash TEXT;
CREATE INDEX users_national_id_hash_idx ON users (national_id_hash) WHERE national_id_hash IS NOT NULL;

ALTER TABLE person_identities ADD COLUMN national_id_hash TEXT;
CREATE UNIQUE INDEX person_identities_national_id_hash_key ON person_identities (national_id_hash);

ALTER TABLE applications ADD COLUMN national_id_hash TEXT;
DROP INDEX applications_national_id_idx;
CREATE INDEX applications_national_id_hash_idx ON applications (national_id_hash, status);

ALTER TABLE loans ADD COLUMN national_id_hash TEXT;
DROP INDEX loans_national_id_idx;
CREATE INDEX loans_national_id_hash_idx ON loans (national_id_hash);

CREATE TABLE application_persons_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id   BIGINT REFERENCES applications (id),
    loan_id          BIGINT REFERENCES loans (id),
    national_id      TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('lead', 'partner')),
    verified         BOOLEAN NOT NULL DEFAULT 0,
    national_id_hash TEXT,
    CHECK (application_id IS NOT NULL OR loan_id IS NOT NULL)
);
INSERT INTO application_persons_new (id, application_id, loan_id, national_id, role, verified)
SELECT id, application_id, loan_id, national_id, role, verified FROM application_persons;
DROP TABLE application_persons;
ALTER TABLE application_persons_new RENAME TO application_persons;
CREATE UNIQUE INDEX application_persons_application_key ON application_persons (application_id, national_id_hash);
CREATE UNIQUE INDEX application_persons_loan_key ON application_persons (loan_id, national_id_hash);
CREATE INDEX application_persons_national_id_hash_idx ON application_persons (national_id_hash);

CREATE TABLE training_records_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    national_id      TEXT NOT NULL,
    name             TEXT NOT NULL,
    course           TEXT NOT NULL CHECK (course IN ('GYB', 'SYB', 'IYB', 'EYB', 'malanhua', 'other')),
    institution      TEXT NOT NULL,
    start_date       TEXT NOT NULL,
    end_date         TEXT NOT NULL CHECK (end_date >= start_date),
    end_year         INTEGER NOT NULL,
    certificate_no   TEXT NOT NULL,
    district_code    TEXT NOT NULL REFERENCES districts (code),
    created_by       BIGINT,
    created_at       DATETIME NOT NULL,
    national_id_hash TEXT,
    UNIQUE (course, certificate_no)
);
INSERT INTO training_records_new (id, national_id, name, course, institution, start_date, end_date, end_year, certificate_no, district_code, created_by, created_at)
SELECT id, national_id, name, course, institution, start_date, end_date, end_year, certificate_no, district_code, created_by, created_at FROM training_records;
DROP TABLE training_records;
ALTER TABLE training_records_new RENAME TO training_records;
CREATE INDEX training_records_person_idx ON training_records (national_id_hash);
CREATE INDEX training_records_district_year_idx ON training_records (district_code, end_year);

CREATE TABLE incubation_records_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id          BIGINT NOT NULL REFERENCES incubation_bases (id),
    national_id      TEXT NOT NULL,
    entity_name      TEXT NOT NULL,
    move_in          TEXT NOT NULL,
    move_out         TEXT CHECK (move_out >= move_in),
    move_in_year     INTEGER NOT NULL,
    created_by       BIGINT,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    national_id_hash TEXT
);
INSERT INTO incubation_records_new (id, base_id, national_id, entity_name, move_in, move_out, move_in_year, created_by, created_at, updated_at)
SELECT id, base_id, national_id, entity_name, move_in, move_out, move_in_year, created_by, created_at, updated_at FROM incubation_records;
DROP TABLE incubation_records;
ALTER TABLE incubation_records_new RENAME TO incubation_records;
CREATE UNIQUE INDEX incubation_records_move_in_key ON incubation_records (base_id, national_id_hash, move_in);
CREATE UNIQUE INDEX incubation_records_open_key ON incubation_records (base_id, national_id_hash) WHERE move_out IS NULL;
CREATE INDEX incubation_records_person_idx ON incubation_records (national_id_hash);

CREATE TABLE service_records_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    national_id      TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('mentoring', 'guidance', 'policy_consult', 'event')),
    date             TEXT NOT NULL,
    year             INTEGER NOT NULL,
    notes            TEXT NOT NULL DEFAULT '',
    district_code    TEXT NOT NULL REFERENCES districts (code),
    created_by       BIGINT,
    created_at       DATETIME NOT NULL,
    national_id_hash TEXT
);
INSERT INTO service_records_new (id, national_id, kind, date, year, notes, district_code, created_by, created_at)
SELECT id, national_id, kind, date, year, notes, district_code, created_by, created_at FROM service_records;
DROP TABLE service_records;
ALTER TABLE service_records_new RENAME TO service_records;
CREATE INDEX service_records_person_idx ON service_records (national_id_hash);
CREATE INDEX service_records_district_year_idx ON service_records (district_code, year);

-- +goose Down
-- The values stay sealed: going back needs the backup taken before the upgrade.
DROP INDEX service_records_person_idx;
ALTER TABLE service_records DROP COLUMN national_id_hash;
CREATE INDEX service_records_person_idx ON service_records (national_id);
DROP INDEX incubation_records_person_idx;
DROP INDEX incubation_records_open_key;
DROP INDEX incubation_records_move_in_key;
ALTER TABLE incubation_records DROP COLUMN national_id_hash;
CREATE INDEX incubation_records_person_idx ON incubation_records (national_id);
CREATE UNIQUE INDEX incubation_records_open_key ON incubation_records (base_id, national_id) WHERE move_out IS NULL;
DROP INDEX training_records_person_idx;
ALTER TABLE training_records DROP COLUMN national_id_hash;
CREATE INDEX training_records_person_idx ON training_records (national_id);
DROP INDEX application_persons_national_id_hash_idx;
DROP INDEX application_persons_loan_key;
DROP INDEX application_persons_application_key;
ALTER TABLE application_persons DROP COLUMN national_id_hash;
CREATE INDEX application_persons_national_id_idx ON application_persons (national_id);
DROP INDEX loans_national_id_hash_idx;
ALTER TABLE loans DROP COLUMN national_id_hash;
CREATE INDEX loans_national_id_idx ON loans (national_id);
DROP INDEX applications_national_id_hash_idx;
ALTER TABLE applications DROP COLUMN national_id_hash;
CREATE INDEX applications_national_id_idx ON applications (national_id, status);
DROP INDEX person_identities_national_id_hash_key;
ALTER TABLE person_identities DROP COLUMN national_id_hash;
DROP INDEX users_national_id_hash_idx;
ALTER TABLE users DROP COLUMN national_id_hash;
