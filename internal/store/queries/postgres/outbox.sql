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
-- Several senders' steps in one round trip and one commit. Each step is a row of the arrays
-- $1 (the email the server just accepted; 0 for none), $2 (the next email; 0 for none) and $3
-- (the sender's claim token): MarkSent for $1, CheckClaimedEmail for $2, at time $4. Rows come
-- back tagged: true for a recorded email, false for a next one still claimed. Postgres only
-- (SQLite cannot update in a WITH clause, and has no round trips to save).
WITH r AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS r (sent, next, token)),
done AS (
	UPDATE outbox SET status = 'sent', sent_at = $4, lease_until = NULL, last_error = '', updated_at = $4
	FROM r WHERE outbox.id = r.sent AND outbox.claim_token = r.token AND outbox.status = 'sending'
	RETURNING outbox.id)
SELECT true, id, false, false, '' FROM done
UNION ALL
SELECT false, o.id, EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = o.to_addr),
	EXISTS (SELECT 1 FROM contacts c WHERE c.email = o.to_addr AND c.opted_out),
	COALESCE((SELECT e.status FROM enrollments e WHERE e.id = o.enrollment_id), 'active')
FROM outbox o JOIN r ON o.id = r.next AND o.claim_token = r.token
WHERE o.status = 'sending';

-- name: ForceGenericPlans
-- For the connections an OutboxSender sets aside: OutboxStep is planned once per connection,
-- not once per group of emails (see Store.OutboxSender).
SET plan_cache_mode = force_generic_plan;

-- name: AsyncStepCommits
-- For the same connections, unless drip.synchronous_commit is set: a step's commit returns
-- once its WAL record is written, not flushed to disk (see Store.OutboxSender).
SET synchronous_commit = off;

-- name: DefaultCommits
-- Undoes AsyncStepCommits before such a connection goes back to the pool.
RESET synchronous_commit;

-- name: DefaultPlans
-- Undoes ForceGenericPlans before such a connection goes back to the pool.
RESET plan_cache_mode;

-- name: OutboxChurn
-- Rows inserted, updated or deleted in the outbox since its statistics were last gathered, and
-- how many rows those statistics counted (-1: never gathered).
SELECT COALESCE(s.n_mod_since_analyze, 0), c.reltuples
FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.oid = to_regclass('outbox');

-- name: AnalyzeOutbox
ANALYZE outbox;
