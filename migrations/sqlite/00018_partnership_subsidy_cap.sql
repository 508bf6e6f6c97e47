-- +goose Up
-- Correction (issue 11): a partnership is subsidised on its whole principal,
-- up to its own cap. Until now every partnership loan got the individual
-- subsidy cap (300,000.00), so the subsidy of a partnership loan above
-- 300,000.00 was computed on 300,000.00 only. The subsidy cap of each
-- partnership loan becomes, with the shipped configs/policy.yaml:
-- - disbursed from an application: its own cap, 110% × partners × 300,000.00
--   (330,000.00 per partner listed), never above 4,000,000.00, and never
--   below its principal (the principal was within its cap when granted);
-- - imported (no partners known): its principal (at most 4,000,000.00).
-- Quarters not yet claimed are computed on the new cap; claimed quarters keep
-- the figures frozen when they were claimed (README Upgrades).
UPDATE loans SET subsidy_cap_fen = CASE
        WHEN application_id IS NULL THEN principal_fen
        ELSE MAX(principal_fen, MIN(400000000, 33000000 * (SELECT json_array_length(a.partners) FROM applications a WHERE a.id = loans.application_id)))
    END
WHERE borrower_type = 'partnership';

-- +goose Down
UPDATE loans SET subsidy_cap_fen = 30000000 WHERE borrower_type = 'partnership';
