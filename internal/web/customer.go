package web

// The Customer page (/customers/{id or domain}) and customer search (/customers?q=).

import (
	"cmp"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// How much of a customer's timeline the page shows.
const (
	pageDecisions = 50
	pageReferrals = 50
	mainSignals   = 3 // signals charted beside the score: the largest contributions
)

type customerView struct {
	Customer advocate.Customer
	// Explanation is the `advocate explain` breakdown; nil when ExplainNote says why not.
	Explanation *ranker.Explanation
	ExplainNote string
	// CanRecompute: the stored run kept no factors for this customer; ?recompute=1 computes
	// them now (scoring the whole base, so it is not done on every view).
	CanRecompute bool
	Gates        []gateRow
	ScoreChart   Chart
	SignalCharts []Chart
	Decisions    []store.Decision
	Emails       []store.OutboxEmail
	Referrals    []store.AffiliateReferral
	Preview      *drip.Preview
	PreviewNote  string
}

// gateRow is one configured gate and whether the customer passed it.
type gateRow struct {
	Text   string
	Passed bool
	Detail string // the failure as the score recorded it ("nps >= 9 (nps missing)")
}

func (s *Server) customerSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	found, err := s.Store.SearchCustomers(r.Context(), q, 50)
	if err != nil {
		s.pageError(w, r, "customer search", err)
		return
	}
	// An exact id or domain, or a single match, goes straight to the customer.
	if q != "" {
		if c, err := s.Store.FindCustomer(r.Context(), q); err == nil {
			http.Redirect(w, r, "/customers/"+url.PathEscape(c.ID), http.StatusSeeOther)
			return
		}
	}
	if len(found) == 1 {
		http.Redirect(w, r, "/customers/"+url.PathEscape(found[0].ID), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "customers", view{Title: "Customers", Nav: "customers",
		Page: struct {
			Q     string
			Found []advocate.Customer
		}{q, found}})
}

func (s *Server) customerPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ref := r.PathValue("ref")
	c, err := s.Store.FindCustomer(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		s.customerNotFound(w, r, "No customer has the id or domain “"+ref+"”. Search by name or domain below.")
		return
	}
	if err != nil {
		s.pageError(w, r, "customer page", err)
		return
	}
	cfg := s.pageConfig()
	now := s.now()
	v := customerView{Customer: c}

	// The explanation is ranker.Explain's, as `advocate explain` prints it. Without
	// ?recompute=1 no model is passed: recomputing scores the whole base, which a page view
	// must not do on a large store.
	var model *scoring.Model
	if r.URL.Query().Get("recompute") == "1" {
		if model, err = ranker.Model(cfg); err != nil {
			s.pageError(w, r, "customer page", err)
			return
		}
	}
	scored, err := s.Store.ScoreHistory(ctx, c.ID, 60) // the window Explain reads
	if err != nil {
		s.pageError(w, r, "customer page", err)
		return
	}
	if len(scored) == 0 {
		v.ExplainNote = "Not scored yet: the next scoring run (or `advocate score`) will explain this customer."
	} else {
		ex, err := ranker.Explain(ctx, s.Store, cfg.Sources(), model, now, c.ID)
		if err != nil {
			s.pageError(w, r, "customer page", err)
			return
		}
		v.Explanation = &ex
		v.CanRecompute = len(ex.Contributions) == 0 && model == nil
	}
	v.Gates = gatesOf(cfg.Scoring.Gates, v.Explanation)

	if v.ScoreChart, v.SignalCharts, err = s.customerCharts(r, c, v.Explanation); err != nil {
		s.pageError(w, r, "customer page", err)
		return
	}
	if v.Decisions, err = s.Store.CustomerDecisions(ctx, c.ID, pageDecisions); err != nil {
		s.pageError(w, r, "customer page", err)
		return
	}
	if v.Emails, err = s.Store.CustomerEmails(ctx, c.ID); err != nil {
		s.pageError(w, r, "customer page", err)
		return
	}
	if v.Referrals, err = s.Store.CustomerReferrals(ctx, c.ID, pageReferrals); err != nil {
		s.pageError(w, r, "customer page", err)
		return
	}
	// The invitation as the customer would get it: the drip's own preview, customer-safe copy
	// only. A customer nobody may be emailed at has none, and the page says why.
	d, err := drip.FromConfig(ctx, cfg, s.Store, drip.Runtime{Now: s.now, Log: s.log()})
	if err == nil {
		var p drip.Preview
		if p, err = d.Preview(ctx, c.ID, ""); err == nil {
			v.Preview = &p
		}
	}
	if err != nil {
		v.PreviewNote = err.Error()
	}
	s.render(w, r, http.StatusOK, "customer", view{Title: c.Label(), Nav: "customers", Page: v})
}

// gatesOf lists the configured gates with whether the explained score passed each. A failure
// is recorded as the gate's text with why ("tenure_days >= 90 (tenure_days missing)").
func gatesOf(gates []string, ex *ranker.Explanation) []gateRow {
	if ex == nil {
		return nil
	}
	out := make([]gateRow, 0, len(gates))
	for _, g := range gates {
		row := gateRow{Text: strings.TrimSpace(g), Passed: true}
		for _, f := range ex.FailedGates {
			if strings.HasPrefix(f, row.Text) {
				row.Passed, row.Detail = false, f
			}
		}
		out = append(out, row)
	}
	// Failures no configured gate names (opted out, low confidence, a changed config).
	for _, f := range ex.FailedGates {
		if !slices.ContainsFunc(out, func(g gateRow) bool { return g.Detail == f }) {
			out = append(out, gateRow{Text: f, Detail: f})
		}
	}
	return out
}

// customerCharts draws the score over the stored runs, and the main signals (the largest
// contributions) over their observations.
func (s *Server) customerCharts(r *http.Request, c advocate.Customer, ex *ranker.Explanation) (Chart, []Chart, error) {
	score := Chart{Title: "Score over time", YLabel: "score", YMin: 0, YMax: 100, Series: []Series{{Name: "score"}}}
	if ex == nil {
		return score, nil, nil
	}
	for i := len(ex.History) - 1; i >= 0; i-- { // History is newest first
		h := ex.History[i]
		score.Series[0].Points = append(score.Series[0].Points, Point{T: h.ScoredAt, V: h.Score})
	}
	cs := slices.Clone(ex.Contributions)
	slices.SortStableFunc(cs, func(a, b store.Contribution) int {
		return cmp.Compare(math.Abs(b.Points), math.Abs(a.Points))
	})
	var names []string
	for _, c := range cs {
		if c.Present && len(names) < mainSignals {
			names = append(names, c.Signal)
		}
	}
	if len(names) == 0 {
		return score, nil, nil
	}
	hist, err := s.Store.SignalHistories(r.Context(), c.ID, names)
	if err != nil {
		return score, nil, err
	}
	var charts []Chart
	for _, name := range names {
		ch := Chart{Title: name + " over time", YLabel: name, Series: []Series{{Name: name}}, Height: 160}
		for _, v := range hist[name] {
			ch.Series[0].Points = append(ch.Series[0].Points, Point{T: v.ObservedAt, V: v.Value})
		}
		charts = append(charts, ch)
	}
	return score, charts, nil
}
