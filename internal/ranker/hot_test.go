package ranker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/scoring"
)

// The daemon's hot table, refreshed after a sync, must score exactly as a full read of the
// store would: same ranks, scores, eligibility, gates and reasons for everyone — including a
// customer whose attributes changed (now a partner), one whose only contact opted out, a new
// customer, and customers whose preferred NPS source went stale since the table was loaded
// (another source's value becomes current).
func TestHotRescoreMatchesFullRun(t *testing.T) {
	src := advocate.Sources{Order: []string{"crm", "survey"}, PerSignal: map[string][]string{"nps": {"survey", "crm"}},
		FreshFor: map[string]time.Duration{"survey": 30 * 24 * time.Hour}}
	model, err := scoring.NewModel(scoring.Config{
		Weights: map[string]float64{"health_score": 2, "nps": 3, "tickets_90d": -1},
		Gates:   []string{"nps >= 5"},
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := t0
		st.Now = func() time.Time { return clock }
		ref := func(i int) connectors.Ref {
			return connectors.Ref{ExternalID: fmt.Sprint(i), Domain: fmt.Sprintf("c%d.io", i)}
		}
		var crm, survey connectors.Page
		for i := range 40 {
			crm.Customers = append(crm.Customers, connectors.Customer{Ref: ref(i), Name: fmt.Sprint("C", i),
				Attributes: map[string]string{"plan": []string{"starter", "growth"}[i%2]}})
			crm.Contacts = append(crm.Contacts, connectors.Contact{Customer: ref(i), Email: fmt.Sprintf("jo@c%d.io", i)})
			crm.Signals = append(crm.Signals,
				connectors.Signal{Customer: ref(i), Name: "health_score", Value: float64(40 + (i*37)%60), ObservedAt: t0},
				connectors.Signal{Customer: ref(i), Name: "nps", Value: float64(i % 11), ObservedAt: t0},
				connectors.Signal{Customer: ref(i), Name: "tickets_90d", Value: float64(i % 7), ObservedAt: t0})
			if i%2 == 0 {
				survey.Signals = append(survey.Signals, connectors.Signal{Customer: ref(i), Name: "nps", Value: float64(10 - i%11),
					ObservedAt: t0.Add(-time.Duration(i) * 24 * time.Hour)})
			}
		}
		for source, p := range map[string]connectors.Page{"crm": crm, "survey": survey} {
			if _, err := st.CommitPage(ctx, source, 0, p); err != nil {
				t.Fatal(err)
			}
		}

		clock = t0.Add(time.Hour)
		hot, err := LoadHot(ctx, st, src, clock)
		if err != nil {
			t.Fatal(err)
		}
		before := model.ScoreTable(clock, hot.Table(), scoring.Options{})

		clock = t0.Add(2 * time.Hour)
		sync := connectors.Page{
			Customers: []connectors.Customer{
				{Ref: ref(9), Attributes: map[string]string{"is_partner": "true"}},
				{Ref: ref(40), Name: "New", Attributes: map[string]string{"plan": "growth"}},
			},
			Contacts: []connectors.Contact{{Customer: ref(5), Email: "jo@c5.io", OptedOut: true}},
			Signals: []connectors.Signal{
				{Customer: ref(7), Name: "health_score", Value: 100, ObservedAt: clock},
				{Customer: ref(8), Name: "tickets_90d", Value: 30, ObservedAt: clock},
				{Customer: ref(40), Name: "health_score", Value: 99, ObservedAt: clock},
				{Customer: ref(40), Name: "nps", Value: 10, ObservedAt: clock},
			},
		}
		if _, err := st.CommitPage(ctx, "crm", 0, sync); err != nil {
			t.Fatal(err)
		}

		now := t0.Add(20 * 24 * time.Hour) // survey NPS observed before t0-10d is stale now
		n, err := hot.Refresh(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		// 4 synced customers, plus the survey values crossing 30 days between load and now:
		// the even-numbered customers 12..30 (observed 12..30 days before t0).
		if want := 4 + 10; n != want {
			t.Errorf("refresh re-read %d customers, want %d", n, want)
		}
		// The next refresh reads the same window again (rows may commit late) but re-reads
		// nobody it already read.
		if n, err := hot.Refresh(ctx, now); err != nil || n != 0 {
			t.Errorf("second refresh re-read %d customers (err %v), want 0", n, err)
		}
		hotResults := model.ScoreTable(now, hot.Table(), scoring.Options{})
		full, err := LoadTable(ctx, st, src, now)
		if err != nil {
			t.Fatal(err)
		}
		fullResults := model.ScoreTable(now, full, scoring.Options{})
		if len(hotResults) != len(fullResults) || len(fullResults) != 41 {
			t.Fatalf("hot scored %d customers, full %d, want 41", len(hotResults), len(fullResults))
		}
		for i := range fullResults {
			h, f := fmt.Sprintf("%+v", ToStore(hotResults[i])), fmt.Sprintf("%+v", ToStore(fullResults[i]))
			if h != f {
				t.Errorf("rank %d:\n hot  %s\n full %s", i+1, h, f)
			}
		}
		// What a CSM would notice: the new partner and the unreachable account are no longer
		// eligible.
		eligible := func(rs []scoring.Result, i int) bool {
			id := customerID(t, st, i)
			for _, r := range rs {
				if r.ID == id {
					return r.Eligible
				}
			}
			t.Fatalf("customer %d not scored", i)
			return false
		}
		for _, i := range []int{9, 5} {
			if eligible(hotResults, i) {
				t.Errorf("customer %d still eligible after the sync (before: %v)", i, eligible(before, i))
			}
		}
	})
}

func customerID(t *testing.T, st *store.Store, i int) string {
	t.Helper()
	c, err := st.FindCustomer(context.Background(), fmt.Sprintf("c%d.io", i))
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
