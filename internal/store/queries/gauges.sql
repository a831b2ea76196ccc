-- What the Prometheus gauges read (store.Gauges): small aggregates, each answered from an
-- index or a table of one row per connector, so a scrape costs milliseconds.

-- name: GaugeConnectors
SELECT connector, last_success_at, consecutive_failures FROM sync_state ORDER BY connector;

-- name: GaugeEnrollments
SELECT status, COUNT(*) FROM enrollments GROUP BY status;

-- name: GaugeScoreRun
SELECT created_at, customers, eligible FROM score_runs ORDER BY id DESC LIMIT 1;
