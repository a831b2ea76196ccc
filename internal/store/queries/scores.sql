-- Score runs and their per-customer scores (score_runs, scores).

-- name: InsertScoreRun
INSERT INTO score_runs (created_at, model_hash, signals, customers, eligible) VALUES (?, ?, ?, ?, ?) RETURNING id;

-- name: InsertScore
-- SQLite's bulk path: one prepared statement in the run's transaction (Postgres uses COPY).
INSERT INTO scores (run_id, customer_id, rank, score, confidence, eligible, failed_gates, contributions, reasons)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: LatestScoreRun
SELECT id, created_at, model_hash, signals, customers, eligible FROM score_runs ORDER BY id DESC LIMIT 1;

-- name: ScoresOfRun
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

-- name: ScoreRunTimes
SELECT id, created_at FROM score_runs ORDER BY id DESC;

-- name: DeleteScoresOfRuns
DELETE FROM scores WHERE run_id IN (?);

-- name: DeleteScoreRuns
DELETE FROM score_runs WHERE id IN (?);

-- name: ScoreRunAtOrBefore
SELECT id FROM score_runs WHERE created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: ScoresOfCustomers
SELECT customer_id, score FROM scores WHERE run_id = ? AND customer_id IN (?);
