-- +goose Up
-- Four in one (四位一体): training, incubation and service records, keyed by
-- the person's resident ID number. Dates are calendar days; the year columns
-- are the buckets the figures group by.
CREATE TABLE training_records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    national_id    TEXT NOT NULL CHECK (length(national_id) = 18),
    name           TEXT NOT NULL,
    course         TEXT NOT NULL CHECK (course IN ('GYB', 'SYB', 'IYB', 'EYB', 'malanhua', 'other')),
    institution    TEXT NOT NULL,
    start_date     TEXT NOT NULL,
    end_date       TEXT NOT NULL CHECK (end_date >= start_date),
    end_year       INTEGER NOT NULL,
    certificate_no TEXT NOT NULL,
    district_code  TEXT NOT NULL REFERENCES districts (code),
    created_by     BIGINT,
    created_at     DATETIME NOT NULL,
    UNIQUE (course, certificate_no)
);
CREATE INDEX training_records_person_idx ON training_records (national_id);
CREATE INDEX training_records_district_year_idx ON training_records (district_code, end_year);

CREATE TABLE incubation_bases (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES districts (code),
    level         TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'municipal')),
    capacity      INTEGER CHECK (capacity > 0),
    created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX incubation_bases_name_key ON incubation_bases (district_code, name);

CREATE TABLE incubation_records (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id       BIGINT NOT NULL REFERENCES incubation_bases (id),
    national_id   TEXT NOT NULL CHECK (length(national_id) = 18),
    entity_name   TEXT NOT NULL,
    move_in       TEXT NOT NULL,
    move_out      TEXT CHECK (move_out >= move_in),
    move_in_year  INTEGER NOT NULL,
    created_by    BIGINT,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    UNIQUE (base_id, national_id, move_in)
);
-- At most one open tenancy (no move-out yet) per person per base.
CREATE UNIQUE INDEX incubation_records_open_key ON incubation_records (base_id, national_id) WHERE move_out IS NULL;
CREATE INDEX incubation_records_person_idx ON incubation_records (national_id);

CREATE TABLE service_records (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    national_id   TEXT NOT NULL CHECK (length(national_id) = 18),
    kind          TEXT NOT NULL CHECK (kind IN ('mentoring', 'guidance', 'policy_consult', 'event')),
    date          TEXT NOT NULL,
    year          INTEGER NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    district_code TEXT NOT NULL REFERENCES districts (code),
    created_by    BIGINT,
    created_at    DATETIME NOT NULL
);
CREATE INDEX service_records_person_idx ON service_records (national_id);
CREATE INDEX service_records_district_year_idx ON service_records (district_code, year);

-- +goose Down
DROP TABLE service_records;
DROP TABLE incubation_records;
DROP TABLE incubation_bases;
DROP TABLE training_records;
