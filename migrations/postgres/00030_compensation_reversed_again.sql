-- +goose Up
-- A loan compensated again after its compensation was reversed can have
-- that compensation reversed too: a compensation's reversal names the loan
-- (target_id), so the one live reversal per original (00024) would refuse
-- the second. A confirmed reversal of a compensation no longer holds the
-- slot; a proposed one still does, so two proposals never stand at once,
-- and a confirmation finds the loan compensated or refuses.
DROP INDEX reversals_live_idx;
CREATE UNIQUE INDEX reversals_live_idx ON reversals (kind, target_id)
    WHERE status = 'proposed' OR (status = 'confirmed' AND kind <> 'compensation');

-- +goose Down
-- Fails while a loan has two confirmed reversals of compensations.
DROP INDEX reversals_live_idx;
CREATE UNIQUE INDEX reversals_live_idx ON reversals (kind, target_id) WHERE status <> 'rejected';
