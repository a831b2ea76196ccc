-- name: UpsertAffiliateReferral
-- The platform's latest word on a referral wins; a known email is not erased by an empty one.
INSERT INTO affiliate_referrals (platform, id, affiliate_id, affiliate_email, customer_email, status, created_at, converted_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, id) DO UPDATE SET
    affiliate_id = excluded.affiliate_id,
    affiliate_email = CASE WHEN excluded.affiliate_email = '' THEN affiliate_referrals.affiliate_email ELSE excluded.affiliate_email END,
    customer_email = CASE WHEN excluded.customer_email = '' THEN affiliate_referrals.customer_email ELSE excluded.customer_email END,
    status = excluded.status,
    created_at = excluded.created_at,
    converted_at = excluded.converted_at,
    updated_at = excluded.updated_at;

-- name: UpsertAffiliateCommission
INSERT INTO affiliate_commissions (platform, id, affiliate_id, affiliate_email, referral_id, amount_minor, currency, status, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, id) DO UPDATE SET
    affiliate_id = excluded.affiliate_id,
    affiliate_email = CASE WHEN excluded.affiliate_email = '' THEN affiliate_commissions.affiliate_email ELSE excluded.affiliate_email END,
    referral_id = excluded.referral_id,
    amount_minor = excluded.amount_minor,
    currency = excluded.currency,
    status = excluded.status,
    created_at = excluded.created_at,
    updated_at = excluded.updated_at;

-- name: AffiliateReferrals
SELECT platform, id, affiliate_id, affiliate_email, customer_email, status, created_at, converted_at
FROM affiliate_referrals WHERE platform = ? ORDER BY created_at, id;

-- name: AffiliateCommissions
SELECT platform, id, affiliate_id, affiliate_email, referral_id, amount_minor, currency, status, created_at
FROM affiliate_commissions WHERE platform = ? ORDER BY created_at, id;

-- name: AffiliatesOnPlatform
SELECT platform, email, customer_id, affiliate_id, links, created_at, updated_at
FROM affiliates WHERE platform = ? ORDER BY email;

-- name: CustomerOfContactEmail
SELECT customer_id FROM contacts WHERE email = ?;

-- name: AddIdentity
INSERT INTO customer_identities (source, external_id, customer_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING;

-- name: UpsertPlatformAffiliate
-- The platform's latest word on an affiliate wins; a known email or join date is not erased by
-- an empty one.
INSERT INTO platform_affiliates (platform, affiliate_id, email, joined_at, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (platform, affiliate_id) DO UPDATE SET
    email = CASE WHEN excluded.email = '' THEN platform_affiliates.email ELSE excluded.email END,
    joined_at = COALESCE(excluded.joined_at, platform_affiliates.joined_at),
    updated_at = excluded.updated_at;

-- name: PlatformAffiliates
SELECT platform, affiliate_id, email, joined_at
FROM platform_affiliates WHERE platform = ? ORDER BY affiliate_id;
