// Package ranker is the scoring job: it reads customers and their current signals from the
// store, applies source precedence, runs the pure scoring model, and stores the run. It also
// answers the read-side questions about scores: explain one customer, export everyone.
package ranker

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// Precedence decides which source's value is current when several report the same signal:
// the per-signal list if one is configured, else the connectors' order in the config.
type Precedence struct {
	Default   []string            // connector names in config order
	PerSignal map[string][]string // signal -> connector names, first wins
}

// rank returns the position of source for signal; unknown sources (e.g. a connector removed
// from the config, or the webhook) come after every listed one.
func (p Precedence) rank(signal, source string) int {
	order := p.Default
	if o, ok := p.PerSignal[signal]; ok {
		order = o
	}
	if i := slices.Index(order, source); i >= 0 {
		return i
	}
	return len(order)
}

// Current picks, per signal, the value of the source with the best precedence; ties (two
// unlisted sources) go to the newer observation.
func (p Precedence) Current(values []store.SignalValue) map[string]store.SignalValue {
	out := map[string]store.SignalValue{}
	for _, v := range values {
		cur, ok := out[v.Name]
		if !ok {
			out[v.Name] = v
			continue
		}
		rv, rc := p.rank(v.Name, v.Source), p.rank(cur.Name, cur.Source)
		if rv < rc || (rv == rc && v.ObservedAt.After(cur.ObservedAt)) {
			out[v.Name] = v
		}
	}
	return out
}

// Snapshot is everything scoring and its readers need, loaded once.
type Snapshot struct {
	Customers []store.Customer
	Signals   map[string]map[string]store.SignalValue // customer id -> signal -> current value
	Contacts  map[string][]store.Contact
}

// Load reads the snapshot from the store.
func Load(ctx context.Context, st *store.Store, prec Precedence) (*Snapshot, error) {
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
	snap := &Snapshot{Customers: customers, Contacts: contacts, Signals: make(map[string]map[string]store.SignalValue, len(customers))}
	// values arrive ordered by customer: hand each customer's slice to Current.
	for i := 0; i < len(values); {
		j := i
		for j < len(values) && values[j].CustomerID == values[i].CustomerID {
			j++
		}
		snap.Signals[values[i].CustomerID] = prec.Current(values[i:j])
		i = j
	}
	return snap, nil
}

// truthy reads the yes/no attributes sources write in many spellings.
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "y", "x":
		return true
	}
	return false
}

// Inputs turns the snapshot into scoring inputs. A customer counts as opted out when an
// attribute says so or when every known contact opted out (nobody left to ask).
func (s *Snapshot) Inputs() []scoring.Customer {
	out := make([]scoring.Customer, 0, len(s.Customers))
	for _, c := range s.Customers {
		sig := make(map[string]float64, len(s.Signals[c.ID]))
		for name, v := range s.Signals[c.ID] {
			sig[name] = v.Value
		}
		optedOut := truthy(c.Attributes["opted_out"])
		if cs := s.Contacts[c.ID]; len(cs) > 0 && !optedOut {
			optedOut = !slices.ContainsFunc(cs, func(x store.Contact) bool { return !x.OptedOut })
		}
		out = append(out, scoring.Customer{ID: c.ID, Signals: sig, Attributes: c.Attributes,
			OptedOut: optedOut, IsPartner: truthy(c.Attributes["is_partner"])})
	}
	return out
}

// Score scores every customer and stores the run.
func Score(ctx context.Context, st *store.Store, model *scoring.Model, in Input, now time.Time) (store.ScoreRun, []scoring.Result, error) {
	t, err := LoadTable(ctx, st, in, now)
	if err != nil {
		return store.ScoreRun{}, nil, fmt.Errorf("score: %w", err)
	}
	results := model.ScoreTable(now, t, scoring.Options{Detail: detailPolicy(len(t.IDs))})
	rows := make([]store.Score, len(results))
	for i, r := range results {
		rows[i] = ToStore(r)
	}
	run, err := st.SaveScoreRun(ctx, model.Hash(), rows)
	if err != nil {
		return run, nil, fmt.Errorf("score: %w", err)
	}
	// Old runs go once a newer one is safely stored (store.DefaultRetention keeps a week of
	// every run and the newest of each week for two years).
	if _, err := st.PruneScoreRuns(ctx, store.DefaultRetention); err != nil {
		return run, results, fmt.Errorf("score run %d saved, but pruning old runs failed: %w", run.ID, err)
	}
	return run, results, nil
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
