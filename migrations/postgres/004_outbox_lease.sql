-- +goose Up
-- Issue 11: a claim is a lease owned by one worker. ClaimEmails writes a fresh random token
-- with the lease; renewing the lease and every change of a claimed row's state (sent, retry,
-- failed, released, cancelled as blocked) match id and token, so a worker whose lease was
-- taken over changes nothing and sends nothing. Rows claimed before this migration have the
-- empty token, which no worker holds: they are taken over when their lease runs out.
ALTER TABLE outbox ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
-- Renewing a lease finds the rows a worker holds by their token.
CREATE INDEX outbox_claim ON outbox (claim_token) WHERE status = 'sending';

-- +goose Down
-- Forward-only: Advocate never migrates down.
