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
-- unique index counts.
ALTER TABLE users ADD COLUMN national_id_hash TEXT;
CREATE INDEX users_national_id_hash_idx ON users (national_id_hash) WHERE national_id_hash IS NOT NULL;

ALTER TABLE person_identities ADD COLUMN national_id_hash TEXT;
CREATE UNIQUE INDEX person_identities_national_id_hash_key ON person_identities (national_id_hash);

ALTER TABLE applications ADD COLUMN national_id_hash TEXT;
DROP INDEX applications_national_id_idx;
CREATE INDEX applications_national_id_hash_idx ON applications (national_id_hash, status);

ALTER TABLE application_persons ADD COLUMN national_id_hash TEXT;
ALTER TABLE application_persons DROP CONSTRAINT application_persons_application_id_national_id_key;
ALTER TABLE application_persons DROP CONSTRAINT application_persons_loan_id_national_id_key;
DROP INDEX application_persons_national_id_idx;
CREATE UNIQUE INDEX application_persons_application_key ON application_persons (application_id, national_id_hash);
CREATE UNIQUE INDEX application_persons_loan_key ON application_persons (loan_id, national_id_hash);
CREATE INDEX application_persons_national_id_hash_idx ON application_persons (national_id_hash);

ALTER TABLE loans ADD COLUMN national_id_hash TEXT;
DROP INDEX loans_national_id_idx;
CREATE INDEX loans_national_id_hash_idx ON loans (national_id_hash);

ALTER TABLE training_records DROP CONSTRAINT training_records_national_id_check;
ALTER TABLE training_records ADD COLUMN national_id_hash TEXT;
DROP INDEX training_records_person_idx;
CREATE INDEX training_records_person_idx ON training_records (national_id_hash);

ALTER TABLE incubation_records DROP CONSTRAINT incubation_records_national_id_check;
ALTER TABLE incubation_records DROP CONSTRAINT incubation_records_base_id_national_id_move_in_key;
ALTER TABLE incubation_records ADD COLUMN national_id_hash TEXT;
DROP INDEX incubation_records_open_key;
DROP INDEX incubation_records_person_idx;
CREATE UNIQUE INDEX incubation_records_move_in_key ON incubation_records (base_id, national_id_hash, move_in);
CREATE UNIQUE INDEX incubation_records_open_key ON incubation_records (base_id, national_id_hash) WHERE move_out IS NULL;
CREATE INDEX incubation_records_person_idx ON incubation_records (national_id_hash);

ALTER TABLE service_records DROP CONSTRAINT service_records_national_id_check;
ALTER TABLE service_records ADD COLUMN national_id_hash TEXT;
DROP INDEX service_records_person_idx;
CREATE INDEX service_records_person_idx ON service_records (national_id_hash);

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
DROP INDEX loans_national_id_hash_idx;
ALTER TABLE loans DROP COLUMN national_id_hash;
CREATE INDEX loans_national_id_idx ON loans (national_id);
DROP INDEX application_persons_national_id_hash_idx;
DROP INDEX application_persons_loan_key;
DROP INDEX application_persons_application_key;
ALTER TABLE application_persons DROP COLUMN national_id_hash;
CREATE INDEX application_persons_national_id_idx ON application_persons (national_id);
DROP INDEX applications_national_id_hash_idx;
ALTER TABLE applications DROP COLUMN national_id_hash;
CREATE INDEX applications_national_id_idx ON applications (national_id, status);
DROP INDEX person_identities_national_id_hash_key;
ALTER TABLE person_identities DROP COLUMN national_id_hash;
DROP INDEX users_national_id_hash_idx;
ALTER TABLE users DROP COLUMN national_id_hash;
