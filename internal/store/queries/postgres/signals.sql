-- name: SignalCountsBySource
-- Postgres has no json_each returning a row per key for COUNT; json_object_keys does.
SELECT source, COUNT(*), COALESCE(SUM(CASE WHEN cur IS NOT NULL THEN LENGTH(cur) - LENGTH(REPLACE(cur, '=', ''))
    ELSE (SELECT COUNT(*) FROM json_object_keys(vals)) END), 0) FROM signals GROUP BY source;

-- name: LatestOfCustomers
-- Locked until the page commits: the page merges these rows (and the history under them) in Go
-- and writes them back, so a concurrent page for the same customers and source waits and reads
-- the merged rows instead of overwriting them. In key order, so that pages lock in one order.
SELECT customer_id, COALESCE(cur, CAST(vals AS TEXT)) FROM signals WHERE source = ? AND customer_id IN (?) ORDER BY customer_id FOR UPDATE;
