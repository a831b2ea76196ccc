-- +goose Up
-- signals.cur: the same current values as signals.vals in a compact text form that whole-base
-- scoring reads instead of the JSON (issue 16). Values observed at one time are grouped under
-- it, so the observation time is written once per sync rather than once per signal:
--
--     2026-11-16T09:00:00Z nps=9,csat=80;2026-10-01T00:00:00Z ltv=48200
--
-- A third of the bytes of vals, and decoded without a JSON parser. It is written with vals by
-- the store on every change; NULL means "not available, read vals" (a name holding one of the
-- separators, or a row merged in SQL by concurrent writers), so a reader never needs both.
ALTER TABLE signals ADD COLUMN cur TEXT;

-- Backfill from vals; the number text is copied as stored, so values are exact.
UPDATE signals s SET cur = (
    SELECT string_agg(g.t || ' ' || g.kv, ';' ORDER BY g.t)
    FROM (SELECT e.value->>'t' AS t, string_agg(e.key || '=' || (e.value->'v')::text, ',' ORDER BY e.key) AS kv
          FROM json_each(s.vals) e GROUP BY 1) g)
WHERE NOT EXISTS (
    SELECT 1 FROM json_each(s.vals) e
    WHERE e.key = '' OR e.key ~ '[ ,;=]' OR json_typeof(e.value) <> 'object'
       OR json_typeof(e.value->'v') IS DISTINCT FROM 'number' OR json_typeof(e.value->'t') IS DISTINCT FROM 'string'
       OR (e.value->>'t') ~ '[ ,;=]' OR (e.value->>'t') !~ '^[0-9]');

-- +goose Down
-- Forward-only: Advocate never migrates down.
