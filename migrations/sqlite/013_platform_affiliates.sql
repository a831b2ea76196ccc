-- +goose Up
-- The affiliates a platform lists, with when the platform says each joined (issues 12/13):
-- Advocate's own affiliates table only knows the ones Advocate made, so a program that existed
-- before Advocate had no join dates to label productive affiliates by. One row per platform and
-- the platform's affiliate id, rewritten as the outcome sync sees it again; email lowercased
-- ('' when the platform does not say), joined_at NULL when it does not say.
CREATE TABLE platform_affiliates (
    platform     TEXT NOT NULL,
    affiliate_id TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    joined_at    DATETIME,
    updated_at   DATETIME NOT NULL,
    PRIMARY KEY (platform, affiliate_id)
);
