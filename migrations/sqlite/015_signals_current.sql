-- +goose Up
-- signals.cur: the current values of signals.vals in a compact text form that whole-base
-- scoring reads instead of the JSON (issue 16); see migrations/postgres/015_signals_current.sql.
ALTER TABLE signals ADD COLUMN cur TEXT;

-- Backfill from vals; `->` returns the number as stored, so values are exact.
UPDATE signals SET cur = (
    SELECT group_concat(t || ' ' || kv, ';') FROM (
        SELECT e.value ->> '$.t' AS t, group_concat(e.key || '=' || (e.value -> '$.v'), ',') AS kv
        FROM json_each(signals.vals) e GROUP BY 1 ORDER BY 1))
WHERE NOT EXISTS (
    SELECT 1 FROM json_each(signals.vals) e
    WHERE e.key = '' OR e.key GLOB '*[ ,;=]*' OR e.type <> 'object'
       OR IFNULL(json_type(e.value, '$.v'), '') NOT IN ('integer', 'real') OR IFNULL(json_type(e.value, '$.t'), '') <> 'text'
       OR (e.value ->> '$.t') GLOB '*[ ,;=]*' OR (e.value ->> '$.t') NOT GLOB '[0-9]*');

-- +goose Down
-- Forward-only: Advocate never migrates down.
