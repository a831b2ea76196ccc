-- +goose Up
-- Affiliate creations that failed (issue 12: "if the platform is down, the enrollment waits,
-- retries with backoff, and alerts the CSM channel after repeated failures"). Retry state is
-- data, as a connector's sync_state is: one row per platform and (lowercased) email while that
-- person's affiliate could not be made, removed when a create succeeds. attempts counts the
-- failures in a row; next_attempt_at is when the retry job may ask the platform again;
-- last_error is clipped and has secrets redacted; alerted says the CSM channel was told about
-- this person's wait.
CREATE TABLE affiliate_attempts (
    platform        TEXT NOT NULL,
    email           TEXT NOT NULL,
    customer_id     TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    first_failed_at TIMESTAMPTZ NOT NULL,
    last_failed_at  TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    alerted         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (platform, email)
);
