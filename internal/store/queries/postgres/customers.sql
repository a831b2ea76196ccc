-- name: CustomerRow
-- Locked until the page commits: a page merges its fields into the row in Go and writes it back,
-- so a concurrent page touching the same customer waits and then reads the merged row instead of
-- overwriting it (SQLite's write transactions are already serial).
SELECT name, domain, owner, attributes FROM customers WHERE id = ? FOR UPDATE;


-- name: CustomerCountEstimate
-- The planner's estimate (ANALYZE, autovacuum): no scan of the table. -1 before the first.
SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'customers'::regclass;
