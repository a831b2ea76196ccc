-- name: SignalCountsBySource
-- Postgres has no json_each returning a row per key for COUNT; json_object_keys does.
SELECT source, COUNT(*), COALESCE(SUM((SELECT COUNT(*) FROM json_object_keys(vals))), 0) FROM signals GROUP BY source;
