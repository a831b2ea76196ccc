package web

// The Sources page (/connectors): what `advocate status` shows, per connector with its recent
// runs, and the model-input coverage check `advocate score` and `doctor` run.

import (
	"fmt"
	"net/http"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/coverage"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/store"
)

const pageRuns = 10 // runs listed per connector

type connectorRow struct {
	Name, Type string
	State      store.SyncState
	Age        string // since the last success, "" when it never succeeded
	Stale      bool   // older than the policy's stale_after (what the shortlist warns about)
	Customers  int64
	Values     int64
	Budget     string // the newest run's API calls and the vendor's limit left
	Runs       []store.SyncRun
	// Interrupted counts runs a stopped process left unfinished.
	Interrupted *store.Interrupted
}

type connectorsView struct {
	Connectors []connectorRow
	Coverage   coverage.Report
	CoverageOK bool
	StaleAfter string
}

func (s *Server) connectorsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cfg := s.pageConfig()
	now := s.now()
	// The same reads as `advocate status` (statusRows in cmd/advocate), the affiliate outcome
	// sync listed like a connector.
	states, err := s.Store.SyncStates(ctx)
	if err != nil {
		s.pageError(w, r, "sources page", err)
		return
	}
	counts, err := s.Store.SourceCounts(ctx)
	if err != nil {
		s.pageError(w, r, "sources page", err)
		return
	}
	interrupted, err := s.Store.InterruptedRuns(ctx)
	if err != nil {
		s.pageError(w, r, "sources page", err)
		return
	}
	staleAfter := cfg.Policy().WithDefaults().StaleAfter
	v := connectorsView{StaleAfter: shortDuration(staleAfter)}
	for _, c := range affiliates.WithSync(cfg) {
		st := states[c.Name]
		row := connectorRow{Name: c.Name, Type: c.Type, State: st, Customers: counts[c.Name][0], Values: counts[c.Name][1]}
		if st.LastSuccessAt != nil {
			age := now.Sub(*st.LastSuccessAt)
			row.Age, row.Stale = shortDuration(age), age > staleAfter
		}
		if in, ok := interrupted[c.Name]; ok {
			row.Interrupted = &in
		}
		if row.Runs, err = s.Store.SyncRuns(ctx, c.Name, pageRuns); err != nil {
			s.pageError(w, r, "sources page", err)
			return
		}
		if len(row.Runs) > 0 {
			row.Budget = connectors.BudgetSummary(row.Runs[0].APICalls, row.Runs[0].APILimit)
		}
		v.Connectors = append(v.Connectors, row)
	}
	model, err := ranker.Model(cfg)
	if err != nil {
		s.pageError(w, r, "sources page", err)
		return
	}
	table, err := ranker.LoadTable(ctx, s.Store, cfg.Sources(), now)
	if err != nil {
		s.pageError(w, r, "sources page", err)
		return
	}
	v.Coverage = coverage.Check(model, coverage.Sources(cfg), coverage.FromTable(table))
	v.CoverageOK = len(v.Coverage.Warnings) == 0
	s.render(w, r, http.StatusOK, "connectors", view{Title: "Sources", Nav: "connectors", Page: v})
}

// shortDuration is an age a person reads at a glance: "3d 4h", "2h 5m", "7m", "40s".
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	day := 24 * time.Hour
	switch {
	case d >= day:
		return fmt.Sprintf("%dd %dh", d/day, d%day/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
