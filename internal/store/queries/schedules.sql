-- Job schedules as data (job_schedules): every replica reads the same next turn, and only the
-- replica whose claim moves next_run_at runs it.

-- name: EnsureSchedule
INSERT INTO job_schedules (name, spec, next_run_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING;

-- name: JobSchedule
SELECT name, spec, last_run_at, next_run_at FROM job_schedules WHERE name = ?;

-- name: JobSchedules
SELECT name, spec, last_run_at, next_run_at FROM job_schedules ORDER BY name;

-- name: ResetSchedule
UPDATE job_schedules SET spec = ?, next_run_at = ? WHERE name = ? AND spec <> ?;

-- name: ClaimScheduledRun
UPDATE job_schedules SET last_run_at = ?, next_run_at = ? WHERE name = ? AND next_run_at <= ?;
