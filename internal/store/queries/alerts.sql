-- Queued Slack alerts (alerts) and what was last alerted per key (alert_state).

-- name: InsertAlert
INSERT INTO alerts (kind, text, created_at) VALUES (?, ?, ?) RETURNING id;

-- name: PendingAlerts
SELECT id, kind, text, created_at FROM alerts WHERE sent_at IS NULL ORDER BY id;

-- name: PendingAlertsLimit
SELECT id, kind, text, created_at FROM alerts WHERE sent_at IS NULL ORDER BY id LIMIT ?;

-- name: MarkAlertsSent
UPDATE alerts SET sent_at = ? WHERE id IN (?);

-- name: AlertStates
SELECT key, state FROM alert_state WHERE substr(key, 1, ?) = ?;

-- name: DeleteAlertState
DELETE FROM alert_state WHERE key = ?;

-- name: SetAlertState
INSERT INTO alert_state (key, state, updated_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at;
