-- +goose Up
-- The Slack side of the weekly shortlist: what was (or is about to be) posted, which CSM
-- decisions came from Slack, and the alert queue.

-- Every message of a week's shortlist, planned before the first one is sent. The plan is
-- frozen once written (SaveShortlist refuses to rebuild a week with a plan), so a poster that
-- crashed half-way resumes with exactly the remaining messages: a row with ts = '' is unsent.
CREATE TABLE shortlist_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    shortlist_id   INTEGER NOT NULL REFERENCES shortlists (id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,              -- posting order
    recipient      TEXT NOT NULL DEFAULT '',      -- CSM email for a DM; '' for the channel
    channel        TEXT NOT NULL,                 -- where it goes: channel name/id, or a Slack user id (DM)
    text           TEXT NOT NULL DEFAULT '',      -- notification (fallback) text
    blocks         TEXT NOT NULL,                 -- Block Kit JSON as rendered
    posted_channel TEXT NOT NULL DEFAULT '',      -- the channel id Slack answered with
    ts             TEXT NOT NULL DEFAULT '',      -- Slack message timestamp; '' until sent
    posted_at      DATETIME,
    UNIQUE (shortlist_id, seq)
);
CREATE INDEX shortlist_messages_ts ON shortlist_messages (posted_channel, ts);

-- A Slack button decides a customer once per shortlist week: a double click, or two CSMs
-- pressing at once, records one decision. Changing one's mind later goes through the CLI.
CREATE UNIQUE INDEX decisions_slack_once ON decisions (customer_id, week) WHERE via = 'slack';

-- Alerts waiting for the next digest (sent_at NULL), and those already sent.
CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    sent_at    DATETIME
);
CREATE INDEX alerts_unsent ON alerts (id) WHERE sent_at IS NULL;

-- What the alert checks last reported per subject ("connector:crm" -> "failing"), so a
-- condition is alerted when it starts and when it ends, not on every run in between.
CREATE TABLE alert_state (
    key        TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

-- +goose Down
-- Forward-only: Advocate never migrates down.
