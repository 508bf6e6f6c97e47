-- +goose Up
-- A resident ID number bound to the one account verified as its holder: by
-- the HRSS officer who approved an eligibility review (method officer), or
-- by a real-name check (method realname). Until a number is bound to an
-- account, that account learns nothing about the person behind it.
CREATE TABLE person_identities (
    national_id    TEXT PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id),
    method         TEXT NOT NULL CHECK (method IN ('officer', 'realname')),
    verified_by    BIGINT REFERENCES users (id),
    application_id BIGINT REFERENCES applications (id),
    verified_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX person_identities_user_idx ON person_identities (user_id);

-- What was approved at eligibility before this release was verified by the
-- officer who approved it: each number goes to the account of its first
-- such approval, unless approvals of several accounts name the number (those
-- stay unbound for an officer to settle).
INSERT INTO person_identities (national_id, user_id, method, verified_by, application_id, verified_at)
SELECT a.national_id, a.applicant_id, 'officer', h.actor_id, a.id, h.at
FROM applications a
JOIN application_history h ON h.application_id = a.id
WHERE h.action = 'approve' AND h.from_status = 'eligibility_review'
  AND h.id = (SELECT MIN(h2.id) FROM application_history h2 JOIN applications a2 ON a2.id = h2.application_id
              WHERE a2.national_id = a.national_id AND h2.action = 'approve' AND h2.from_status = 'eligibility_review')
  AND NOT EXISTS (SELECT 1 FROM applications o JOIN application_history oh ON oh.application_id = o.id
                  WHERE o.national_id = a.national_id AND o.applicant_id <> a.applicant_id
                    AND oh.action = 'approve' AND oh.from_status = 'eligibility_review');

-- +goose Down
DROP TABLE person_identities;
