package store

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// OpenWithQueries opens a store whose named queries come from fsys: tests inject a broken set.
func OpenWithQueries(ctx context.Context, dsn string, fsys fs.FS) (*Store, error) {
	return open(ctx, dsn, fsys)
}

// EmbeddedQueries is the query files the store ships with.
func EmbeddedQueries() fs.FS {
	sub, err := fs.Sub(embeddedQueries, "queries")
	if err != nil {
		panic(err)
	}
	return sub
}

// DSN is what the store was opened with.
func (s *Store) DSN() string { return s.path }

// CheckQueries runs the check Open runs, for timing it.
func (s *Store) CheckQueries(ctx context.Context) error { return s.checkQueries(ctx) }

// QueryCount is how many named queries the store checks.
func (s *Store) QueryCount() int { return len(s.queries) }

// MigrateTo applies the embedded migrations up to version: tests of a migration's backfill
// write data in the schema before it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrations()
	if err == nil {
		_, err = p.UpTo(ctx, version)
	}
	return err
}

// StepConnSetting shows a server setting on one of w's step connections (Postgres).
func (w *OutboxSender) StepConnSetting(ctx context.Context, name string) (string, error) {
	sc := <-w.conns
	defer func() { w.conns <- sc }()
	var v string
	err := sc.c.QueryRowContext(ctx, "SHOW "+name).Scan(&v)
	return v, err
}

// SaveUnpackedScoreRun stores a run the way runs were stored before migration 017 — packed
// FALSE, a full row per customer in scores — so tests can check those runs stay readable.
func (s *Store) SaveUnpackedScoreRun(ctx context.Context, modelHash string, scores []Score) (int64, error) {
	var signals []string
	for _, sc := range scores {
		for _, c := range sc.Contributions {
			if !slices.Contains(signals, c.Signal) {
				signals = append(signals, c.Signal)
			}
		}
	}
	slices.Sort(signals)
	col := map[string]int{}
	for i, name := range signals {
		col[name] = i
	}
	signalsJSON, _ := json.Marshal(nonNil(signals))
	var id int64
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		eligible := 0
		for _, sc := range scores {
			if sc.Eligible {
				eligible++
			}
		}
		if err := tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO score_runs (created_at, model_hash, signals, customers, eligible)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), now, modelHash, string(signalsJSON), len(scores), eligible); err != nil {
			return err
		}
		for _, sc := range scores {
			if _, err := tx.ExecContext(ctx, s.q("InsertScore"), id, sc.CustomerID, sc.Rank, sc.Score, sc.Confidence, sc.Eligible,
				encodeStrings(sc.FailedGates), string(encodeContributions(nil, sc.Contributions, col)), encodeStrings(sc.Reasons)); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// ScoreRowsAndPacks counts a run's rows in scores and in score_packs.
func (s *Store) ScoreRowsAndPacks(ctx context.Context, runID int64) (rows, packs int, err error) {
	err = errors.Join(s.db.GetContext(ctx, &rows, s.db.Rebind(`SELECT COUNT(*) FROM scores WHERE run_id = ?`), runID),
		s.db.GetContext(ctx, &packs, s.db.Rebind(`SELECT COUNT(*) FROM score_packs WHERE run_id = ?`), runID))
	return rows, packs, err
}
