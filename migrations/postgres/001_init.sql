-- +goose Up
-- Customers are accounts; id is derived from the first identity seen (see store.customerID).
CREATE TABLE customers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    domain     TEXT UNIQUE,                    -- normalised web domain; NULL when unknown
    owner      TEXT NOT NULL DEFAULT '',       -- CSM email
    attributes JSON NOT NULL DEFAULT '{}',  -- json, not jsonb: stored and read whole, no re-serialising
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- How each source names a customer, so later syncs map straight through.
CREATE TABLE customer_identities (
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);

-- People at customers; merged across sources by email.
CREATE TABLE contacts (
    email       TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '',
    champion    BOOLEAN NOT NULL DEFAULT FALSE,
    opted_out   BOOLEAN NOT NULL DEFAULT FALSE,
    source      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id);

-- Signal values are stored wide: one row per customer, source and observation time holding
-- every signal observed then, as a JSON object ({"nps": 9, "csat": 80}). A sync of N signals
-- for a customer writes one row, not N: a tenth of the index entries, which is what bulk loads
-- and whole-base scoring reads pay for. The type is json, not jsonb: the store always reads and
-- writes these objects whole, and jsonb would re-serialise every row on every read.
--
-- History is append-only per observation time; the primary key makes re-syncs idempotent.
-- The two signal tables carry no foreign key to customers: they take bulk loads (COPY), where a
-- per-row FK trigger halves throughput, and only the store writes them, after resolving the
-- customer in the same transaction. Byte-order ("C") collation keeps their text keys cheap.
CREATE TABLE signal_history (
    customer_id TEXT COLLATE "C" NOT NULL,
    source      TEXT COLLATE "C" NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    vals        JSON NOT NULL,           -- {"signal": value, ...}
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, source, observed_at)
);

-- The newest value of every signal per customer and source: {"signal": {"v": value, "t":
-- "RFC 3339 observation time"}}. Precedence between sources is applied when reading, so
-- changing it in config needs no rewrite.
CREATE TABLE signals (
    customer_id TEXT COLLATE "C" NOT NULL,
    source      TEXT COLLATE "C" NOT NULL,
    vals        JSON NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, source)
);

CREATE TABLE sync_state (
    connector            TEXT PRIMARY KEY,
    cursor               TEXT NOT NULL DEFAULT '',
    last_success_at      TIMESTAMPTZ,
    last_error           TEXT NOT NULL DEFAULT '',
    last_error_at        TIMESTAMPTZ,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sync_runs (
    id          BIGSERIAL PRIMARY KEY,
    connector   TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    pages       INTEGER NOT NULL DEFAULT 0,
    records     INTEGER NOT NULL DEFAULT 0,
    problems    INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sync_runs_connector ON sync_runs (connector, id);

CREATE TABLE score_runs (
    id         BIGSERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    model_hash TEXT NOT NULL,
    signals    TEXT NOT NULL DEFAULT '[]', -- JSON array: the order of each score's contributions
    customers  INTEGER NOT NULL,
    eligible   INTEGER NOT NULL
);

-- One row per customer per run, written in bulk (COPY) by the store alone, for a run it has just
-- created; old runs are pruned explicitly (store.PruneScoreRuns). No foreign keys: a per-row
-- RI check costs more than writing the row.
CREATE TABLE scores (
    run_id        BIGINT NOT NULL,
    customer_id   TEXT NOT NULL,
    rank          INTEGER NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    confidence    DOUBLE PRECISION NOT NULL,
    eligible      BOOLEAN NOT NULL,
    failed_gates  TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    contributions TEXT NOT NULL DEFAULT '[]',  -- JSON [[value or null, points, weight], ...] in score_runs.signals order
    reasons       TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    PRIMARY KEY (run_id, customer_id)
);
-- No (customer_id, run_id) index: a run writes every customer's row, and a second index
-- doubles that cost; one customer's history probes the primary key once per recent run.

CREATE TABLE shortlists (
    id           BIGSERIAL PRIMARY KEY,
    week         TEXT NOT NULL UNIQUE,         -- ISO week, e.g. 2026-W47
    score_run_id BIGINT REFERENCES score_runs (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    posted_at    TIMESTAMPTZ,
    channel      TEXT NOT NULL DEFAULT '',
    message_ts   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE shortlist_entries (
    shortlist_id  BIGINT NOT NULL REFERENCES shortlists (id) ON DELETE CASCADE,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    rank          INTEGER NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    contact_email TEXT NOT NULL,
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_role  TEXT NOT NULL DEFAULT '',
    reasons       TEXT NOT NULL DEFAULT '[]',
    caution       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (shortlist_id, customer_id)
);

-- Every decision a CSM made, newest last; the latest per customer is what counts.
CREATE TABLE decisions (
    id           BIGSERIAL PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('approve', 'skip', 'snooze')),
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   TIMESTAMPTZ NOT NULL,
    until        TIMESTAMPTZ,
    week         TEXT NOT NULL DEFAULT '',
    via          TEXT NOT NULL DEFAULT 'cli'
);
CREATE INDEX decisions_customer ON decisions (customer_id, id);

CREATE TABLE enrollments (
    id            BIGSERIAL PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    contact_email TEXT NOT NULL,
    sequence      TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (customer_id, sequence)
);

-- An email is a row here before it is an SMTP conversation (pending -> sending -> sent).
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,      -- enrollment and step: created once
    enrollment_id   BIGINT REFERENCES enrollments (id) ON DELETE CASCADE,
    step            INTEGER NOT NULL DEFAULT 0,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    due_at          TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE suppressions (
    email      TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
-- Forward-only: Advocate never migrates down.
