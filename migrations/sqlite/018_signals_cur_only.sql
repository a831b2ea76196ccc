-- +goose Up
-- signals.vals becomes nullable: the store writes it only when cur cannot hold the values (see
-- migrations/postgres/018_signals_cur_only.sql). SQLite cannot drop a NOT NULL constraint, so
-- the table is rebuilt with the same columns, keys and index, and its rows copied as they are.
CREATE TABLE signals_018 (
    customer_id TEXT NOT NULL,
    source      TEXT NOT NULL,
    vals        TEXT,                    -- {"signal": {"v": value, "t": "RFC 3339"}, ...} when cur is NULL
    updated_at  DATETIME NOT NULL,
    cur         TEXT,
    PRIMARY KEY (customer_id, source)
);
INSERT INTO signals_018 (customer_id, source, vals, updated_at, cur)
    SELECT customer_id, source, vals, updated_at, cur FROM signals;
DROP TABLE signals;
ALTER TABLE signals_018 RENAME TO signals;
CREATE INDEX signals_updated ON signals (updated_at);

-- +goose Down
-- Forward-only: Advocate never migrates down.
