-- Current values (signals: one wide row per customer and source) and every observation
-- (signal_history: one wide row per customer, source and observation time).

-- name: LatestSignals
SELECT customer_id, source, vals FROM signals ORDER BY customer_id, source;

-- name: ScanLatestSignals
-- Whole-base scoring: no ORDER BY, so Postgres reads the table sequentially instead of walking
-- the primary key into a million random heap pages (18 s against 2 s at a million customers).
-- It reads the compact form (cur) where there is one: see migrations/*/015_signals_current.sql.
SELECT customer_id, source, COALESCE(cur, CAST(vals AS TEXT)) FROM signals;

-- name: LatestSignalsOfCustomer
SELECT customer_id, source, vals FROM signals WHERE customer_id = ? ORDER BY source;

-- name: LatestOfCustomers
SELECT customer_id, vals FROM signals WHERE source = ? AND customer_id IN (?);

-- name: SignalCountsBySource
SELECT source, COUNT(*), COALESCE(SUM((SELECT COUNT(*) FROM json_each(vals))), 0) FROM signals GROUP BY source;

-- name: SignalHistory
SELECT source, observed_at, vals FROM signal_history WHERE customer_id = ? ORDER BY observed_at, source;

-- name: HistoryOfCustomers
SELECT customer_id, observed_at, vals FROM signal_history WHERE source = ? AND customer_id IN (?);

-- name: HistoryOfCustomersAt
-- For a page with few distinct observation times (a sync time, a handful of survey dates).
SELECT customer_id, observed_at, vals FROM signal_history WHERE source = ? AND observed_at IN (?) AND customer_id IN (?);
