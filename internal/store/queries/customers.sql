-- Customers and the identities sources know them by (customers, customer_identities).

-- name: FindCustomer
SELECT id, name, domain, owner, attributes, created_at, updated_at FROM customers WHERE id = ? OR domain = ?;

-- name: ListCustomers
SELECT id, name, domain, owner, attributes, created_at, updated_at FROM customers ORDER BY id;

-- name: CustomerAttributes
-- Unordered, as ScanLatestSignals: a sequential read of the table.
SELECT id, attributes FROM customers;

-- name: CustomersByDomain
SELECT id, domain FROM customers WHERE domain IN (?);

-- name: CustomerRow
SELECT name, domain, owner, attributes FROM customers WHERE id = ?;

-- name: UpdateCustomer
UPDATE customers SET name = ?, domain = ?, owner = ?, attributes = ?, updated_at = ? WHERE id = ?;

-- name: IdentitiesOf
SELECT external_id, customer_id FROM customer_identities WHERE source = ? AND external_id IN (?);

-- name: CustomerCountEstimate
-- How many customers, roughly: whole-base scoring sizes its tables with it.
SELECT COUNT(*) FROM customers;
