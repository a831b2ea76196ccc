package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Reading a run's scores: runs saved since migration 017 are packed (every customer in
// score_packs, full rows in scores only for the detailed ones); older runs have a full row per
// customer in scores. runScores is the one place that knows both; every reader of a run goes
// through it.

// runShape is what reading a run's scores needs to know of the run.
type runShape struct {
	ID        int64
	CreatedAt time.Time
	Packed    bool
}

// runScores calls fn with the stored score of each customer of run runID among ids (every
// customer when ids is nil), in no particular order; a run that does not exist has none. With
// detail each score carries its contributions and reasons; without, a packed run is read from
// its packs alone (the detailed rows hold nothing else).
func (s *Store) runScores(ctx context.Context, runID int64, ids []string, detail bool, fn func(Score) error) error {
	if ids != nil && len(ids) == 0 {
		return nil
	}
	var run runShape
	err := s.db.QueryRowContext(ctx, s.q("ScoreRunShape"), runID).Scan(&run.ID, &run.CreatedAt, &run.Packed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	run.CreatedAt = run.CreatedAt.UTC()
	if !run.Packed {
		return s.scoreRows(ctx, runID, ids, fn)
	}
	var detailed map[string]Score
	if detail {
		detailed = map[string]Score{}
		err := s.scoreRows(ctx, runID, ids, func(sc Score) error {
			detailed[sc.CustomerID] = sc
			return nil
		})
		if err != nil {
			return err
		}
	}
	var wanted map[string]bool
	if ids != nil {
		wanted = make(map[string]bool, len(ids))
		for _, id := range ids {
			wanted[id] = true
		}
	}
	return s.eachPack(ctx, runID, ids, func(data []byte) error {
		var ferr error
		err := decodePack(data, func(e *packEntry) bool {
			if wanted != nil && !wanted[string(e.ID)] {
				return true
			}
			ferr = fn(withDetail(&run, e, detailed))
			return ferr == nil
		})
		return cmp.Or(ferr, err)
	})
}

// withDetail is a pack entry's score, or its detailed row when the run stored one: that row has
// the same rank, score and gates, plus the contributions and reasons.
func withDetail(run *runShape, e *packEntry, detailed map[string]Score) Score {
	if sc, ok := detailed[string(e.ID)]; ok {
		return sc
	}
	return packScore(run, e)
}

// scoreRows calls fn with the full rows (table scores) of run runID among ids, all when nil.
func (s *Store) scoreRows(ctx context.Context, runID int64, ids []string, fn func(Score) error) error {
	scan := func(r *sql.Rows) error {
		sc, err := scanScore(r)
		if err != nil {
			return err
		}
		return fn(sc)
	}
	if ids == nil {
		return each(ctx, s.db, scan, s.q("ScoresOfRun"), runID)
	}
	return s.eachIn(ctx, "ScoresOfRunFor", ids, scan, runID)
}

// eachPack calls fn with the data of each pack of run runID that can hold one of ids (all of
// them when ids is nil). The data is only valid during the call.
func (s *Store) eachPack(ctx context.Context, runID int64, ids []string, fn func([]byte) error) error {
	scan := func(r *sql.Rows) error {
		var data sql.RawBytes
		if err := r.Scan(&data); err != nil {
			return err
		}
		return fn(data)
	}
	if ids == nil {
		return each(ctx, s.db, scan, s.q("ScorePacksOfRun"), runID)
	}
	var firsts []string
	if err := s.db.SelectContext(ctx, &firsts, s.q("ScorePackFirsts"), runID); err != nil {
		return err
	}
	slices.Sort(firsts) // the ids' byte order, whatever the database collates by
	need := map[string]bool{}
	for _, id := range ids {
		if i := packIndexOf(firsts, id); i >= 0 {
			need[firsts[i]] = true
		}
	}
	keys := make([]string, 0, len(need))
	for k := range need {
		keys = append(keys, k)
	}
	return s.eachIn(ctx, "ScorePacksAt", keys, scan, runID)
}

// Scores returns a run's scores in rank order.
func (s *Store) Scores(ctx context.Context, runID int64) ([]Score, error) {
	var out []Score
	err := s.runScores(ctx, runID, nil, true, func(sc Score) error {
		out = append(out, sc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
	}
	slices.SortStableFunc(out, func(a, b Score) int { return cmp.Compare(a.Rank, b.Rank) })
	return out, nil
}

// ScoreHistory returns a customer's scores, newest run first, from the last limit runs. Per
// packed run it reads the customer's detailed row if there is one, else the one pack that can
// hold the id.
func (s *Store) ScoreHistory(ctx context.Context, customerID string, limit int) ([]Score, error) {
	out, err := collect(ctx, s.db, scanScore, s.q("ScoreHistory"), customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("read score history of %s: %w", customerID, err)
	}
	have := make(map[int64]bool, len(out))
	for _, sc := range out {
		have[sc.RunID] = true
	}
	err = each(ctx, s.db, func(r *sql.Rows) error {
		var run runShape
		var data sql.RawBytes
		if err := r.Scan(&run.ID, &run.CreatedAt, &data); err != nil || have[run.ID] {
			return err
		}
		run.CreatedAt = run.CreatedAt.UTC()
		return decodePack(data, func(e *packEntry) bool {
			if string(e.ID) != customerID {
				return true
			}
			out = append(out, packScore(&run, e))
			return false
		})
	}, s.q("ScoreHistoryPacks"), limit, customerID)
	if err != nil {
		return nil, fmt.Errorf("read score history of %s: %w", customerID, err)
	}
	slices.SortFunc(out, func(a, b Score) int { return cmp.Compare(b.RunID, a.RunID) })
	return out, nil
}

// ScoresBefore returns the scores of ids in the newest run created at or before t: what "last
// week's score" means for a shortlist built at t plus a week. Customers that run did not score
// are absent; so is everyone when no run is that old.
func (s *Store) ScoresBefore(ctx context.Context, t time.Time, ids []string) (map[string]float64, error) {
	out := map[string]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	var runID int64
	err := s.db.GetContext(ctx, &runID, s.q("ScoreRunAtOrBefore"), t.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find score run before %s: %w", t.Format(time.RFC3339), err)
	}
	err = s.runScores(ctx, runID, ids, false, func(sc Score) error {
		out[sc.CustomerID] = sc.Score
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
	}
	return out, nil
}
