-- Failed affiliate creations and their retry state (affiliate_attempts), and the approved
-- contacts still waiting for an affiliate with a link.

-- name: RecordAffiliateFailure
-- One row per platform and person: a failure counts one more attempt and keeps when the
-- failing began; the retry time is set next, from the new count.
INSERT INTO affiliate_attempts (platform, email, customer_id, attempts, last_error, first_failed_at, last_failed_at, next_attempt_at)
VALUES (?, ?, ?, 1, ?, ?, ?, ?)
ON CONFLICT (platform, email) DO UPDATE SET
    customer_id = CASE WHEN excluded.customer_id = '' THEN affiliate_attempts.customer_id ELSE excluded.customer_id END,
    attempts = affiliate_attempts.attempts + 1,
    last_error = excluded.last_error,
    last_failed_at = excluded.last_failed_at
RETURNING platform, email, customer_id, attempts, last_error, first_failed_at, last_failed_at, next_attempt_at, alerted;

-- name: SetAffiliateNextAttempt
UPDATE affiliate_attempts SET next_attempt_at = ? WHERE platform = ? AND email = ?;

-- name: ClearAffiliateAttempt
DELETE FROM affiliate_attempts WHERE platform = ? AND email = ?;

-- name: MarkAffiliateAttemptsAlerted
UPDATE affiliate_attempts SET alerted = TRUE WHERE platform = ? AND email IN (?);

-- name: PendingAffiliates
-- Active enrollments whose contact has no affiliate with a link on the platform, once per
-- customer and person (the first enrollment), with the failures recorded for them if any.
SELECT e.customer_id, p.email, e.created_at,
       a.attempts, a.last_error, a.first_failed_at, a.last_failed_at, a.next_attempt_at, a.alerted
FROM (SELECT MIN(id) AS id, lower(trim(contact_email)) AS email
      FROM enrollments WHERE status = 'active'
      GROUP BY customer_id, lower(trim(contact_email))) p
JOIN enrollments e ON e.id = p.id
LEFT JOIN affiliate_attempts a ON a.platform = ? AND a.email = p.email
WHERE p.email <> ''
  AND NOT EXISTS (SELECT 1 FROM affiliates f WHERE f.platform = ? AND f.email = p.email AND f.links <> '[]')
ORDER BY e.created_at, p.email;
