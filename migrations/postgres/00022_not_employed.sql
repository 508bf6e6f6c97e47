-- +goose Up
-- The applicant's declaration of not being employed by an organisation
-- (机关、事业单位、企业等在职人员 are not eligible as individuals; issue 11).
-- NULL: an application written before it was asked (a draft or returned one
-- must declare it before it is edited or submitted again; the partners'
-- declarations are in the partners JSON, not_employed).
ALTER TABLE applications ADD COLUMN not_employed BOOLEAN;

-- +goose Down
ALTER TABLE applications DROP COLUMN not_employed;
