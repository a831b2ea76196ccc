package ranker

// What-if previews and insights: read-only analyses of rankings. Neither writes to the store.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// MoveDoc is one customer's move in a what-if, with who the customer is.
type MoveDoc struct {
	scoring.Move        // id, rank_before, rank_after, score_before, score_after, eligible_before, eligible_after
	Name         string `json:"name"`
	Domain       string `json:"domain"`
}

// WhatIfReport is `advocate score --what-if FILE`: what scoring the same snapshot under another
// model would change. "before" is the current config's model, "after" the other file's.
type WhatIfReport struct {
	TopN           int       `json:"top_n"`
	Customers      int       `json:"customers"`
	EligibleBefore int       `json:"eligible_before"`
	EligibleAfter  int       `json:"eligible_after"`
	ModelBefore    string    `json:"model_before"` // model hashes; equal hashes score alike
	ModelAfter     string    `json:"model_after"`
	Entering       []MoveDoc `json:"entering"` // in the other top N, not the current one; new order
	Leaving        []MoveDoc `json:"leaving"`  // in the current top N, not the other; old order
	Movers         []MoveDoc `json:"movers"`   // largest rank changes, at most scoring.MaxMovers
	// Spearman is the rank correlation of the two orders over Common customers (1 = same order).
	Spearman float64   `json:"spearman"`
	Common   int       `json:"common"`
	ScoredAt time.Time `json:"scored_at"`
}

// noDetail skips explanations: a what-if compares ranks and scores only, and explaining a
// large base costs more than scoring it.
func noDetail(*scoring.Result) bool { return false }

// WhatIf scores the current snapshot with base and with other, and compares the top N
// eligible of each. The snapshot is read once and nothing is written.
func WhatIf(ctx context.Context, st *store.Store, src advocate.Sources, base, other *scoring.Model, topN int, now time.Time) (WhatIfReport, error) {
	t, err := LoadTable(ctx, st, src, now)
	if err != nil {
		return WhatIfReport{}, fmt.Errorf("what-if: %w", err)
	}
	before := base.ScoreTable(now, t, scoring.Options{Detail: noDetail})
	after := other.ScoreTable(now, t, scoring.Options{Detail: noDetail})
	w := scoring.Compare(before, after, topN)
	r := WhatIfReport{TopN: topN, Customers: len(before), ModelBefore: base.Hash(), ModelAfter: other.Hash(),
		Spearman: w.Spearman, Common: w.Common, ScoredAt: now.UTC()}
	r.EligibleBefore, r.EligibleAfter = countEligible(before), countEligible(after)

	// Name only the customers the report shows: at most 2N+MaxMovers lookups, not a scan of
	// the whole base.
	who := map[string]advocate.Customer{}
	docs := func(moves []scoring.Move) ([]MoveDoc, error) {
		out := make([]MoveDoc, 0, len(moves))
		for _, mv := range moves {
			c, ok := who[mv.ID]
			if !ok {
				c, err = st.FindCustomer(ctx, mv.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) { // deleted since: show the id alone
					return nil, fmt.Errorf("what-if: %w", err)
				}
				who[mv.ID] = c
			}
			out = append(out, MoveDoc{Move: mv, Name: c.Name, Domain: c.Domain})
		}
		return out, nil
	}
	if r.Entering, err = docs(w.Entering); err != nil {
		return r, err
	}
	if r.Leaving, err = docs(w.Leaving); err != nil {
		return r, err
	}
	if r.Movers, err = docs(w.Movers); err != nil {
		return r, err
	}
	return r, nil
}

func countEligible(rs []scoring.Result) int {
	n := 0
	for i := range rs {
		if rs[i].Eligible {
			n++
		}
	}
	return n
}

// InsightsReport is `advocate insights`: where the best candidates of the latest run come from.
type InsightsReport struct {
	Run  store.ScoreRun `json:"run"`
	TopN int            `json:"top_n"`
	// Top is how many eligible customers the top holds (fewer than TopN when fewer are eligible).
	Top       int      `json:"top"`
	Customers int      `json:"customers"` // in the run: the base lifts are measured against
	Keys      []string `json:"keys"`
	// MinTop: values with fewer customers than this in the top are not listed (coincidence).
	MinTop   int               `json:"min_top"`
	Insights []scoring.Insight `json:"insights"` // by lift, highest first
}

// Insights reads the latest score run and the customers' attributes, and says which values of
// keys (default scoring.InsightKeys: acquisition channel, industry, plan) the top N eligible
// customers come from, with the lift over the whole base. It does not rescore.
func Insights(ctx context.Context, st *store.Store, keys []string, topN int) (InsightsReport, error) {
	if len(keys) == 0 {
		keys = scoring.InsightKeys
	}
	run, err := st.LatestScoreRun(ctx)
	if err != nil {
		return InsightsReport{}, fmt.Errorf("insights: %w", err)
	}
	scores, err := st.Scores(ctx, run.ID)
	if err != nil {
		return InsightsReport{}, fmt.Errorf("insights: %w", err)
	}
	results := make([]scoring.Result, len(scores))
	top := 0
	for i, s := range scores {
		results[i] = scoring.Result{ID: s.CustomerID, Rank: s.Rank, Score: s.Score, Eligible: s.Eligible}
		if s.Eligible && top < topN {
			top++
		}
	}
	// Keep only the attributes asked about: a million customers' full attribute maps would be
	// most of this command's memory.
	attrs := make(map[string][]string, len(scores))
	err = st.ScanCustomers(ctx, func(c advocate.Customer) error {
		vals := make([]string, len(keys))
		for k, key := range keys {
			vals[k] = c.Attributes[key]
		}
		attrs[c.ID] = vals
		return nil
	})
	if err != nil {
		return InsightsReport{}, fmt.Errorf("insights: %w", err)
	}
	lookup := func(id string) map[string]string {
		vals, ok := attrs[id]
		if !ok {
			return nil // deleted since the run: counts in the base with no value
		}
		m := make(map[string]string, len(keys))
		for k, key := range keys {
			m[key] = vals[k]
		}
		return m
	}
	ins := scoring.Insights(results, lookup, keys, topN)
	if ins == nil {
		ins = []scoring.Insight{}
	}
	return InsightsReport{Run: run, TopN: topN, Top: top, Customers: len(results), Keys: slices.Clone(keys),
		MinTop: scoring.InsightMinTop, Insights: ins}, nil
}
