package service

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// After a sync, the score job serves the new data from its hot table: a customer whose NPS
// and health jumped leads the next run, the others keep their order, and the table was
// refreshed (only that customer re-read), not read again in full.
func TestScoreAppliesEachSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		path := writeConfig(t, "server: {listen: \"127.0.0.1:0\"}\nshortlist: {schedule: \"\"}\n"+
			"scoring: {weights: {nps: 3, health_score: 1}}\n")
		svc, err := New(ctx, Options{ConfigPath: path, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC)
		sync := func(vals map[string][2]float64) {
			t.Helper()
			var p connectors.Page
			for domain, v := range vals {
				ref := connectors.Ref{Domain: domain}
				p.Customers = append(p.Customers, connectors.Customer{Ref: ref, Name: domain})
				p.Signals = append(p.Signals, connectors.Signal{Customer: ref, Name: "nps", Value: v[0], ObservedAt: at},
					connectors.Signal{Customer: ref, Name: "health_score", Value: v[1], ObservedAt: at})
			}
			run, _, err := st.BeginSyncRun(ctx, "crm")
			if err == nil {
				_, err = st.CommitPage(ctx, "crm", run, p)
			}
			if err == nil {
				err = st.FinishSyncRun(ctx, run, "crm", 0, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		order := func() []string {
			t.Helper()
			if err := svc.score(ctx); err != nil {
				t.Fatal(err)
			}
			run, err := st.LatestScoreRun(ctx)
			if err != nil {
				t.Fatal(err)
			}
			scores, err := st.Scores(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range scores {
				c, err := st.FindCustomer(ctx, s.CustomerID)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, c.Name)
			}
			return out
		}

		sync(map[string][2]float64{"a.io": {10, 90}, "b.io": {8, 70}, "c.io": {3, 20}})
		if got := order(); !slices.Equal(got, []string{"a.io", "b.io", "c.io"}) {
			t.Fatalf("first run ranks %v, want a, b, c", got)
		}
		hot := svc.hot
		at = at.Add(time.Minute)
		sync(map[string][2]float64{"c.io": {10, 100}})
		if got := order(); !slices.Equal(got, []string{"c.io", "a.io", "b.io"}) {
			t.Fatalf("after c's NPS and health rose, the run ranks %v, want c, a, b", got)
		}
		if svc.hot != hot {
			t.Error("the score job read the whole base again instead of refreshing its table")
		}
	})
}
