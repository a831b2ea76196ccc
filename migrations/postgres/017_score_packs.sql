-- +goose Up
-- Issue 16: a score run of a million customers written as a million rows of scores takes
-- seconds however the rows are sent (a raw COPY of them alone is 2.2 s), so new runs are
-- "packed": every customer's rank, score, confidence, eligibility and failed gates go into
-- binary packs of a few thousand customers in id order (internal/store/scorepack.go), and
-- scores keeps full rows only for the customers the run explained (contributions, reasons).
-- Runs stored before this migration keep their rows and packed = FALSE, and are read through
-- the row path until pruned; the store writes every new run packed.
CREATE TABLE score_packs (
    run_id   BIGINT NOT NULL,
    first_id TEXT COLLATE "C" NOT NULL, -- the pack's first customer id; "C": ids sort bytewise, as the store sorts them
    data     BYTEA NOT NULL,
    PRIMARY KEY (run_id, first_id)
);
-- A pack is already compact and read whole; compressing it on write costs more than it saves.
ALTER TABLE score_packs ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE score_runs ADD COLUMN packed BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE score_runs DROP COLUMN packed;
DROP TABLE score_packs;
