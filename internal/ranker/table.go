package ranker

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// Freshness says how long each source's values stay current: the connector's own freshness,
// else the scoring default. A value older than that counts as missing and is flagged stale.
type Freshness struct {
	Default   time.Duration
	PerSource map[string]time.Duration
}

func (f Freshness) of(source string) time.Duration {
	if d, ok := f.PerSource[source]; ok {
		return d
	}
	return f.Default
}

// FreshnessOf reads freshness windows from a config (already normalised to Go durations).
func FreshnessOf(cfg *config.Config) Freshness {
	f := Freshness{PerSource: map[string]time.Duration{}}
	f.Default, _ = config.ParseDuration(cfg.Scoring.Freshness)
	for _, c := range cfg.Connectors {
		if d, err := config.ParseDuration(c.Freshness); err == nil && c.Freshness != "" {
			f.PerSource[c.Name] = d
		}
	}
	return f
}

// InputOf reads precedence and freshness from a config.
func InputOf(cfg *config.Config) Input {
	return Input{Precedence: PrecedenceOf(cfg), Freshness: FreshnessOf(cfg)}
}

// Input says how current values are chosen when building the scoring table.
type Input struct {
	Precedence Precedence
	Freshness  Freshness
}

// LoadTable streams customers, contact reachability and current signal values from the store
// into the columnar table scoring reads: one pass over each table, no per-customer maps kept.
// Among sources reporting the same signal, precedence picks the value; a picked value older
// than its source's freshness window is marked stale.
func LoadTable(ctx context.Context, st *store.Store, in Input, now time.Time) (*scoring.Table, error) {
	t := &scoring.Table{Attrs: map[string][]string{}}
	index := map[string]int{}
	err := st.ScanAttributes(ctx, func(id string, attrs map[string]string) error {
		i := len(t.IDs)
		index[id] = i
		t.IDs = append(t.IDs, id)
		for k, v := range attrs {
			col := t.Attrs[k]
			if len(col) < i+1 {
				col = append(col, make([]string, i+1-len(col))...)
			}
			col[i] = v
			t.Attrs[k] = col
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := len(t.IDs)
	for k, col := range t.Attrs {
		if len(col) < n {
			t.Attrs[k] = append(col, make([]string, n-len(col))...)
		}
	}
	t.OptedOut, t.IsPartner = make([]bool, n), make([]bool, n)
	for i := range n {
		t.OptedOut[i] = truthy(attr(t, "opted_out", i))
		t.IsPartner[i] = truthy(attr(t, "is_partner", i))
	}
	reach, err := st.Reachability(ctx)
	if err != nil {
		return nil, err
	}
	for id, r := range reach {
		if i, ok := index[id]; ok && r[0] > 0 && r[1] == 0 {
			t.OptedOut[i] = true // every contact opted out: nobody left to ask
		}
	}

	col := map[string]int{}
	var rank [][]int16 // precedence rank of the value held, per column and customer
	column := func(name string) int {
		j, ok := col[name]
		if !ok {
			j = len(t.Signals)
			col[name] = j
			t.Signals = append(t.Signals, name)
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = math.NaN()
			}
			t.Cols = append(t.Cols, vals)
			rank = append(rank, make([]int16, n))
			t.Stale = append(t.Stale, nil)
			t.Observed = append(t.Observed, nil)
		}
		return j
	}
	err = st.ScanLatest(ctx, func(id, source string, vals []store.LatestValue) error {
		i, ok := index[id]
		if !ok {
			return nil // a customer deleted since: ignore its values
		}
		fresh := in.Freshness.of(source)
		for _, v := range vals {
			j := column(v.Name)
			r := int16(in.Precedence.rank(v.Name, source)) + 1 // 0 = nothing held yet
			if held := rank[j][i]; held != 0 && (held < r || (held == r && !v.ObservedAt.After(time.Unix(t.Observed[j][i], 0)))) {
				continue
			}
			if t.Observed[j] == nil {
				t.Observed[j] = make([]int64, n)
			}
			rank[j][i] = r
			t.Cols[j][i] = v.Value
			t.Observed[j][i] = v.ObservedAt.Unix()
			stale := fresh > 0 && now.Sub(v.ObservedAt) > fresh
			if stale && t.Stale[j] == nil {
				t.Stale[j] = make([]bool, n)
			}
			if t.Stale[j] != nil {
				t.Stale[j][i] = stale
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("build scoring table: %w", err)
	}
	return t, nil
}

func attr(t *scoring.Table, key string, i int) string {
	if col := t.Attrs[key]; col != nil {
		return col[i]
	}
	return ""
}

// detailPolicy explains what people read: the top of the ranking and enough eligible customers
// to fill any shortlist. Explaining every customer of a large base costs more than scoring it;
// `explain` recomputes the rest on demand.
func detailPolicy(n int) func(r *scoring.Result) bool {
	if n <= 5000 {
		return nil // small bases: explain everyone
	}
	eligible := 0
	return func(r *scoring.Result) bool {
		if r.Eligible && eligible < 2000 {
			eligible++
			return true
		}
		return r.Rank <= 200
	}
}
