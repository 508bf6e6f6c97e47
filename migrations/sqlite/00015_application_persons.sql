-- +goose Up
-- The persons of an application or loan (issue 11): its lead (the
-- applicant, or an enterprise's legal representative) and every partner of
-- a partnership, one row each, so that the person checks (one open
-- application or unpaid loan at a time, max_loans_per_person, none after an
-- overdue loan) find by an index everything a resident ID number takes part
-- in. Written in the application's transactions; a disbursement sets loan_id
-- on the rows of its application; an imported loan (no application) has a
-- lead row with loan_id only. verified: the HRSS officer checked the person's
-- ID card (eligibility approved) or the row is of a loan, so it counts for
-- the person whichever account made it.
CREATE TABLE application_persons (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT REFERENCES applications (id),
    loan_id        BIGINT REFERENCES loans (id),
    national_id    TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('lead', 'partner')),
    verified       BOOLEAN NOT NULL DEFAULT 0,
    CHECK (application_id IS NOT NULL OR loan_id IS NOT NULL),
    UNIQUE (application_id, national_id),
    UNIQUE (loan_id, national_id)
);
CREATE INDEX application_persons_national_id_idx ON application_persons (national_id);

-- Back-fill: the lead of every application, then the partners listed in its
-- partners JSON (the lead again when listed keeps its lead row).
INSERT INTO application_persons (application_id, loan_id, national_id, role, verified)
SELECT a.id, l.id, upper(a.national_id), 'lead',
       l.id IS NOT NULL OR EXISTS (SELECT 1 FROM application_history h WHERE h.application_id = a.id AND h.action = 'approve' AND h.from_status = 'eligibility_review')
FROM applications a LEFT JOIN loans l ON l.application_id = a.id;

INSERT OR IGNORE INTO application_persons (application_id, loan_id, national_id, role, verified)
SELECT a.id, l.id, upper(json_extract(p.value, '$.national_id')), 'partner',
       l.id IS NOT NULL OR EXISTS (SELECT 1 FROM application_history h WHERE h.application_id = a.id AND h.action = 'approve' AND h.from_status = 'eligibility_review')
FROM applications a JOIN json_each(a.partners) p LEFT JOIN loans l ON l.application_id = a.id
WHERE a.borrower_type = 'partnership' AND COALESCE(json_extract(p.value, '$.national_id'), '') <> '';

-- Imported loans have no application: their borrower is their lead.
INSERT INTO application_persons (loan_id, national_id, role, verified)
SELECT l.id, upper(l.national_id), 'lead', 1 FROM loans l WHERE l.application_id IS NULL;

-- +goose Down
DROP TABLE application_persons;
