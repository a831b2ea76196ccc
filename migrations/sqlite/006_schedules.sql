-- +goose Up
-- Schedules as data (issue 11, items 7-9). Each job's next turn is a row every replica reads; a
-- replica runs a turn only if its UPDATE moved next_run_at (store.ClaimScheduledRun), so N
-- replicas run each job once per period, `@every` included.
CREATE TABLE job_schedules (
    name        TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    last_run_at DATETIME,
    next_run_at DATETIME NOT NULL
);

-- A connector that keeps failing waits until next_attempt_at (exponential backoff, or the
-- vendor's Retry-After) instead of being retried at the schedule's full rate.
ALTER TABLE sync_state ADD COLUMN next_attempt_at DATETIME;

-- A run whose process died is marked 'interrupted' rather than left 'running'. SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE sync_runs_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    connector   TEXT NOT NULL,
    started_at  DATETIME NOT NULL,
    finished_at DATETIME,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    pages       INTEGER NOT NULL DEFAULT 0,
    records     INTEGER NOT NULL DEFAULT 0,
    problems    INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''
);
INSERT INTO sync_runs_new (id, connector, started_at, finished_at, status, pages, records, problems, error)
    SELECT id, connector, started_at, finished_at, status, pages, records, problems, error FROM sync_runs;
DROP TABLE sync_runs;
ALTER TABLE sync_runs_new RENAME TO sync_runs;
CREATE INDEX sync_runs_connector ON sync_runs (connector, id);
CREATE INDEX sync_runs_running ON sync_runs (connector) WHERE status = 'running';
