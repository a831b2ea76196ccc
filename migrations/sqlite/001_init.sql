-- +goose Up
-- Customers are accounts; id is derived from the first identity seen (see store.customerID).
CREATE TABLE customers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    domain     TEXT UNIQUE,                    -- normalised web domain; NULL when unknown
    owner      TEXT NOT NULL DEFAULT '',       -- CSM email
    attributes TEXT NOT NULL DEFAULT '{}',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
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
    updated_at  DATETIME NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id);

-- Signal values are stored wide, as on Postgres (see there): one history row per customer,
-- source and observation time with a JSON object of values; one latest row per customer and
-- source. No foreign key to customers: only the store writes these tables, after resolving the
-- customer in the same transaction.
CREATE TABLE signal_history (
    customer_id TEXT NOT NULL,
    source      TEXT NOT NULL,
    observed_at DATETIME NOT NULL,
    vals        TEXT NOT NULL,           -- {"signal": value, ...}
    recorded_at DATETIME NOT NULL,
    PRIMARY KEY (customer_id, source, observed_at)
);

CREATE TABLE signals (
    customer_id TEXT NOT NULL,
    source      TEXT NOT NULL,
    vals        TEXT NOT NULL,           -- {"signal": {"v": value, "t": "RFC 3339"}, ...}
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (customer_id, source)
);

CREATE TABLE sync_state (
    connector            TEXT PRIMARY KEY,
    cursor               TEXT NOT NULL DEFAULT '',
    last_success_at      DATETIME,
    last_error           TEXT NOT NULL DEFAULT '',
    last_error_at        DATETIME,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    connector   TEXT NOT NULL,
    started_at  DATETIME NOT NULL,
    finished_at DATETIME,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    pages       INTEGER NOT NULL DEFAULT 0,
    records     INTEGER NOT NULL DEFAULT 0,
    problems    INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sync_runs_connector ON sync_runs (connector, id);

CREATE TABLE score_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at DATETIME NOT NULL,
    model_hash TEXT NOT NULL,
    signals    TEXT NOT NULL DEFAULT '[]', -- JSON array: the order of each score's contributions
    customers  INTEGER NOT NULL,
    eligible   INTEGER NOT NULL
);

-- One row per customer per run, written in bulk (COPY) by the store alone, for a run it has just
-- created; old runs are pruned explicitly (store.PruneScoreRuns). No foreign keys: a per-row
-- RI check costs more than writing the row.
CREATE TABLE scores (
    run_id        INTEGER NOT NULL,
    customer_id   TEXT NOT NULL,
    rank          INTEGER NOT NULL,
    score         REAL NOT NULL,
    confidence    REAL NOT NULL,
    eligible      BOOLEAN NOT NULL,
    failed_gates  TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    contributions TEXT NOT NULL DEFAULT '[]',  -- JSON [[value or null, points, weight], ...] in score_runs.signals order
    reasons       TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    PRIMARY KEY (run_id, customer_id)
);
-- No (customer_id, run_id) index: a run writes every customer's row, and a second index
-- doubles that cost; one customer's history probes the primary key once per recent run.

CREATE TABLE shortlists (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    week         TEXT NOT NULL UNIQUE,         -- ISO week, e.g. 2026-W47
    score_run_id INTEGER REFERENCES score_runs (id) ON DELETE SET NULL,
    created_at   DATETIME NOT NULL,
    posted_at    DATETIME,
    channel      TEXT NOT NULL DEFAULT '',
    message_ts   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE shortlist_entries (
    shortlist_id  INTEGER NOT NULL REFERENCES shortlists (id) ON DELETE CASCADE,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    rank          INTEGER NOT NULL,
    score         REAL NOT NULL,
    contact_email TEXT NOT NULL,
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_role  TEXT NOT NULL DEFAULT '',
    reasons       TEXT NOT NULL DEFAULT '[]',
    caution       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (shortlist_id, customer_id)
);

-- Every decision a CSM made, newest last; the latest per customer is what counts.
CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('approve', 'skip', 'snooze')),
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   DATETIME NOT NULL,
    until        DATETIME,
    week         TEXT NOT NULL DEFAULT '',
    via          TEXT NOT NULL DEFAULT 'cli'
);
CREATE INDEX decisions_customer ON decisions (customer_id, id);

CREATE TABLE enrollments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    contact_email TEXT NOT NULL,
    sequence      TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    UNIQUE (customer_id, sequence)
);

-- An email is a row here before it is an SMTP conversation (pending -> sending -> sent).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,      -- enrollment and step: created once
    enrollment_id   INTEGER REFERENCES enrollments (id) ON DELETE CASCADE,
    step            INTEGER NOT NULL DEFAULT 0,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    due_at          DATETIME NOT NULL,
    next_attempt_at DATETIME NOT NULL,
    sent_at         DATETIME,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE suppressions (
    email      TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

-- +goose Down
-- Forward-only: Advocate never migrates down.
