-- +goose Up
-- Issue 11 (drip speed). The claim takes the oldest due rows in (next_attempt_at, id) order, and
-- the rows whose lease ran out in (lease_until, id) order, LIMIT a batch: indexes in exactly
-- those orders let it read a batch's worth of entries and stop, where outbox_due (status,
-- next_attempt_at) made it fetch and sort every due row for each batch (about 10 ms a claim
-- with 10,000 due, in the drip benchmark).
--
-- No index is partial on status = 'sending' any more: the planner, whose statistics rarely see
-- rows in flight, took such an index for nearly empty and scanned all of it, with every row
-- in flight, for each email's step instead of looking up the two rows by id. lease_until is
-- NULL outside "sending", so outbox_lease holds only rows in flight all the same. outbox_claim
-- goes: a worker renews its lease by the ids of its batch.
DROP INDEX outbox_due;
DROP INDEX outbox_lease;
DROP INDEX outbox_claim;
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_lease ON outbox (lease_until, id);

-- +goose Down
-- Forward-only: Advocate never migrates down.
