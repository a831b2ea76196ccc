-- Reads for the web dashboard (internal/web): one customer's timeline, and customer search.

-- name: CustomerDecisions
-- Newest first; decisions_customer (customer_id, id) serves it.
SELECT id, customer_id, kind, decided_by, decided_at, until, week, via FROM decisions
WHERE customer_id = ? ORDER BY id DESC LIMIT ?;

-- name: CustomerReferrals
-- The sign-ups the customer's affiliates brought: affiliates_customer, then
-- affiliate_referrals_affiliate (platform, affiliate_id).
SELECT r.platform, r.id, r.affiliate_id, r.affiliate_email, r.customer_email, r.status, r.created_at, r.converted_at
FROM affiliates a JOIN affiliate_referrals r ON r.platform = a.platform AND r.affiliate_id = a.affiliate_id
WHERE a.customer_id = ? AND a.customer_id <> '' ORDER BY r.created_at DESC, r.id LIMIT ?;

-- name: SearchCustomers
-- A substring of the name (any case) or of the domain. Bounded by LIMIT: a dashboard search,
-- not an export.
SELECT id, name, domain, owner, attributes, created_at, updated_at FROM customers
WHERE lower(name) LIKE ? ESCAPE '\' OR domain LIKE ? ESCAPE '\' ORDER BY name, id LIMIT ?;
