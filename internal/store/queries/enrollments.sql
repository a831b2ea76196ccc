-- name: InsertEnrollment
INSERT INTO enrollments (customer_id, contact_email, sequence, status, created_at, updated_at)
VALUES (?, ?, ?, 'active', ?, ?) ON CONFLICT (customer_id, sequence) DO NOTHING;

-- name: EnrollmentOf
SELECT id, customer_id, contact_email, sequence, status, drip_sequence, stop_reason, created_at, updated_at
FROM enrollments WHERE customer_id = ? AND sequence = ?;

-- name: Enrollments
SELECT id, customer_id, contact_email, sequence, status, drip_sequence, stop_reason, created_at, updated_at
FROM enrollments ORDER BY id;

-- name: EnrollmentsWithStatus
SELECT id, customer_id, contact_email, sequence, status, drip_sequence, stop_reason, created_at, updated_at
FROM enrollments WHERE status = ? ORDER BY id;

-- name: CustomerEnrollments
SELECT id, customer_id, contact_email, sequence, status, drip_sequence, stop_reason, created_at, updated_at
FROM enrollments WHERE customer_id = ? ORDER BY id;

-- name: SetEnrollmentStatus
UPDATE enrollments SET status = ?, updated_at = ? WHERE id = ?;

-- name: EndEnrollment
UPDATE enrollments SET status = ?, stop_reason = ?, updated_at = ? WHERE id = ? AND status IN ('active', 'paused');

-- name: StopEnrollmentsOfAddress
UPDATE enrollments SET status = 'stopped', stop_reason = ?, updated_at = ?
WHERE lower(contact_email) = ? AND status IN ('active', 'paused');

-- name: SetDripSequence
UPDATE enrollments SET drip_sequence = ?, updated_at = ? WHERE id = ? AND drip_sequence = '';

-- name: DripSequence
SELECT drip_sequence FROM enrollments WHERE id = ?;
