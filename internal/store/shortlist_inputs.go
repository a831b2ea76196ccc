package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
)

// Ranked is one customer's place in a score run.
type Ranked struct {
	CustomerID string
	Rank       int
	Score      float64
}

// EligibleOfRun returns a run's eligible customers in rank order: what the weekly shortlist
// walks, without decoding a million rows' breakdowns.
func (s *Store) EligibleOfRun(ctx context.Context, runID int64) ([]Ranked, error) {
	var out []Ranked
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var x Ranked
		if err := r.Scan(&x.CustomerID, &x.Rank, &x.Score); err != nil {
			return err
		}
		out = append(out, x)
		return nil
	}, s.q("EligibleOfRun"), runID)
	if err != nil {
		return nil, fmt.Errorf("read eligible customers of run %d: %w", runID, err)
	}
	// Sorted here rather than by the database: no index serves rank order, and Go sorts a
	// third of a million ints faster than Postgres sorts the rows.
	slices.SortFunc(out, func(a, b Ranked) int { return cmp.Compare(a.Rank, b.Rank) })
	return out, nil
}

// GateFailures is one distinct list of failed gates and how many customers of a run failed
// exactly those.
type GateFailures struct {
	Gates     []string
	Customers int
}

// GateFailuresOfRun counts a run's ineligible customers by the gates they failed.
func (s *Store) GateFailuresOfRun(ctx context.Context, runID int64) ([]GateFailures, error) {
	var out []GateFailures
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var raw []byte
		var g GateFailures
		if err := r.Scan(&raw, &g.Customers); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &g.Gates); err != nil {
			return fmt.Errorf("failed gates %q: %w", raw, err)
		}
		out = append(out, g)
		return nil
	}, s.q("GateFailuresOfRun"), runID)
	if err != nil {
		return nil, fmt.Errorf("count failed gates of run %d: %w", runID, err)
	}
	return out, nil
}

// ScoresOfRunFor returns the full scores (reasons, breakdown) of ids in a run, by customer id;
// customers the run did not score are absent.
func (s *Store) ScoresOfRunFor(ctx context.Context, runID int64, ids []string) (map[string]Score, error) {
	out := make(map[string]Score, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		q, args, err := s.in("ScoresOfRunFor", runID, chunk)
		if err == nil {
			err = each(ctx, s.db, func(r *sql.Rows) error {
				sc, err := scanScore(r)
				out[sc.CustomerID] = sc
				return err
			}, q, args...)
		}
		if err != nil {
			return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
		}
	}
	return out, nil
}
