-- +goose Up
-- Affiliates (issue 12, "On approval"): the affiliate a platform made for an approved person,
-- one per platform and (lowercased) email, with the platform's id and referral links (a JSON
-- array of URLs, primary first). Emails carry links[0]. customer_id is '' for a person who
-- matches no customer (an outside partner, once outcomes are synced).
CREATE TABLE affiliates (
    platform     TEXT NOT NULL,
    email        TEXT NOT NULL,
    customer_id  TEXT NOT NULL DEFAULT '',
    affiliate_id TEXT NOT NULL,
    links        TEXT NOT NULL DEFAULT '[]',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, email)
);
CREATE INDEX affiliates_customer ON affiliates (customer_id);
