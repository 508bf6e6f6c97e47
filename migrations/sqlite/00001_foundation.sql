-- +goose Up
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE districts (
    code       TEXT PRIMARY KEY CHECK (length(code) = 6 AND code NOT GLOB '*[^0-9]*'),
    name       TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE banks (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    username            TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    name                TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    disabled            BOOLEAN NOT NULL DEFAULT 0,
    password_changed_at DATETIME NOT NULL,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE user_roles (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    role          TEXT NOT NULL,
    district_code TEXT REFERENCES districts (code),
    bank_code     TEXT REFERENCES banks (code),
    created_at    DATETIME NOT NULL,
    UNIQUE (user_id, role)
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    revoked_at   DATETIME
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE targets (
    year                     INTEGER NOT NULL,
    district_code            TEXT NOT NULL REFERENCES districts (code),
    loan_amount_fen          BIGINT NOT NULL CHECK (loan_amount_fen >= 0),
    returnee_loan_amount_fen BIGINT CHECK (returnee_loan_amount_fen >= 0),
    jobs                     INTEGER CHECK (jobs >= 0),
    updated_at               DATETIME NOT NULL,
    PRIMARY KEY (year, district_code)
);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    actor_id    BIGINT,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    request_id  TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE targets;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE banks;
DROP TABLE districts;
DROP TABLE settings;
