package tune

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/advocate-hq/advocate/scoring"
)

// Features reads every customer's goodness (0..1) per tuned signal through the scoring
// model's own transforms and missing-value rule, so learned weights drop straight into the
// config. The tuned signals are those with a non-zero base weight (a signal without one has
// no configured direction); segments and gates are left out, they do not change goodness.
// Percentile transforms rank among these customers. Customers should carry tenure_days
// already derived at the date their features describe (see scoring.Derive).
func Features(cfg scoring.Config, now time.Time, customers []scoring.Customer) (signals []string, weights []float64, goodness [][]float64, err error) {
	signals, weights = Tuned(cfg)
	base := scoring.Config{Weights: map[string]float64{}, MissingGoodness: cfg.MissingGoodness, Transforms: cfg.Transforms}
	for j, name := range signals {
		base.Weights[name] = weights[j]
	}
	if len(signals) == 0 {
		return nil, nil, nil, fmt.Errorf("tune: no signal has a non-zero weight")
	}
	m, err := scoring.NewModel(base)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("tune: %w", err)
	}
	col := make(map[string]int, len(signals))
	for j, name := range signals {
		col[name] = j
	}
	row := make(map[string]int, len(customers))
	for i, c := range customers {
		row[c.ID] = i
	}
	goodness = make([][]float64, len(customers))
	for _, r := range m.Score(now, customers) {
		g := make([]float64, len(signals))
		for _, c := range r.Contributions {
			g[col[c.Signal]] = c.Goodness
		}
		goodness[row[r.ID]] = g
	}
	return signals, weights, goodness, nil
}

// Tuned returns the signals tune fits, with their current weights: those with a non-zero base
// weight, in name order.
func Tuned(cfg scoring.Config) (signals []string, weights []float64) {
	for _, name := range slices.Sorted(maps.Keys(cfg.Weights)) {
		if w := cfg.Weights[name]; w != 0 {
			signals, weights = append(signals, name), append(weights, w)
		}
	}
	return signals, weights
}
