-- What the weekly shortlist reads from a score run of a large base (shortlist.Make): the
-- eligible customers' ranks and scores, the ineligible ones' failed gates counted by distinct
-- list, and the full rows of the few customers it lists.

-- name: EligibleOfRun
SELECT customer_id, rank, score FROM scores WHERE run_id = ? AND eligible;

-- name: GateFailuresOfRun
SELECT failed_gates, COUNT(*) FROM scores WHERE run_id = ? AND NOT eligible GROUP BY failed_gates;

-- name: ScoresOfRunFor
SELECT s.run_id, s.customer_id, s.rank, s.score, s.confidence, s.eligible, s.failed_gates, s.contributions, s.reasons, r.created_at, r.signals
FROM scores s JOIN score_runs r ON r.id = s.run_id
WHERE s.run_id = ? AND s.customer_id IN (?);
