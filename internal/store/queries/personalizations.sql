-- name: InsertPersonalization
INSERT INTO personalizations (customer_id, text, status, model, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (customer_id) DO NOTHING;

-- name: GetPersonalization
SELECT customer_id, text, status, model, created_at FROM personalizations WHERE customer_id = ?;
