package store_test

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// A run is stored and read back exactly, whatever its text holds: Postgres writes scores as
// hand-formatted COPY lines, where a backslash, tab or newline must not shift a column.
func TestScoreRunRoundTripsEveryField(t *testing.T) {
	in := []store.Score{
		{CustomerID: "c_1", Rank: 1, Score: 91.123456789012, Confidence: 1, Eligible: true,
			Reasons: []string{"NPS 10 — promoter", `path C:\temp "quoted"`, "tab\there", "line\nbreak", `\N`},
			Contributions: []store.Contribution{
				{Signal: "nps", Value: 10, Present: true, Goodness: 10, Weight: 3, Points: 30},
				{Signal: "tickets_90d", Weight: -1.5, Points: -0.25, Goodness: -0.25 / 1.5},
			}},
		{CustomerID: `c_2\odd	id`, Rank: 2, Score: 1e-7, Confidence: 0.3333333333333333, FailedGates: []string{"nps >= 7 (nps missing)", "tab\tgate"}},
		{CustomerID: "c_3", Rank: 3, Score: 0, Confidence: 0},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		run, err := s.SaveScoreRun(ctx, "h1", in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Scores(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(in) {
			t.Fatalf("%d scores read back, want %d", len(got), len(in))
		}
		for i, w := range in {
			g := got[i]
			if g.RunID != run.ID || g.CustomerID != w.CustomerID || g.Rank != w.Rank || g.Score != w.Score ||
				g.Confidence != w.Confidence || g.Eligible != w.Eligible {
				t.Errorf("score %d = %+v, want %+v", i, g, w)
			}
			if !reflect.DeepEqual(g.Reasons, nonNil(w.Reasons)) || !reflect.DeepEqual(g.FailedGates, nonNil(w.FailedGates)) {
				t.Errorf("%s: reasons %q gates %q, want %q %q", w.CustomerID, g.Reasons, g.FailedGates, w.Reasons, w.FailedGates)
			}
			if len(g.Contributions) != len(w.Contributions) {
				t.Fatalf("%s: %d contributions, want %d", w.CustomerID, len(g.Contributions), len(w.Contributions))
			}
			for j, c := range w.Contributions {
				gc := g.Contributions[j]
				if gc.Signal != c.Signal || gc.Value != c.Value || gc.Present != c.Present || gc.Weight != c.Weight ||
					math.Abs(gc.Points-c.Points) > 1e-9 || math.Abs(gc.Goodness-c.Goodness) > 1e-9 {
					t.Errorf("%s contribution %d = %+v, want %+v", w.CustomerID, j, gc, c)
				}
			}
		}
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
