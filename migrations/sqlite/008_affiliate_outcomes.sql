-- +goose Up
-- Affiliate outcomes (issue 12, "Outcomes"): the referrals (sign-ups an affiliate brought) and
-- commissions a platform reports, one row per platform and the platform's id, rewritten as the
-- platform's outcome sync sees them again. Emails are lowercased ('' when the platform does not
-- say); money is in minor units of currency (ISO 4217, upper case).
CREATE TABLE affiliate_referrals (
    platform        TEXT NOT NULL,
    id              TEXT NOT NULL,
    affiliate_id    TEXT NOT NULL DEFAULT '',
    affiliate_email TEXT NOT NULL DEFAULT '',
    customer_email  TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    converted_at    DATETIME,
    updated_at      DATETIME NOT NULL,
    PRIMARY KEY (platform, id)
);
CREATE INDEX affiliate_referrals_affiliate ON affiliate_referrals (platform, affiliate_id);

CREATE TABLE affiliate_commissions (
    platform        TEXT NOT NULL,
    id              TEXT NOT NULL,
    affiliate_id    TEXT NOT NULL DEFAULT '',
    affiliate_email TEXT NOT NULL DEFAULT '',
    referral_id     TEXT NOT NULL DEFAULT '',
    amount_minor    BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    PRIMARY KEY (platform, id)
);
CREATE INDEX affiliate_commissions_affiliate ON affiliate_commissions (platform, affiliate_id);
