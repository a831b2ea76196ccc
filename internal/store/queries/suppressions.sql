-- name: InsertSuppression
-- Suppressing twice keeps the first reason.
INSERT INTO suppressions (email, reason, created_at) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING;

-- name: Suppression
SELECT reason FROM suppressions WHERE email = ?;
