-- +goose Up
-- Drafts saved half-filled (issue 14, item 8): a draft keeps whatever the
-- applicant has filled in so far; submitting checks everything. A draft may
-- lack its number (handed out once its district is known), resident ID
-- number, birth date, district, bank, borrower type, amount and term; every
-- other status keeps them required, as before.
ALTER TABLE applications
    ALTER COLUMN number DROP NOT NULL,
    ALTER COLUMN national_id DROP NOT NULL,
    ALTER COLUMN birth_date DROP NOT NULL,
    ALTER COLUMN district_code DROP NOT NULL,
    ALTER COLUMN bank_code DROP NOT NULL,
    DROP CONSTRAINT applications_borrower_type_check,
    DROP CONSTRAINT applications_amount_fen_check,
    DROP CONSTRAINT applications_term_months_check,
    ADD CONSTRAINT applications_borrower_type_check
        CHECK (borrower_type IN ('individual', 'partnership', 'enterprise') OR (status = 'draft' AND borrower_type = '')),
    ADD CONSTRAINT applications_amount_fen_check CHECK (amount_fen > 0 OR (status = 'draft' AND amount_fen = 0)),
    ADD CONSTRAINT applications_term_months_check CHECK (term_months > 0 OR (status = 'draft' AND term_months = 0)),
    ADD CONSTRAINT applications_complete_check
        CHECK (status = 'draft' OR (number IS NOT NULL AND national_id IS NOT NULL AND birth_date IS NOT NULL
                                    AND district_code IS NOT NULL AND bank_code IS NOT NULL));

-- +goose Down
-- Fails while a half-filled draft exists: complete or withdraw it first.
ALTER TABLE applications
    DROP CONSTRAINT applications_complete_check,
    DROP CONSTRAINT applications_borrower_type_check,
    DROP CONSTRAINT applications_amount_fen_check,
    DROP CONSTRAINT applications_term_months_check,
    ADD CONSTRAINT applications_borrower_type_check CHECK (borrower_type IN ('individual', 'partnership', 'enterprise')),
    ADD CONSTRAINT applications_amount_fen_check CHECK (amount_fen > 0),
    ADD CONSTRAINT applications_term_months_check CHECK (term_months > 0),
    ALTER COLUMN number SET NOT NULL,
    ALTER COLUMN national_id SET NOT NULL,
    ALTER COLUMN birth_date SET NOT NULL,
    ALTER COLUMN district_code SET NOT NULL,
    ALTER COLUMN bank_code SET NOT NULL;
