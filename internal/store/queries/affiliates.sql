-- name: UpsertAffiliate
-- One row per platform and person: saving again keeps created_at and takes the newest id and
-- links; an empty customer_id does not erase a known one.
INSERT INTO affiliates (platform, email, customer_id, affiliate_id, links, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, email) DO UPDATE SET
    customer_id = CASE WHEN excluded.customer_id = '' THEN affiliates.customer_id ELSE excluded.customer_id END,
    affiliate_id = excluded.affiliate_id,
    links = excluded.links,
    updated_at = excluded.updated_at;

-- name: AffiliateByEmail
SELECT platform, email, customer_id, affiliate_id, links, created_at, updated_at
FROM affiliates WHERE platform = ? AND email = ?;

-- name: AffiliatesOfCustomer
SELECT platform, email, customer_id, affiliate_id, links, created_at, updated_at
FROM affiliates WHERE customer_id = ? ORDER BY created_at, email;

-- name: CountAffiliates
SELECT count(*) FROM affiliates WHERE platform = ?;
