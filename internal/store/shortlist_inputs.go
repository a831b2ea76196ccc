package store

import (
	"cmp"
	"context"
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
// walks, without reading a million customers' breakdowns.
func (s *Store) EligibleOfRun(ctx context.Context, runID int64) ([]Ranked, error) {
	var out []Ranked
	err := s.runScores(ctx, runID, nil, false, func(sc Score) error {
		if sc.Eligible {
			out = append(out, Ranked{CustomerID: sc.CustomerID, Rank: sc.Rank, Score: sc.Score})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read eligible customers of run %d: %w", runID, err)
	}
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
	at := map[string]int{} // a list's stored form → its index in out
	// A pack's customers share one slice per distinct list: key each slice once, not per customer.
	keys := map[*string]string{}
	err := s.runScores(ctx, runID, nil, false, func(sc Score) error {
		if sc.Eligible {
			return nil
		}
		var key string
		if len(sc.FailedGates) == 0 {
			key = "[]"
		} else if k, ok := keys[&sc.FailedGates[0]]; ok {
			key = k
		} else {
			key = encodeStrings(sc.FailedGates)
			keys[&sc.FailedGates[0]] = key
		}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, GateFailures{Gates: sc.FailedGates})
		}
		out[i].Customers++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count failed gates of run %d: %w", runID, err)
	}
	return out, nil
}

// ScoresOfRunFor returns the full scores (reasons, breakdown) of ids in a run, by customer id;
// customers the run did not score are absent.
func (s *Store) ScoresOfRunFor(ctx context.Context, runID int64, ids []string) (map[string]Score, error) {
	out := make(map[string]Score, len(ids))
	err := s.runScores(ctx, runID, nonNil(ids), true, func(sc Score) error {
		out[sc.CustomerID] = sc
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
	}
	return out, nil
}
