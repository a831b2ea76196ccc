package syncer_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/internal/syncer"
)

var t0 = time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)

// scripted is a connector that hands over fixed pages, then fails if told to.
type scripted struct {
	pages   []connectors.Page
	failAt  int // fail before page failAt; -1 never
	cursors *[]string
}

func (s scripted) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	if s.cursors != nil {
		*s.cursors = append(*s.cursors, cursor)
	}
	for i, p := range s.pages {
		if i == s.failAt {
			return errors.New("HTTP 500 from /companies?page=2")
		}
		if err := sink.Commit(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func page(domain, cursor string, nps float64) connectors.Page {
	ref := connectors.Ref{Domain: domain}
	return connectors.Page{
		Customers: []connectors.Customer{{Ref: ref, Name: domain}},
		Signals:   []connectors.Signal{{Customer: ref, Name: "nps", Value: nps, ObservedAt: t0}},
		Cursor:    cursor,
	}
}

func TestOneFailingConnectorDoesNotStopTheOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var seen []string
		conns := map[string]connectors.Connector{
			"crm":     scripted{pages: []connectors.Page{page("a.io", "p1", 9), page("b.io", "p2", 3)}, failAt: 1, cursors: &seen},
			"surveys": scripted{pages: []connectors.Page{page("c.io", "done", 10)}, failAt: -1},
		}
		m := metrics.New()
		s := &syncer.Syncer{Store: st, Metrics: m, Build: func(cs connectors.Settings) (connectors.Connector, error) { return conns[cs.Name], nil }}
		var progress []int
		s.Progress = func(r syncer.Result) { progress = append(progress, r.Pages) }
		settings := []connectors.Settings{{Name: "crm", Type: "fake"}, {Name: "surveys", Type: "fake"}}

		results, err := s.Run(ctx, settings)
		if err == nil || !strings.Contains(err.Error(), "crm") {
			t.Fatalf("Run error = %v, want one naming crm", err)
		}
		if !results[0].Failed() || !strings.Contains(results[0].Error, "HTTP 500") || results[0].Pages != 1 {
			t.Errorf("crm result = %+v", results[0])
		}
		if results[1].Failed() || results[1].Pages != 1 {
			t.Errorf("surveys result = %+v, want ok", results[1])
		}
		if len(progress) != 2 {
			t.Errorf("progress reported %d times, want once per committed page", len(progress))
		}
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		for _, want := range []string{`advocate_sync_runs_total{connector="crm",status="failed"} 1`,
			`advocate_sync_runs_total{connector="surveys",status="ok"} 1`, `advocate_sync_records_total{connector="surveys"} 2`} {
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// The page committed before the failure stays, and the next run resumes after it.
		if _, err := st.FindCustomer(ctx, "a.io"); err != nil {
			t.Errorf("page 1 of the failed run was lost: %v", err)
		}
		if _, err := st.FindCustomer(ctx, "b.io"); err == nil {
			t.Error("the page that failed was written")
		}
		states, _ := st.SyncStates(ctx)
		if states["crm"].ConsecutiveFailures != 1 || states["surveys"].LastSuccessAt == nil {
			t.Errorf("states = %+v", states)
		}
		s.Run(ctx, settings[:1])
		if len(seen) != 2 || seen[0] != "" || seen[1] != "p1" {
			t.Errorf("cursors handed to crm = %q, want the first run from scratch and the second from p1", seen)
		}
	})
}

func TestSelect(t *testing.T) {
	all := []connectors.Settings{{Name: "crm"}, {Name: "support"}, {Name: "nps"}}
	got, err := syncer.Select(all, []string{"nps", "crm"})
	if err != nil || len(got) != 2 || got[0].Name != "nps" {
		t.Errorf("Select = %v, %v", got, err)
	}
	if _, err := syncer.Select(all, []string{"hubspot"}); err == nil || !strings.Contains(err.Error(), "crm, support, nps") {
		t.Errorf("unknown name error = %v, want the known names listed", err)
	}
	if got, _ := syncer.Select(all, nil); len(got) != 3 {
		t.Errorf("no names selected %d, want all", len(got))
	}
}

type pushOnly struct{ scripted }

func (pushOnly) PushOnly() bool { return true }

func TestPushOnlyConnectorRecordsNoRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := &syncer.Syncer{Store: st, Build: func(connectors.Settings) (connectors.Connector, error) { return pushOnly{}, nil }}
		r := s.One(context.Background(), connectors.Settings{Name: "pushed", Type: "webhook"})
		if r.Status != "push-only" || r.Failed() {
			t.Errorf("result = %+v", r)
		}
		if states, _ := st.SyncStates(context.Background()); states["pushed"].LastSuccessAt != nil {
			t.Error("a push-only connector was recorded as freshly synced")
		}
	})
}
