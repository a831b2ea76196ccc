-- Score runs and their per-customer scores (score_runs, score_packs, scores). A packed run
-- (score_runs.packed, migration 017) has every customer in score_packs and full rows in scores
-- only for the customers it explained; a run stored before 017 has a row per customer.

-- name: InsertScoreRun
INSERT INTO score_runs (created_at, model_hash, signals, customers, eligible, packed) VALUES (?, ?, ?, ?, ?, TRUE) RETURNING id;

-- name: InsertScorePack
-- SQLite's path: one statement per pack in the run's transaction (Postgres uses COPY).
INSERT INTO score_packs (run_id, first_id, data) VALUES (?, ?, ?);

-- name: InsertScore
-- SQLite's path for the detailed rows: one prepared statement in the run's transaction
-- (Postgres uses COPY).
INSERT INTO scores (run_id, customer_id, rank, score, confidence, eligible, failed_gates, contributions, reasons)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: LatestScoreRun
SELECT id, created_at, model_hash, signals, customers, eligible FROM score_runs ORDER BY id DESC LIMIT 1;

-- name: ScoreRunShape
SELECT id, created_at, packed FROM score_runs WHERE id = ?;

-- name: ScoresOfRun
-- Every row of a run: the detailed ones of a packed run, everyone of an older run.
SELECT s.run_id, s.customer_id, s.rank, s.score, s.confidence, s.eligible, s.failed_gates, s.contributions, s.reasons, r.created_at, r.signals
FROM scores s JOIN score_runs r ON r.id = s.run_id
WHERE s.run_id = ? ORDER BY s.rank;

-- name: ScoreHistory
-- Probes the primary key (run_id, customer_id) once per run rather than keeping a second index
-- that every run's million-row write would pay for.
SELECT s.run_id, s.customer_id, s.rank, s.score, s.confidence, s.eligible, s.failed_gates, s.contributions, s.reasons, r.created_at, r.signals
FROM scores s JOIN score_runs r ON r.id = s.run_id
WHERE s.customer_id = ? AND s.run_id IN (SELECT id FROM score_runs ORDER BY id DESC LIMIT ?)
ORDER BY s.run_id DESC;

-- name: ScoreHistoryPacks
-- Per packed run among the last ?, the one pack that can hold customer ?: the last one starting
-- at or before the id (first_id collates bytewise, as the ids were sorted).
SELECT r.id, r.created_at, p.data
FROM score_runs r JOIN score_packs p ON p.run_id = r.id
WHERE r.id IN (SELECT id FROM score_runs ORDER BY id DESC LIMIT ?) AND r.packed
  AND p.first_id = (SELECT MAX(q.first_id) FROM score_packs q WHERE q.run_id = r.id AND q.first_id <= ?);

-- name: ScorePacksOfRun
SELECT data FROM score_packs WHERE run_id = ?;

-- name: ScorePackFirsts
SELECT first_id FROM score_packs WHERE run_id = ?;

-- name: ScorePacksAt
SELECT data FROM score_packs WHERE run_id = ? AND first_id IN (?);

-- name: ScoreRunTimes
SELECT id, created_at FROM score_runs ORDER BY id DESC;

-- name: DeleteScoresOfRuns
DELETE FROM scores WHERE run_id IN (?);

-- name: DeleteScorePacksOfRuns
DELETE FROM score_packs WHERE run_id IN (?);

-- name: DeleteScoreRuns
DELETE FROM score_runs WHERE id IN (?);

-- name: ScoreRunAtOrBefore
SELECT id FROM score_runs WHERE created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: ScoresOfRunFor
SELECT s.run_id, s.customer_id, s.rank, s.score, s.confidence, s.eligible, s.failed_gates, s.contributions, s.reasons, r.created_at, r.signals
FROM scores s JOIN score_runs r ON r.id = s.run_id
WHERE s.run_id = ? AND s.customer_id IN (?);
