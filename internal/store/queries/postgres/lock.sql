-- Session advisory locks: Postgres only (SQLite deployments are one process; see lock.go).

-- name: TryAdvisoryLock
SELECT pg_try_advisory_lock(?);

-- name: AdvisoryUnlock
SELECT pg_advisory_unlock(?);
