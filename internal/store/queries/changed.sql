-- Hot re-scoring (internal/ranker Hot): which customers' model inputs changed since a moment,
-- and those customers' inputs. Each part finds its rows through an updated_at index
-- (migration 020); the per-customer reads probe primary keys.

-- name: ChangedRows
-- Each written row with what identifies it within its customer, so a caller reading an
-- overlapping window can tell a row it already read from one committed since.
SELECT customer_id, 's:' || source, updated_at FROM signals WHERE updated_at >= ?
UNION ALL SELECT id, 'a:', updated_at FROM customers WHERE updated_at >= ?
UNION ALL SELECT customer_id, 'c:' || email, updated_at FROM contacts WHERE updated_at >= ?;

-- name: AttributesOfCustomers
SELECT id, attributes FROM customers WHERE id IN (?) ORDER BY id;

-- name: ReachabilityOfCustomers
SELECT customer_id, COUNT(*), SUM(CASE WHEN opted_out THEN 0 ELSE 1 END) FROM contacts WHERE customer_id IN (?) GROUP BY customer_id;

-- name: LatestSignalsOfCustomers
SELECT customer_id, source, COALESCE(cur, CAST(vals AS TEXT)) FROM signals WHERE customer_id IN (?) ORDER BY customer_id, source;
