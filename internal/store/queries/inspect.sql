-- Whole-database views: Dump (tests compare two stores with it) and Counts (`status`).

-- name: DumpCustomers
SELECT id, name, COALESCE(domain, ''), owner, attributes FROM customers ORDER BY id;

-- name: DumpIdentities
SELECT source, external_id, customer_id FROM customer_identities ORDER BY source, external_id;

-- name: DumpContacts
SELECT email, customer_id, name, role, champion, opted_out FROM contacts ORDER BY email;

-- name: DumpSignals
SELECT customer_id, source, COALESCE(cur, CAST(vals AS TEXT)) FROM signals ORDER BY customer_id, source;

-- name: DumpHistory
SELECT customer_id, source, observed_at, vals FROM signal_history ORDER BY customer_id, source, observed_at;

-- name: CountRows
-- Every table `status` reports, in one round trip.
SELECT 'customers', COUNT(*) FROM customers
UNION ALL SELECT 'customer_identities', COUNT(*) FROM customer_identities
UNION ALL SELECT 'contacts', COUNT(*) FROM contacts
UNION ALL SELECT 'signals', COUNT(*) FROM signals
UNION ALL SELECT 'signal_history', COUNT(*) FROM signal_history
UNION ALL SELECT 'sync_runs', COUNT(*) FROM sync_runs
UNION ALL SELECT 'score_runs', COUNT(*) FROM score_runs
-- scores: customers scored across the stored runs (most live in score_packs, not rows).
UNION ALL SELECT 'scores', COALESCE(SUM(customers), 0) FROM score_runs
UNION ALL SELECT 'shortlists', COUNT(*) FROM shortlists
UNION ALL SELECT 'shortlist_entries', COUNT(*) FROM shortlist_entries
UNION ALL SELECT 'decisions', COUNT(*) FROM decisions
UNION ALL SELECT 'enrollments', COUNT(*) FROM enrollments
UNION ALL SELECT 'outbox', COUNT(*) FROM outbox
UNION ALL SELECT 'suppressions', COUNT(*) FROM suppressions;
