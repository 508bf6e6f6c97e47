-- +goose Up
-- The notifications of issue 17. Each row is one event told to one user,
-- written in the same transaction as the change it tells (a transactional
-- outbox): the in-app inbox shows the rows with in_app, and the dispatcher
-- of `serve` sends the SMS of the rows whose sms_state is pending, claiming
-- them with a lease (sms_claimed_by, sms_claimed_until). The recipient is a
-- user id, never a phone number: the phone is read when the SMS is sent.
-- (event_key, recipient_id) is unique, so an event is told to a user once.
-- sms_state: off (in-app only), pending, sent, failed (after the last
-- retry), no_phone, digest (an officer's item, told by the daily digest),
-- digested.
CREATE TABLE notifications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key         TEXT NOT NULL,
    recipient_id      BIGINT NOT NULL REFERENCES users (id),
    template          TEXT NOT NULL,
    params            TEXT NOT NULL DEFAULT '{}',
    entity_type       TEXT NOT NULL DEFAULT '',
    entity_id         TEXT NOT NULL DEFAULT '',
    in_app            BOOLEAN NOT NULL DEFAULT 1,
    created_at        DATETIME NOT NULL,
    read_at           DATETIME,
    sms_state         TEXT NOT NULL CHECK (sms_state IN ('off', 'pending', 'sent', 'failed', 'no_phone', 'digest', 'digested')),
    sms_attempts      INTEGER NOT NULL DEFAULT 0,
    sms_next_at       DATETIME,
    sms_claimed_by    TEXT,
    sms_claimed_until DATETIME,
    sms_last_error    TEXT NOT NULL DEFAULT '',
    sms_done_at       DATETIME,
    UNIQUE (event_key, recipient_id)
);
CREATE INDEX notifications_inbox ON notifications (recipient_id, id);
CREATE INDEX notifications_due ON notifications (sms_next_at) WHERE sms_state = 'pending';
CREATE INDEX notifications_state ON notifications (sms_state, recipient_id);

-- A user's choice of SMS: an entrepreneur's SMS for each event, an
-- officer's daily digest. No row: SMS on.
CREATE TABLE notification_settings (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id),
    sms        BOOLEAN NOT NULL,
    updated_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE notification_settings;
DROP TABLE notifications;
