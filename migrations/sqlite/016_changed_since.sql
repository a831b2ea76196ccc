-- +goose Up
-- Hot re-scoring in `serve` (issue 16) reads only the customers whose model inputs changed
-- since its last pass: these indexes find them without scanning a million rows. Updates move
-- the entries to the right end of each index, so their upkeep is an append per changed row.
CREATE INDEX signals_updated ON signals (updated_at);
CREATE INDEX customers_updated ON customers (updated_at);
CREATE INDEX contacts_updated ON contacts (updated_at);

-- +goose Down
DROP INDEX contacts_updated;
DROP INDEX customers_updated;
DROP INDEX signals_updated;
