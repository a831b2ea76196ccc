package tune

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/lookalike"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
	"gopkg.in/yaml.v3"
)

// joined is one customer who became an affiliate, with its outcomes.
type joined struct {
	customer string
	at       time.Time   // earliest affiliate created_at: the join date
	refs     []time.Time // its referrals' created_at, on any platform
}

// FromStore builds the training data from the store and runs the fit and backtest: every
// customer mapped to an affiliate with a recorded join date (Advocate's created_at or the
// platform's join date, the earliest if it has several), labelled by its referrals in the LabelDays after joining, with signals
// as they stood on the join date (see asOf).
func FromStore(ctx context.Context, st *store.Store, cfg *config.Config, now time.Time) (Report, error) {
	members, err := affiliatesOfCustomers(ctx, st)
	if err != nil {
		return Report{}, fmt.Errorf("tune: %w", err)
	}
	attrs := map[string]map[string]string{}
	noJoin := 0
	if err := st.ScanAttributes(ctx, func(id string, a map[string]string) error {
		_, ok := members[id]
		switch {
		case ok:
			attrs[id] = a
		case advocate.IsPartner(a[advocate.AttrIsPartner]):
			noJoin++ // an affiliate (says the CRM or the platform) whose join date no record gives
		}
		return nil
	}); err != nil {
		return Report{}, fmt.Errorf("tune: %w", err)
	}
	mc := cfg.Scoring.ModelConfig()
	names := slices.Sorted(maps.Keys(mc.Weights))
	src := cfg.Sources()
	var (
		customers []scoring.Customer
		samples   []Sample
		pending   int
	)
	for _, id := range slices.Sorted(maps.Keys(members)) {
		m := members[id]
		if now.Sub(m.at) < lookalike.Window {
			pending++
			continue
		}
		sig, when, err := asOf(ctx, st, src, id, names, m.at, now)
		if err != nil {
			return Report{}, err
		}
		fromCurrent := !when.Equal(m.at)
		c := scoring.Customer{ID: id, Signals: sig, Attributes: attrs[id]}
		scoring.Derive(when, &c) // tenure as of the same date as the other signals
		customers = append(customers, c)
		n := 0
		for _, r := range m.refs {
			if !r.Before(m.at) && r.Sub(m.at) <= lookalike.Window {
				n++
			}
		}
		samples = append(samples, Sample{ID: id, Positive: lookalike.Productive(m.at, m.refs), Referrals: n, FromCurrent: fromCurrent})
	}
	d := Data{Pending: pending, NoJoinDate: noJoin}
	d.Signals, d.Weights = Tuned(mc)
	if len(customers) > 0 {
		var g [][]float64
		if d.Signals, d.Weights, g, err = Features(mc, now, customers); err != nil {
			return Report{}, err
		}
		for i := range samples {
			samples[i].Goodness = g[i]
		}
		d.Samples = samples
	}
	return Run(d, Options{ShortlistSize: cfg.Shortlist.Size}), nil
}

// affiliatesOfCustomers maps each customer to its join date and referrals: the program's
// affiliates (program.Members, its one matching of outcomes to affiliates) mapped to customers
// the way the outcome sync maps them (store.CustomerOfAffiliate). Only affiliates with a recorded
// join date (Advocate made them, or the platform's listing dates them: program.Member.JoinKnown)
// are labelled; for the others the first outcome would stand in, and a label "referred within
// 90 days of joining" would then be true of everyone who ever referred, so they are left out
// (counted as partners without a join date by the caller).
func affiliatesOfCustomers(ctx context.Context, st *store.Store) (map[string]*joined, error) {
	in, err := program.Load(ctx, st)
	if err != nil {
		return nil, err
	}
	out := map[string]*joined{}
	for _, m := range program.Members(in) {
		if !m.JoinKnown {
			continue
		}
		cid, err := st.CustomerOfAffiliate(ctx, m.Platform, m.Email)
		if err != nil || cid == "" {
			if err != nil {
				return nil, err
			}
			continue // an affiliate matching no customer has no signals to learn from
		}
		j := out[cid]
		if j == nil {
			j = &joined{customer: cid, at: m.Joined}
			out[cid] = j
		}
		if m.Joined.Before(j.at) {
			j.at = m.Joined
		}
		j.refs = append(j.refs, m.Referrals...)
	}
	return out, nil
}

// asOf returns a customer's signal values as they stood at the join date: per source, the
// last observation on or before it, then the usual current-value rule (precedence,
// freshness) applied at the join date. When history holds nothing that old, the current
// values stand in. It returns the date the values describe: at, or now for current values.
func asOf(ctx context.Context, st *store.Store, src advocate.Sources, id string, names []string, at, now time.Time) (map[string]float64, time.Time, error) {
	var vals []advocate.SignalValue
	for _, name := range names {
		hist, err := st.SignalHistory(ctx, id, name)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("tune: %w", err)
		}
		last := map[string]advocate.SignalValue{} // by source; history is oldest first
		for _, v := range hist {
			if !v.ObservedAt.After(at) {
				last[v.Source] = v
			}
		}
		for _, s := range slices.Sorted(maps.Keys(last)) {
			vals = append(vals, last[s])
		}
	}
	when := at
	if len(vals) == 0 {
		latest, err := st.LatestSignals(ctx, id)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("tune: %w", err)
		}
		vals, when = latest, now
	}
	out := map[string]float64{}
	for name, cur := range src.Current(vals, when) {
		if !cur.Stale {
			out[name] = cur.Value
		}
	}
	return out, when, nil
}

// ScoringFile is a config file holding the current scoring section with weights replaced:
// what `advocate tune --write` saves and `advocate score --what-if FILE` previews. Gates,
// thresholds, transforms and segments are copied so the preview differs by the weights only;
// precedence and freshness are left out (what-if takes them from the current config).
func ScoringFile(cur config.Scoring, weights map[string]float64, note string) ([]byte, error) {
	type transform struct {
		Kind    string          `yaml:"kind,omitempty"`
		Min     *float64        `yaml:"min,omitempty"`
		Max     *float64        `yaml:"max,omitempty"`
		Buckets []config.Bucket `yaml:"buckets,omitempty"`
	}
	type section struct {
		Weights         map[string]float64   `yaml:"weights"`
		Gates           []string             `yaml:"gates"` // [] means no gates, so always written
		MinConfidence   float64              `yaml:"min_confidence"`
		MissingGoodness float64              `yaml:"missing_goodness"`
		Transforms      map[string]transform `yaml:"transforms"` // {} means none, so always written
		Segments        []config.Segment     `yaml:"segments,omitempty"`
	}
	s := section{
		Weights: map[string]float64{}, Gates: slices.Clone(cur.Gates), MinConfidence: cur.MinConfidence,
		MissingGoodness: cur.MissingGoodness, Transforms: map[string]transform{}, Segments: cur.Segments,
	}
	if s.Gates == nil {
		s.Gates = []string{}
	}
	maps.Copy(s.Weights, cur.Weights)
	maps.Copy(s.Weights, weights)
	for name, t := range cur.Transforms {
		s.Transforms[name] = transform{Kind: t.Kind, Min: t.Min, Max: t.Max, Buckets: t.Buckets}
	}
	body, err := yaml.Marshal(struct {
		Scoring section `yaml:"scoring"`
	}{s})
	if err != nil {
		return nil, fmt.Errorf("tune: write scoring file: %w", err)
	}
	var b strings.Builder
	for line := range strings.SplitSeq(strings.TrimSpace(note), "\n") {
		b.WriteString("# " + line + "\n")
	}
	b.Write(body)
	return []byte(b.String()), nil
}
