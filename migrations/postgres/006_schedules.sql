-- +goose Up
-- Schedules as data (issue 11, items 7-9). Each job's next turn is a row every replica reads; a
-- replica runs a turn only if its UPDATE moved next_run_at (store.ClaimScheduledRun), so N
-- replicas run each job once per period, `@every` included.
CREATE TABLE job_schedules (
    name        TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    last_run_at TIMESTAMPTZ,
    next_run_at TIMESTAMPTZ NOT NULL
);

-- A connector that keeps failing waits until next_attempt_at (exponential backoff, or the
-- vendor's Retry-After) instead of being retried at the schedule's full rate.
ALTER TABLE sync_state ADD COLUMN next_attempt_at TIMESTAMPTZ;

-- A run whose process died is marked 'interrupted' rather than left 'running'.
ALTER TABLE sync_runs DROP CONSTRAINT IF EXISTS sync_runs_status_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check
    CHECK (status IN ('running', 'ok', 'failed', 'interrupted'));
CREATE INDEX sync_runs_running ON sync_runs (connector) WHERE status = 'running';
