-- Weekly shortlists, their entries and the Slack messages they are posted as (shortlists,
-- shortlist_entries, shortlist_messages).

-- name: ShortlistOfWeek
SELECT id, posted_at FROM shortlists WHERE week = ?;

-- name: InsertShortlist
INSERT INTO shortlists (week, score_run_id, created_at) VALUES (?, ?, ?) RETURNING id;

-- name: UpdateShortlist
UPDATE shortlists SET score_run_id = ?, created_at = ? WHERE id = ?;

-- name: GetShortlist
SELECT id, week, score_run_id, created_at, posted_at FROM shortlists WHERE week = ?;

-- name: MarkShortlistPosted
UPDATE shortlists SET posted_at = ? WHERE week = ? AND posted_at IS NULL;

-- name: MarkShortlistPostedAs
UPDATE shortlists SET posted_at = ?, channel = ?, message_ts = ? WHERE id = ? AND posted_at IS NULL;

-- name: DeleteShortlistEntries
DELETE FROM shortlist_entries WHERE shortlist_id = ?;

-- name: InsertShortlistEntry
INSERT INTO shortlist_entries (shortlist_id, customer_id, rank, score, contact_email, contact_name, contact_role, reasons, caution)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: ShortlistEntries
SELECT customer_id, rank, score, contact_email, contact_name, contact_role, reasons, caution
FROM shortlist_entries WHERE shortlist_id = ? ORDER BY rank;

-- name: CountShortlistMessages
SELECT COUNT(*) FROM shortlist_messages WHERE shortlist_id = ?;

-- name: CountUnsentShortlistMessages
SELECT COUNT(*) FROM shortlist_messages WHERE shortlist_id = ? AND ts = '';

-- name: InsertShortlistMessage
INSERT INTO shortlist_messages (shortlist_id, seq, recipient, channel, text, blocks) VALUES (?, ?, ?, ?, ?, ?);

-- name: ShortlistMessages
SELECT m.id, s.week, m.seq, m.recipient, m.channel, m.text, m.blocks, m.posted_channel, m.ts, m.posted_at
FROM shortlist_messages m JOIN shortlists s ON s.id = m.shortlist_id
WHERE s.week = ? ORDER BY m.seq;

-- name: FindShortlistMessage
SELECT m.id, s.week, m.seq, m.recipient, m.channel, m.text, m.blocks, m.posted_channel, m.ts, m.posted_at
FROM shortlist_messages m JOIN shortlists s ON s.id = m.shortlist_id
WHERE m.posted_channel = ? AND m.ts = ?;

-- name: ShortlistOfMessage
SELECT shortlist_id FROM shortlist_messages WHERE id = ?;

-- name: MarkShortlistMessageSent
UPDATE shortlist_messages SET posted_channel = ?, ts = ?, posted_at = ? WHERE id = ?;

-- name: FirstShortlistMessage
SELECT posted_channel, ts FROM shortlist_messages WHERE shortlist_id = ? ORDER BY seq LIMIT 1;
