package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ScoreRun is one scoring of every customer under one model.
type ScoreRun struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	ModelHash string    `json:"model_hash"`
	Customers int       `json:"customers"`
	Eligible  int       `json:"eligible"`
}

// Contribution is one factor of a stored score.
type Contribution struct {
	Signal   string  `json:"signal"`
	Value    float64 `json:"value"`
	Present  bool    `json:"present"`
	Goodness float64 `json:"goodness"`
	Weight   float64 `json:"weight"`
	Points   float64 `json:"points"`
}

// Score is one customer's result in a run.
type Score struct {
	RunID         int64          `json:"run_id"`
	CustomerID    string         `json:"customer_id"`
	Rank          int            `json:"rank"`
	Score         float64        `json:"score"`
	Confidence    float64        `json:"confidence"`
	Eligible      bool           `json:"eligible"`
	FailedGates   []string       `json:"failed_gates"`
	Contributions []Contribution `json:"contributions"`
	Reasons       []string       `json:"reasons"`
	CreatedAt     time.Time      `json:"created_at"` // of the run
}

// SaveScoreRun stores a run and all its scores in one transaction and returns the run's id.
func (s *Store) SaveScoreRun(ctx context.Context, modelHash string, scores []Score) (ScoreRun, error) {
	run := ScoreRun{ModelHash: modelHash, Customers: len(scores)}
	for _, sc := range scores {
		if sc.Eligible {
			run.Eligible++
		}
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		run.CreatedAt = now
		if err := tx.GetContext(ctx, &run.ID, s.rebind(`INSERT INTO score_runs (created_at, model_hash, customers, eligible) VALUES (?, ?, ?, ?) RETURNING id`),
			now, modelHash, run.Customers, run.Eligible); err != nil {
			return err
		}
		var stmt *sql.Stmt
		var err error
		if s.dialect == Postgres {
			stmt, err = tx.PrepareContext(ctx, `COPY scores (run_id, customer_id, rank, score, confidence, eligible, failed_gates, contributions, reasons) FROM STDIN`)
		} else {
			stmt, err = tx.PrepareContext(ctx, `INSERT INTO scores (run_id, customer_id, rank, score, confidence, eligible, failed_gates, contributions, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		}
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, sc := range scores {
			gates, _ := json.Marshal(nonNil(sc.FailedGates))
			contrib, _ := json.Marshal(nonNilC(sc.Contributions))
			reasons, _ := json.Marshal(nonNil(sc.Reasons))
			if _, err := stmt.ExecContext(ctx, run.ID, sc.CustomerID, sc.Rank, sc.Score, sc.Confidence, sc.Eligible, string(gates), string(contrib), string(reasons)); err != nil {
				return fmt.Errorf("score of %s: %w", sc.CustomerID, err)
			}
		}
		if s.dialect == Postgres {
			if _, err := stmt.ExecContext(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ScoreRun{}, fmt.Errorf("save score run: %w", err)
	}
	return run, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilC(s []Contribution) []Contribution {
	if s == nil {
		return []Contribution{}
	}
	return s
}

// LatestScoreRun returns the newest run, or ErrNotFound when nothing was scored yet.
func (s *Store) LatestScoreRun(ctx context.Context) (ScoreRun, error) {
	var r ScoreRun
	err := s.db.QueryRowContext(ctx, `SELECT id, created_at, model_hash, customers, eligible FROM score_runs ORDER BY id DESC LIMIT 1`).
		Scan(&r.ID, &r.CreatedAt, &r.ModelHash, &r.Customers, &r.Eligible)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("no score run yet (run `advocate score`): %w", ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read latest score run: %w", err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

const scoreCols = `s.run_id, s.customer_id, s.rank, s.score, s.confidence, s.eligible, s.failed_gates, s.contributions, s.reasons, r.created_at`

func scanScore(r rowScanner) (Score, error) {
	var sc Score
	var gates, contrib, reasons []byte
	if err := r.Scan(&sc.RunID, &sc.CustomerID, &sc.Rank, &sc.Score, &sc.Confidence, &sc.Eligible, &gates, &contrib, &reasons, &sc.CreatedAt); err != nil {
		return sc, err
	}
	sc.CreatedAt = sc.CreatedAt.UTC()
	if err := errors.Join(json.Unmarshal(gates, &sc.FailedGates), json.Unmarshal(contrib, &sc.Contributions), json.Unmarshal(reasons, &sc.Reasons)); err != nil {
		return sc, fmt.Errorf("score of %s: %w", sc.CustomerID, err)
	}
	return sc, nil
}

// Scores returns a run's scores in rank order.
func (s *Store) Scores(ctx context.Context, runID int64) ([]Score, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+scoreCols+` FROM scores s JOIN score_runs r ON r.id = s.run_id WHERE s.run_id = ? ORDER BY s.rank`), runID)
	if err != nil {
		return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []Score
	for rows.Next() {
		sc, err := scanScore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// ScoreHistory returns a customer's scores, newest run first, at most limit of them.
func (s *Store) ScoreHistory(ctx context.Context, customerID string, limit int) ([]Score, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+scoreCols+` FROM scores s JOIN score_runs r ON r.id = s.run_id
		WHERE s.customer_id = ? ORDER BY s.run_id DESC LIMIT ?`), customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("read score history of %s: %w", customerID, err)
	}
	defer rows.Close()
	var out []Score
	for rows.Next() {
		sc, err := scanScore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}
