-- name: InsertDecision
INSERT INTO decisions (customer_id, kind, decided_by, decided_at, until, week, via) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id;

-- name: InsertSlackDecision
-- The first Slack decision per customer and week wins: a double click is one decision.
INSERT INTO decisions (customer_id, kind, decided_by, decided_at, until, week, via)
VALUES (?, ?, ?, ?, ?, ?, 'slack') ON CONFLICT (customer_id, week) WHERE via = 'slack' DO NOTHING;

-- name: SlackDecision
SELECT id, kind, decided_by, decided_at, until FROM decisions WHERE customer_id = ? AND week = ? AND via = 'slack';

-- name: LatestDecisions
-- The newest decision per customer is the one in force.
SELECT d.id, d.customer_id, d.kind, d.decided_by, d.decided_at, d.until, d.week, d.via FROM decisions d
WHERE d.id = (SELECT MAX(id) FROM decisions x WHERE x.customer_id = d.customer_id);

-- name: AskedTimes
-- Being asked to advocate: an enrollment in any sequence, or an approval.
SELECT customer_id, created_at FROM enrollments
UNION ALL SELECT customer_id, decided_at FROM decisions WHERE kind = 'approve';
