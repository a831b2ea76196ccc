-- +goose Up
-- Affiliate-platform webhooks (issue 12). Each accepted event is a row keyed by the platform's
-- event id (or a digest of the body when it has none), so a retried or replayed delivery is
-- recognised and has no second effect. Rows older than the platforms' retry windows are pruned
-- (internal/affiliates/webhook).
CREATE TABLE webhook_events (
    platform    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL DEFAULT '',
    occurred_at TIMESTAMPTZ,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX webhook_events_received ON webhook_events (received_at);

-- +goose Down
-- Forward-only: Advocate never migrates down.
