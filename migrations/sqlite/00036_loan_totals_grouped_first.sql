-- +goose Up
-- PostgreSQL only (its 00036 groups the loans of a booking before spreading
-- them over the summaries' dimensions): SQLite's bookings are its own
-- (00034's bookLoans and the row triggers).
SELECT 1;

-- +goose Down
SELECT 1;
