-- +goose Up
-- The onboarding drip (issue 6). The outbox row carries the rendered email, so the sender does
-- no rendering and a resend after a crash is byte-for-byte the same message.
ALTER TABLE outbox ADD COLUMN from_addr       TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN reply_to        TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN to_name         TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN text_body       TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN html_body       TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN unsubscribe_url TEXT NOT NULL DEFAULT '';
-- While status = 'sending': when another worker may take the row over (its sender died).
ALTER TABLE outbox ADD COLUMN lease_until     TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN updated_at      TIMESTAMPTZ;
-- Workers look for pending rows by next_attempt_at and for expired leases; consent checks and
-- unsubscribes look rows up by address.
CREATE INDEX outbox_lease ON outbox (lease_until) WHERE status = 'sending';
CREATE INDEX outbox_to ON outbox (to_addr);
CREATE INDEX outbox_enrollment ON outbox (enrollment_id, step);

-- The sequence the drip chose for an enrollment (by segment) the first time it planned it, so a
-- later attribute change does not switch sequences midway; and why it stopped.
ALTER TABLE enrollments ADD COLUMN drip_sequence TEXT NOT NULL DEFAULT '';
ALTER TABLE enrollments ADD COLUMN stop_reason   TEXT NOT NULL DEFAULT '';
CREATE INDEX enrollments_contact ON enrollments (contact_email);
CREATE INDEX enrollments_status ON enrollments (status);

-- The LLM-written paragraph for a customer's invitation: written once, validated, shown to the
-- CSM (Slack preview) and reused when the invitation is sent. status is 'ok' or
-- 'fallback: <why>' (text empty: the template's own words are used).
CREATE TABLE personalizations (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    text        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    model       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

-- Secrets the service generates for itself (the unsubscribe signing key when the config sets
-- none), shared by every replica through the database.
CREATE TABLE app_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
-- Forward-only: Advocate never migrates down.
