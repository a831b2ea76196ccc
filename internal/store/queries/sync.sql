-- What Advocate remembers per connector (sync_state) and each run (sync_runs).

-- name: EnsureSyncState
INSERT INTO sync_state (connector) VALUES (?) ON CONFLICT (connector) DO NOTHING;

-- name: SyncCursor
SELECT cursor FROM sync_state WHERE connector = ?;

-- name: SaveCursor
UPDATE sync_state SET cursor = ? WHERE connector = ?;

-- name: SyncSucceeded
UPDATE sync_state SET last_success_at = ?, consecutive_failures = 0, next_attempt_at = NULL WHERE connector = ?;

-- name: SyncFailed
UPDATE sync_state SET last_error_at = ?, last_error = ?, consecutive_failures = consecutive_failures + 1 WHERE connector = ?;

-- name: SyncStates
SELECT connector, cursor, last_success_at, last_error, last_error_at, consecutive_failures, next_attempt_at FROM sync_state;

-- name: SyncFailures
SELECT consecutive_failures FROM sync_state WHERE connector = ?;

-- name: SetNextSyncAttempt
UPDATE sync_state SET next_attempt_at = ? WHERE connector = ?;

-- name: NextSyncAttempt
SELECT next_attempt_at FROM sync_state WHERE connector = ?;

-- name: InsertSyncRun
INSERT INTO sync_runs (connector, started_at) VALUES (?, ?) RETURNING id;

-- name: CountSyncPage
UPDATE sync_runs SET pages = pages + 1, records = records + ?, problems = problems + ? WHERE id = ?;

-- name: FinishSyncRun
UPDATE sync_runs SET finished_at = ?, status = ?, error = ?, problems = ? WHERE id = ?;

-- name: SetSyncRunBudget
UPDATE sync_runs SET api_calls = ?, api_remaining = ?, api_limit = ?, api_window = ? WHERE id = ?;

-- name: LastSyncRun
SELECT id, connector, started_at, finished_at, status, pages, records, problems, error, api_calls, api_remaining, api_limit, api_window
FROM sync_runs WHERE connector = ? ORDER BY id DESC LIMIT 1;

-- name: LastDataChange
-- The column itself, not MAX(): an aggregate of a time reaches Go as text on SQLite.
SELECT finished_at FROM sync_runs WHERE status = 'ok' AND records > 0 ORDER BY finished_at DESC LIMIT 1;

-- A run still 'running' when its connector's lock is free belongs to a process that died.
-- name: InterruptSyncRuns
UPDATE sync_runs SET status = 'interrupted', finished_at = ?, error = ? WHERE connector = ? AND status = 'running';

-- name: SyncRuns
SELECT id, connector, started_at, finished_at, status, pages, records, problems, error, api_calls, api_remaining, api_limit, api_window
FROM sync_runs WHERE connector = ? ORDER BY id DESC LIMIT ?;

-- The newest interrupted run per connector and how many there were (started_at read from the
-- column itself: an aggregate of it would reach Go as text on SQLite).
-- name: InterruptedRuns
SELECT r.connector, (SELECT COUNT(*) FROM sync_runs c WHERE c.connector = r.connector AND c.status = 'interrupted'), r.started_at
FROM sync_runs r WHERE r.id IN (SELECT MAX(id) FROM sync_runs WHERE status = 'interrupted' GROUP BY connector);
