-- +goose Up
-- The subsidy regime each loan was contracted under (policy subsidy_regimes):
-- its method, the regime's effective day and who funds the subsidy by level
-- of government (millionths; NULL without subsidy).
ALTER TABLE loans ADD COLUMN subsidy_method TEXT NOT NULL DEFAULT 'share'
    CHECK (subsidy_method IN ('none', 'share', 'lpr_minus'));
ALTER TABLE loans ADD COLUMN subsidy_regime_from DATE;
ALTER TABLE loans ADD COLUMN subsidy_central_ppm BIGINT;
ALTER TABLE loans ADD COLUMN subsidy_provincial_ppm BIGINT;
ALTER TABLE loans ADD COLUMN subsidy_city_ppm BIGINT;
ALTER TABLE loans ADD COLUMN subsidy_county_ppm BIGINT;

-- Correction of the loans already recorded, by the regimes of the shipped
-- configs/policy.yaml. Until now every loan got the treasury share of 50%,
-- also for contract days before that regime (2023-01-01).
-- From 2023-01-01: share 50%, as before; only the regime is recorded.
UPDATE loans SET subsidy_regime_from = '2023-01-01',
    subsidy_central_ppm = 500000, subsidy_provincial_ppm = 250000, subsidy_city_ppm = 250000, subsidy_county_ppm = 0
WHERE disbursed_on >= '2023-01-01';
-- 2021-01-01 to 2022-12-31: lpr_minus 150 bp. The borrower pays the contract
-- rate up to the one-year LPR of the contract day − 1.50%, the treasury the
-- rest. LPR 3.85% (from 2020-04-20), 3.80% (2021-12-20), 3.70% (2022-01-20),
-- 3.65% (2022-08-22) → the borrower's rate at most 2.35%, 2.30%, 2.20%, 2.15%.
UPDATE loans SET subsidy_method = 'lpr_minus', subsidy_regime_from = '2021-01-01',
    subsidy_central_ppm = 500000, subsidy_provincial_ppm = 250000, subsidy_city_ppm = 250000, subsidy_county_ppm = 0,
    borrower_rate_ppm = CASE
        WHEN annual_rate_ppm < (CASE WHEN disbursed_on < '2021-12-20' THEN 23500 WHEN disbursed_on < '2022-01-20' THEN 23000
                                     WHEN disbursed_on < '2022-08-22' THEN 22000 ELSE 21500 END)
        THEN annual_rate_ppm
        ELSE (CASE WHEN disbursed_on < '2021-12-20' THEN 23500 WHEN disbursed_on < '2022-01-20' THEN 23000
                   WHEN disbursed_on < '2022-08-22' THEN 22000 ELSE 21500 END)
    END
WHERE disbursed_on >= '2021-01-01' AND disbursed_on < '2023-01-01';
UPDATE loans SET subsidy_rate_ppm = annual_rate_ppm - borrower_rate_ppm
WHERE disbursed_on >= '2021-01-01' AND disbursed_on < '2023-01-01';
-- Before 2021-01-01: no regime, no subsidy; the borrower pays the whole rate.
UPDATE loans SET subsidy_method = 'none', subsidy_rate_ppm = 0, borrower_rate_ppm = annual_rate_ppm
WHERE disbursed_on < '2021-01-01';

-- +goose Down
UPDATE loans SET subsidy_rate_ppm = (annual_rate_ppm + 1) / 2, borrower_rate_ppm = annual_rate_ppm - (annual_rate_ppm + 1) / 2
WHERE disbursed_on < '2023-01-01';
ALTER TABLE loans DROP COLUMN subsidy_county_ppm;
ALTER TABLE loans DROP COLUMN subsidy_city_ppm;
ALTER TABLE loans DROP COLUMN subsidy_provincial_ppm;
ALTER TABLE loans DROP COLUMN subsidy_central_ppm;
ALTER TABLE loans DROP COLUMN subsidy_regime_from;
ALTER TABLE loans DROP COLUMN subsidy_method;
