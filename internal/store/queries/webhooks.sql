-- Affiliate-platform webhook events (webhook_events): one row per (platform, event id), so a
-- delivery seen before changes nothing.

-- name: RecordWebhookEvent
INSERT INTO webhook_events (platform, event_id, event_type, occurred_at, received_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (platform, event_id) DO NOTHING;

-- name: WebhookEvent
SELECT platform, event_id, event_type, occurred_at, received_at FROM webhook_events WHERE platform = ? AND event_id = ?;

-- name: PruneWebhookEvents
DELETE FROM webhook_events WHERE received_at < ?;
