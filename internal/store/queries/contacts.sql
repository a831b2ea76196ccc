-- name: Contacts
SELECT customer_id, email, name, role, champion, opted_out FROM contacts ORDER BY customer_id, email;

-- name: ContactsOfCustomer
SELECT customer_id, email, name, role, champion, opted_out FROM contacts WHERE customer_id = ? ORDER BY email;

-- name: Reachability
SELECT customer_id, COUNT(*), SUM(CASE WHEN opted_out THEN 0 ELSE 1 END) FROM contacts GROUP BY customer_id;

-- name: UpsertContact
-- Empty fields keep what another source said; opt-outs are sticky (consent first: one source
-- saying "opted out" is enough); champion likewise, until a CSM clears it. Unchanged rows are
-- not rewritten.
INSERT INTO contacts (email, customer_id, name, role, champion, opted_out, source, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (email) DO UPDATE SET
	customer_id = excluded.customer_id,
	name = CASE WHEN excluded.name = '' THEN contacts.name ELSE excluded.name END,
	role = CASE WHEN excluded.role = '' THEN contacts.role ELSE excluded.role END,
	champion = (contacts.champion OR excluded.champion),
	opted_out = (contacts.opted_out OR excluded.opted_out),
	source = excluded.source,
	updated_at = excluded.updated_at
WHERE contacts.customer_id <> excluded.customer_id
	OR (excluded.name <> '' AND contacts.name <> excluded.name)
	OR (excluded.role <> '' AND contacts.role <> excluded.role)
	OR (excluded.champion AND NOT contacts.champion)
	OR (excluded.opted_out AND NOT contacts.opted_out);
