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
UPDATE outbox SET lease_until = ?, updated_at = ? WHERE claim_token = ? AND status = 'sending';

-- name: OutboxStep
-- A sender's one statement per email, matching its claim token (?4): it marks the email the
-- server just accepted (?1; 0 for none) sent at ?2 and, right before the next SMTP
-- conversation, checks that the next row (?3; 0 for none) is still claimed and may be sent.
-- Rows come back with the consent read at this moment; a row that does not come back is no
-- longer the sender's (taken over, or cancelled by an unsubscribe). SQLite cannot update in a
-- WITH clause, so the next row is "updated" to its own values here; Postgres does without.
UPDATE outbox SET status = CASE WHEN id = ?1 THEN 'sent' ELSE status END,
	sent_at = CASE WHEN id = ?1 THEN ?2 ELSE sent_at END,
	lease_until = CASE WHEN id = ?1 THEN NULL ELSE lease_until END,
	last_error = CASE WHEN id = ?1 THEN '' ELSE last_error END,
	updated_at = CASE WHEN id = ?1 THEN ?2 ELSE updated_at END
WHERE id IN (?1, ?3) AND claim_token = ?4 AND status = 'sending'
RETURNING id, EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = outbox.to_addr),
	EXISTS (SELECT 1 FROM contacts c WHERE c.email = outbox.to_addr AND c.opted_out),
	COALESCE((SELECT e.status FROM enrollments e WHERE e.id = outbox.enrollment_id), 'active');

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
