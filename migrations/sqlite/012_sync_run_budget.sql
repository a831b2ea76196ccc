-- +goose Up
-- Each run's use of the vendor's API (issue 17): the requests it sent, retries included, and
-- the vendor's limit as its last response reported it (NULL when the vendor reports none).
-- api_window names the limit's period (day, 24h, minute, 10s).
ALTER TABLE sync_runs ADD COLUMN api_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN api_remaining INTEGER;
ALTER TABLE sync_runs ADD COLUMN api_limit INTEGER;
ALTER TABLE sync_runs ADD COLUMN api_window TEXT NOT NULL DEFAULT '';
