-- +goose Up
-- The counter-guarantee (反担保) the guarantee centre recorded when it
-- approved, such as "房产抵押：…"; empty when waived or not recorded.
ALTER TABLE applications ADD COLUMN counter_guarantee TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE applications DROP COLUMN counter_guarantee;
