package ranker

import (
	"context"
	"maps"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/scoring"
)

var t0 = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// seedSix writes six customers whose health and NPS run in opposite orders: a model weighing
// health ranks them a..f, one weighing NPS f..a. a, b, c came through partners.
func seedSix(t *testing.T, st *store.Store) {
	t.Helper()
	rows := []struct {
		id, channel string
		health, nps float64
	}{
		{"a", "partner", 90, 2}, {"b", "partner", 80, 4}, {"c", "partner", 70, 6},
		{"d", "organic", 60, 8}, {"e", "organic", 50, 9}, {"f", "paid", 40, 10},
	}
	var p connectors.Page
	for _, r := range rows {
		ref := connectors.Ref{Domain: r.id + ".io"}
		p.Customers = append(p.Customers, connectors.Customer{Ref: ref, Name: strings.ToUpper(r.id) + " Corp",
			Attributes: map[string]string{"acquisition_channel": r.channel}})
		p.Signals = append(p.Signals,
			connectors.Signal{Customer: ref, Name: "health_score", Value: r.health, ObservedAt: t0},
			connectors.Signal{Customer: ref, Name: "nps", Value: r.nps, ObservedAt: t0})
	}
	if _, err := st.CommitPage(context.Background(), "crm", 0, p); err != nil {
		t.Fatal(err)
	}
}

func mustModel(t *testing.T, w map[string]float64) *scoring.Model {
	t.Helper()
	m, err := scoring.NewModel(scoring.Config{Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func domains(ms []MoveDoc) string {
	var ds []string
	for _, m := range ms {
		ds = append(ds, m.Domain)
	}
	return strings.Join(ds, ",")
}

func TestWhatIfComparesWithoutSaving(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedSix(t, st)
		health, nps := mustModel(t, map[string]float64{"health_score": 1}), mustModel(t, map[string]float64{"nps": 1})
		before, err := st.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r, err := WhatIf(ctx, st, advocate.Sources{}, health, nps, 3, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got := domains(r.Entering); got != "f.io,e.io,d.io" {
			t.Errorf("entering = %s, want f.io,e.io,d.io (the NPS top 3, in their new order)", got)
		}
		if got := domains(r.Leaving); got != "a.io,b.io,c.io" {
			t.Errorf("leaving = %s, want a.io,b.io,c.io (the health top 3, in their old order)", got)
		}
		if got := domains(r.Movers); got != "f.io,a.io,e.io,b.io,d.io,c.io" {
			t.Errorf("movers = %s, want the largest rank changes first", got)
		}
		if m := r.Movers[0]; m.Name != "F Corp" || m.RankBefore != 6 || m.RankAfter != 1 || m.ID == "" {
			t.Errorf("top mover = %+v, want F Corp from rank 6 to 1, with its id", m)
		}
		if r.Spearman != -1 || r.Common != 6 || r.Customers != 6 || r.TopN != 3 {
			t.Errorf("spearman %v over %d of %d, top %d; want -1 over 6 of 6, top 3", r.Spearman, r.Common, r.Customers, r.TopN)
		}
		if r.ModelBefore != health.Hash() || r.ModelAfter != nps.Hash() {
			t.Errorf("model hashes %s → %s", r.ModelBefore, r.ModelAfter)
		}
		after, err := st.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(before, after) {
			t.Errorf("a what-if changed row counts: before %v, after %v", before, after)
		}
	})
}

func TestInsightsFromLatestRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedSix(t, st)
		if _, err := Insights(ctx, st, nil, 3); err == nil || !strings.Contains(err.Error(), "advocate score") {
			t.Errorf("insights before any run: %v, want a hint to run `advocate score`", err)
		}
		if _, err := Score(ctx, st, mustModel(t, map[string]float64{"health_score": 1}), advocate.Sources{}, t0); err != nil {
			t.Fatal(err)
		}
		r, err := Insights(ctx, st, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		// The top 3 by health are a, b, c: all partner-sourced, half the base.
		want := []scoring.Insight{{Key: "acquisition_channel", Value: "partner", Top: 3, Base: 3, TopShare: 1, BaseShare: 0.5, Lift: 2}}
		if !reflect.DeepEqual(r.Insights, want) || r.Top != 3 || r.Customers != 6 || r.Run.ID == 0 {
			t.Errorf("insights = %+v", r)
		}
	})
}

func TestExplainRecomputesMissingBreakdown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedSix(t, st)
		model := mustModel(t, map[string]float64{"health_score": 2, "nps": 1})
		if _, err := Score(ctx, st, model, advocate.Sources{}, t0); err != nil {
			t.Fatal(err)
		}
		full, err := Explain(ctx, st, advocate.Sources{}, model, t0, "c.io")
		if err != nil {
			t.Fatal(err)
		}
		if full.Recomputed || len(full.Contributions) != 2 {
			t.Fatalf("a stored breakdown was recomputed or is missing: %+v", full)
		}
		// A run as large bases store it: no contributions or reasons below the top.
		run, err := st.LatestScoreRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		scores, err := st.Scores(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range scores {
			scores[i].Contributions, scores[i].Reasons = nil, nil
		}
		if _, err := st.SaveScoreRun(ctx, model.Hash(), scores); err != nil {
			t.Fatal(err)
		}

		if ex, err := Explain(ctx, st, advocate.Sources{}, nil, t0, "c.io"); err != nil || ex.Recomputed || len(ex.Contributions) != 0 {
			t.Errorf("without a model: recomputed %v, %d contributions, %v; want the stored (empty) breakdown", ex.Recomputed, len(ex.Contributions), err)
		}
		ex, err := Explain(ctx, st, advocate.Sources{}, model, t0, "c.io")
		if err != nil {
			t.Fatal(err)
		}
		if !ex.Recomputed || !reflect.DeepEqual(ex.Contributions, full.Contributions) || !reflect.DeepEqual(ex.Reasons, full.Reasons) {
			t.Errorf("recomputed = %v\ncontributions %+v\nwant          %+v (same model, same data)", ex.Recomputed, ex.Contributions, full.Contributions)
		}
		if ex.Note != "" || ex.RecomputedScore == nil || *ex.RecomputedScore != ex.Score {
			t.Errorf("same model: note %q, recomputed score %v vs stored %v; want no note and the same score", ex.Note, ex.RecomputedScore, ex.Score)
		}

		other := mustModel(t, map[string]float64{"nps": 1})
		ex, err = Explain(ctx, st, advocate.Sources{}, other, t0, "c.io")
		if err != nil {
			t.Fatal(err)
		}
		if !ex.Recomputed || ex.RecomputedModelHash != other.Hash() || ex.ModelHash != model.Hash() || !strings.Contains(ex.Note, "scoring config changed") {
			t.Errorf("other model: %+v; want a note that the config changed", ex)
		}
		var sum float64
		for _, c := range ex.Contributions {
			sum += c.Points
		}
		// Points are out of sum(|weight|) = 1, so the score is 100 × their sum.
		if len(ex.Contributions) != 1 || math.Abs(100*sum-*ex.RecomputedScore) > 1e-9 {
			t.Errorf("contributions %+v do not add up to the recomputed score %v", ex.Contributions, *ex.RecomputedScore)
		}
	})
}
