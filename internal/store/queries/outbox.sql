-- name: EnqueueEmail
INSERT INTO outbox (key, enrollment_id, step, from_addr, reply_to, to_addr, to_name,
	subject, text_body, html_body, unsubscribe_url, message_id, status, attempts, due_at, next_attempt_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING;

-- name: ClaimEmails
-- The two candidate sets are selected separately so each uses its own index. SQLite has one
-- writer, so no row locks; the Postgres version adds FOR UPDATE SKIP LOCKED.
UPDATE outbox SET status = 'sending', claim_token = ?, attempts = attempts + 1, lease_until = ?, updated_at = ?
WHERE id IN (
	SELECT id FROM (SELECT id, next_attempt_at FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
		ORDER BY next_attempt_at, id LIMIT ?) p
	UNION ALL
	SELECT id FROM (SELECT id, lease_until FROM outbox WHERE status = 'sending' AND lease_until <= ?
		ORDER BY lease_until, id LIMIT ?) x)
RETURNING id, key, COALESCE(enrollment_id, 0), step, from_addr, reply_to, to_addr, to_name, subject, text_body,
	html_body, unsubscribe_url, message_id, attempts, due_at, created_at,
	EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = outbox.to_addr),
	EXISTS (SELECT 1 FROM contacts c WHERE c.email = outbox.to_addr AND c.opted_out),
	COALESCE((SELECT e.status FROM enrollments e WHERE e.id = outbox.enrollment_id), 'active');

-- name: CancelEmail
UPDATE outbox SET status = 'cancelled', last_error = ?, lease_until = NULL, updated_at = ? WHERE id = ?;

-- name: ReturnClaimedEmails
-- Claimed rows going back to pending without the attempt the claim counted.
UPDATE outbox SET status = 'pending', attempts = attempts - 1, lease_until = NULL, next_attempt_at = ?, updated_at = ? WHERE id IN (?);

-- name: ReleaseEmails
-- Every change of a claimed row matches its claim token too: a worker whose lease another one
-- took over changes nothing.
UPDATE outbox SET status = 'pending', attempts = attempts - 1, lease_until = NULL, next_attempt_at = ?, updated_at = ?
WHERE id IN (?) AND claim_token = ? AND status = 'sending';

-- name: RetryEmail
UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = NULL, updated_at = ?
WHERE id = ? AND claim_token = ? AND status = 'sending';

-- name: FailEmail
UPDATE outbox SET status = 'failed', last_error = ?, lease_until = NULL, updated_at = ?
WHERE id = ? AND claim_token = ? AND status = 'sending';

-- name: CancelClaimedEmail
UPDATE outbox SET status = 'cancelled', last_error = ?, lease_until = NULL, updated_at = ?
WHERE id = ? AND claim_token = ? AND status = 'sending';

-- name: RenewLease
UPDATE outbox SET lease_until = ?, updated_at = ? WHERE id IN (?) AND claim_token = ? AND status = 'sending';

-- name: MarkSent
-- One row, right after the server accepted it (the per-message commit), if the sender still
-- holds its claim. SQLite senders run this and then CheckClaimedEmail for the next row;
-- Postgres senders do both in one round trip (OutboxStep).
UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = '', updated_at = ?
WHERE id = ? AND claim_token = ? AND status = 'sending';

-- name: CheckClaimedEmail
-- Right before an SMTP conversation: is the row still the sender's, and may it be sent? No
-- row: the claim ended (taken over, or cancelled by an unsubscribe).
SELECT o.id, EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = o.to_addr),
	EXISTS (SELECT 1 FROM contacts c WHERE c.email = o.to_addr AND c.opted_out),
	COALESCE((SELECT e.status FROM enrollments e WHERE e.id = o.enrollment_id), 'active')
FROM outbox o WHERE o.id = ? AND o.claim_token = ? AND o.status = 'sending';

-- name: CancelEmailsOfEnrollment
UPDATE outbox SET status = 'cancelled', last_error = ?, lease_until = NULL, updated_at = ?
WHERE enrollment_id = ? AND status = 'pending';

-- name: CancelEmailsTo
-- Claimed rows too: their worker finds them cancelled when it checks consent before sending.
UPDATE outbox SET status = 'cancelled', last_error = ?, lease_until = NULL, updated_at = ?
WHERE to_addr = ? AND status IN ('pending', 'sending');

-- name: ListOutbox
-- OutboxEmails appends its optional filters and the order to this.
SELECT id, key, COALESCE(enrollment_id, 0), step, from_addr, reply_to, to_addr, to_name, subject, text_body, html_body,
	unsubscribe_url, message_id, status, attempts, due_at, next_attempt_at, sent_at, last_error, created_at
FROM outbox WHERE 1 = 1;

-- name: OutboxCounts
SELECT status, COUNT(*) FROM outbox GROUP BY status;
