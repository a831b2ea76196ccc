-- name: ProgramAffiliates
-- Every affiliate Advocate made, on every platform (`advocate program`).
SELECT platform, email, customer_id, affiliate_id, links, created_at, updated_at
FROM affiliates ORDER BY platform, email;

-- name: ProgramReferrals
SELECT platform, id, affiliate_id, affiliate_email, customer_email, status, created_at, converted_at
FROM affiliate_referrals ORDER BY platform, created_at, id;

-- name: ProgramCommissions
SELECT platform, id, affiliate_id, affiliate_email, referral_id, amount_minor, currency, status, created_at
FROM affiliate_commissions ORDER BY platform, created_at, id;

-- name: ProgramShortlisted
-- Distinct customers ever on a stored shortlist.
SELECT count(DISTINCT customer_id) FROM shortlist_entries;

-- name: ProgramInvited
-- Distinct enrollments whose first step (the invite) was sent.
SELECT count(DISTINCT enrollment_id) FROM outbox WHERE step = 0 AND status = 'sent' AND enrollment_id IS NOT NULL;

-- name: ProgramApproved
-- Each customer ever approved: its attributes (is_partner), whether Advocate made one of its
-- people an affiliate, and whether a referral names one of its affiliates (by platform and id)
-- or one of its contacts (by affiliate email).
SELECT c.id, c.attributes,
    CASE WHEN EXISTS (SELECT 1 FROM affiliates a WHERE a.customer_id = c.id) THEN 1 ELSE 0 END,
    CASE WHEN EXISTS (SELECT 1 FROM affiliate_referrals r JOIN affiliates a
                        ON a.platform = r.platform AND a.affiliate_id = r.affiliate_id AND r.affiliate_id <> ''
                      WHERE a.customer_id = c.id)
           OR EXISTS (SELECT 1 FROM affiliate_referrals r JOIN contacts ct
                        ON ct.email = r.affiliate_email AND r.affiliate_email <> ''
                      WHERE ct.customer_id = c.id) THEN 1 ELSE 0 END
FROM customers c
WHERE c.id IN (SELECT customer_id FROM decisions WHERE kind = 'approve')
ORDER BY c.id;

-- name: ProgramReferredCustomers
-- Customers an affiliate referral names: the referral's customer email is one of their
-- contacts (both stored lowercased).
SELECT DISTINCT ct.customer_id
FROM affiliate_referrals r JOIN contacts ct ON ct.email = r.customer_email
WHERE r.customer_email <> ''
ORDER BY ct.customer_id;

-- name: ProgramPlatformAffiliates
-- Every affiliate the platforms list, with their join dates.
SELECT platform, affiliate_id, email, joined_at
FROM platform_affiliates ORDER BY platform, affiliate_id;
