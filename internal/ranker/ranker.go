// Package ranker is the scoring job: it reads customers and their current signals from the
// store, applies source precedence, runs the pure scoring model, and stores the run. It also
// answers the read-side questions about scores: explain one customer, export everyone.
package ranker

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// Snapshot is every customer with current signal values and contacts, loaded once for export.
type Snapshot struct {
	Customers []advocate.Customer
	Signals   map[string]map[string]advocate.Current // customer id -> signal -> current value
	Contacts  map[string][]advocate.Contact
}

// Load reads the snapshot from the store, choosing current values with src.
func Load(ctx context.Context, st *store.Store, src advocate.Sources, now time.Time) (*Snapshot, error) {
	customers, err := st.Customers(ctx)
	if err != nil {
		return nil, err
	}
	values, err := st.LatestSignals(ctx, "")
	if err != nil {
		return nil, err
	}
	contacts, err := st.Contacts(ctx, "")
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Customers: customers, Contacts: contacts, Signals: make(map[string]map[string]advocate.Current, len(customers))}
	// values arrive ordered by customer: hand each customer's slice to Current.
	for i := 0; i < len(values); {
		j := i
		for j < len(values) && values[j].CustomerID == values[i].CustomerID {
			j++
		}
		snap.Signals[values[i].CustomerID] = src.Current(values[i:j], now)
		i = j
	}
	return snap, nil
}

// Score scores every customer and stores the run.
//
// Scored.Table is the input the run read, for callers that check it (model-input coverage).
func Score(ctx context.Context, st *store.Store, model *scoring.Model, src advocate.Sources, now time.Time) (Scored, error) {
	t, err := LoadTable(ctx, st, src, now)
	if err != nil {
		return Scored{}, fmt.Errorf("score: %w", err)
	}
	run, results, err := save(ctx, st, model, t, now)
	return Scored{Run: run, Results: results, Table: t}, err
}

// Scored is what one scoring run produced.
type Scored struct {
	Run     store.ScoreRun
	Results []scoring.Result
	Table   *scoring.Table
}

func save(ctx context.Context, st *store.Store, model *scoring.Model, t *scoring.Table, now time.Time) (store.ScoreRun, []scoring.Result, error) {
	results := model.ScoreTable(now, t, scoring.Options{Detail: detailPolicy(len(t.IDs))})
	run, err := saveRun(ctx, st, model, results)
	return run, results, err
}

// saveRun stores results as a new score run, then prunes old runs: they go only once a newer
// one is safely stored (store.DefaultRetention keeps a week of every run and the newest of
// each week for two years).
//
// Every row is written, also after a sync that changed 1% of a million customers: percentiles
// are relative, so the rank of 99.9% of customers and the score (by 0.005 or more) of about 95%
// move (BenchmarkHotRescore1M counts them), and a write of "changed rows only" is a full write.
func saveRun(ctx context.Context, st *store.Store, model *scoring.Model, results []scoring.Result) (store.ScoreRun, error) {
	rows := make([]store.Score, len(results))
	for i, r := range results {
		rows[i] = ToStore(r)
	}
	results = nil // a caller that keeps no reference lets a million results go before the write
	run, err := st.SaveScoreRun(ctx, model.Hash(), rows)
	if err != nil {
		return run, fmt.Errorf("score: %w", err)
	}
	if _, err := st.PruneScoreRuns(ctx, store.DefaultRetention); err != nil {
		return run, fmt.Errorf("score run %d saved, but pruning old runs failed: %w", run.ID, err)
	}
	return run, nil
}

// ToStore converts a scoring result into its stored form.
func ToStore(r scoring.Result) store.Score {
	sc := store.Score{CustomerID: r.ID, Rank: r.Rank, Score: r.Score, Confidence: r.Confidence, Eligible: r.Eligible,
		FailedGates: r.FailedGates, Reasons: r.Reasons}
	for _, c := range r.Contributions {
		sc.Contributions = append(sc.Contributions, store.Contribution{Signal: c.Signal, Value: c.Value, Present: c.Present,
			Goodness: c.Goodness, Weight: c.Weight, Points: c.Points})
	}
	return sc
}

// FormatValue prints a signal value without float noise: 10, 0.25, 48200.
func FormatValue(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
