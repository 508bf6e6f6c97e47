-- +goose Up
-- Correction (issue 11 item 5): a policy version never applies before its own
-- date. Until now a loan of a day before 2023-01-01 took the caps of the 2023
-- version (财金〔2023〕75号); the shipped configs/policy.yaml now has the
-- version of 2020-01-01 (财金〔2020〕21号) for 2020-01-01 – 2022-12-31. The
-- subsidy cap of each loan disbursed (contracted) in that range becomes that
-- version's:
-- - individual: 200,000.00 (was 300,000.00);
-- - enterprise: 3,000,000.00 (was 4,000,000.00);
-- - partnership disbursed from an application: 110% × partners × 200,000.00
--   (220,000.00 per partner listed), never above 3,000,000.00;
-- - partnership imported with its partners (stored cap 330,000.00 × partners,
--   above the principal, below 4,000,000.00): 220,000.00 × partners, never
--   above 3,000,000.00;
-- - partnership imported otherwise (its principal, or 4,000,000.00 for 13
--   partners or more): at most 3,000,000.00.
-- Quarters not yet claimed are computed on the new cap; claimed, checked and
-- paid quarters keep the figures frozen when they were claimed (README
-- Upgrades). Loans of days before 2020-01-01 keep their caps: no version was
-- in force then, and the migration does not guess one.
UPDATE loans SET subsidy_cap_fen = CASE
        WHEN borrower_type = 'individual' THEN 20000000
        WHEN borrower_type = 'enterprise' THEN 300000000
        WHEN application_id IS NOT NULL THEN MIN(300000000, 22000000 * (SELECT json_array_length(a.partners) FROM applications a WHERE a.id = loans.application_id))
        WHEN subsidy_cap_fen > principal_fen AND subsidy_cap_fen < 400000000 AND subsidy_cap_fen % 33000000 = 0
            THEN MIN(300000000, subsidy_cap_fen / 33000000 * 22000000)
        ELSE MIN(300000000, subsidy_cap_fen)
    END
WHERE disbursed_on >= '2020-01-01' AND disbursed_on < '2023-01-01';

-- +goose Down
-- Back to the 2023 version's caps; an imported partnership goes back to
-- 330,000.00 per partner when its cap was 220,000.00 per partner above its
-- principal, to its principal otherwise.
UPDATE loans SET subsidy_cap_fen = CASE
        WHEN borrower_type = 'individual' THEN 30000000
        WHEN borrower_type = 'enterprise' THEN 400000000
        WHEN application_id IS NOT NULL THEN MAX(principal_fen, MIN(400000000, 33000000 * (SELECT json_array_length(a.partners) FROM applications a WHERE a.id = loans.application_id)))
        WHEN subsidy_cap_fen > principal_fen AND subsidy_cap_fen < 300000000 AND subsidy_cap_fen % 22000000 = 0
            THEN subsidy_cap_fen / 22000000 * 33000000
        ELSE principal_fen
    END
WHERE disbursed_on >= '2020-01-01' AND disbursed_on < '2023-01-01';
