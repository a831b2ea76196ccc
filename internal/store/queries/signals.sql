-- Current values (signals: one wide row per customer and source) and every observation
-- (signal_history: one wide row per customer, source and observation time).

-- The current values of a latest row are in cur when it is not NULL, else in vals (see
-- migrations/*/018_signals_cur_only.sql): every reader takes COALESCE(cur, vals), and the
-- store's latestDecoder reads either form.

-- name: LatestSignals
SELECT customer_id, source, COALESCE(cur, CAST(vals AS TEXT)) FROM signals ORDER BY customer_id, source;

-- name: ScanLatestSignals
-- Whole-base scoring: no ORDER BY, so Postgres reads the table sequentially instead of walking
-- the primary key into a million random heap pages (18 s against 2 s at a million customers).
-- It reads the compact form (cur) where there is one: see migrations/*/015_signals_current.sql.
SELECT customer_id, source, COALESCE(cur, CAST(vals AS TEXT)) FROM signals;

-- name: LatestSignalsOfCustomer
SELECT customer_id, source, COALESCE(cur, CAST(vals AS TEXT)) FROM signals WHERE customer_id = ? ORDER BY source;

-- name: LatestOfCustomers
SELECT customer_id, COALESCE(cur, CAST(vals AS TEXT)) FROM signals WHERE source = ? AND customer_id IN (?);

-- name: SignalCountsBySource
-- cur has one '=' per value (names holding one are written in vals instead).
SELECT source, COUNT(*), COALESCE(SUM(CASE WHEN cur IS NOT NULL THEN LENGTH(cur) - LENGTH(REPLACE(cur, '=', ''))
    ELSE (SELECT COUNT(*) FROM json_each(vals)) END), 0) FROM signals GROUP BY source;

-- name: SignalHistory
SELECT source, observed_at, vals FROM signal_history WHERE customer_id = ? ORDER BY observed_at, source;

-- name: HistoryOfCustomers
SELECT customer_id, observed_at, vals FROM signal_history WHERE source = ? AND customer_id IN (?);

-- name: HistoryOfCustomersAt
-- For a page with few distinct observation times (a sync time, a handful of survey dates).
SELECT customer_id, observed_at, vals FROM signal_history WHERE source = ? AND observed_at IN (?) AND customer_id IN (?);
