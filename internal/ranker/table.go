package ranker

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// LoadTable streams customers, contact reachability and current signal values from the store
// into the columnar table scoring reads: one pass over each table, no per-customer maps kept.
// Among sources reporting the same signal, advocate.Sources picks the current value (the one
// rule everything else asks too); a stale current value is marked so scoring treats it as missing.
func LoadTable(ctx context.Context, st *store.Store, src advocate.Sources, now time.Time) (*scoring.Table, error) {
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
		t.OptedOut[i] = advocate.Truthy(attr(t, advocate.AttrOptedOut, i))
		t.IsPartner[i] = advocate.Truthy(attr(t, advocate.AttrIsPartner, i))
	}
	reach, err := st.Reachability(ctx)
	if err != nil {
		return nil, err
	}
	for id, r := range reach {
		if i, ok := index[id]; ok && advocate.EveryContactOptedOut(r[0], r[0]-r[1]) {
			t.OptedOut[i] = true
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
		cutoff := src.StaleBefore(source, now)
		for _, v := range vals {
			j := column(v.Name)
			c := advocate.Candidate{Rank: src.Rank(v.Name, source), Stale: v.ObservedAt.Before(cutoff), Observed: v.ObservedAt}
			if held := rank[j][i]; held != 0 {
				h := advocate.Candidate{Rank: int(held) - 1, Stale: t.Stale[j] != nil && t.Stale[j][i], Observed: time.Unix(t.Observed[j][i], 0)}
				if !advocate.Beats(c, h) {
					continue
				}
			}
			if t.Observed[j] == nil {
				t.Observed[j] = make([]int64, n)
			}
			rank[j][i] = int16(c.Rank) + 1 // 0 = nothing held yet
			t.Cols[j][i] = v.Value
			t.Observed[j][i] = v.ObservedAt.Unix()
			if c.Stale && t.Stale[j] == nil {
				t.Stale[j] = make([]bool, n)
			}
			if t.Stale[j] != nil {
				t.Stale[j][i] = c.Stale
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
