-- name: ClaimEmails
-- As the shared version, plus FOR UPDATE SKIP LOCKED: concurrent claimers on several replicas
-- never wait for or take each other's rows.
UPDATE outbox SET status = 'sending', claim_token = ?, attempts = attempts + 1, lease_until = ?, updated_at = ?
WHERE id IN (
	SELECT id FROM (SELECT id, next_attempt_at FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
		ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) p
	UNION ALL
	SELECT id FROM (SELECT id, lease_until FROM outbox WHERE status = 'sending' AND lease_until <= ?
		ORDER BY lease_until, id LIMIT ? FOR UPDATE SKIP LOCKED) x)
RETURNING id, key, COALESCE(enrollment_id, 0), step, from_addr, reply_to, to_addr, to_name, subject, text_body,
	html_body, unsubscribe_url, message_id, attempts, due_at, created_at,
	EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = outbox.to_addr),
	EXISTS (SELECT 1 FROM contacts c WHERE c.email = outbox.to_addr AND c.opted_out),
	COALESCE((SELECT e.status FROM enrollments e WHERE e.id = outbox.enrollment_id), 'active');

-- name: OutboxStep
-- A sender's one round trip per email: MarkSent for the email the server just accepted ($1;
-- 0 for none) at $2, then CheckClaimedEmail for the next one ($3; 0 for none), both under the
-- claim token $4. Postgres only (SQLite cannot update in a WITH clause; it has no round trips
-- to save).
WITH done AS (
	UPDATE outbox SET status = 'sent', sent_at = $2, lease_until = NULL, last_error = '', updated_at = $2
	WHERE id = $1 AND claim_token = $4 AND status = 'sending' RETURNING id)
SELECT id, false, false, '' FROM done
UNION ALL
SELECT o.id, EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = o.to_addr),
	EXISTS (SELECT 1 FROM contacts c WHERE c.email = o.to_addr AND c.opted_out),
	COALESCE((SELECT e.status FROM enrollments e WHERE e.id = o.enrollment_id), 'active')
FROM outbox o WHERE o.id = $3 AND o.claim_token = $4 AND o.status = 'sending';
