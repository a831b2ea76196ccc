package advocate

import (
	"context"
	"slices"
	"time"
)

// Sources is the one rule for which value of a signal is current when several connectors
// report it. Score, explain, export, the shortlist's caution line, the health pause and the
// drip's stop conditions all ask it, so they all read the value the score used.
//
// The rule, in order:
//  1. A fresh value beats a stale one: a value older than its source's freshness window counts
//     as missing to the score, so a fresh value from a lower-precedence source stands in for it.
//  2. Among values equally fresh, source precedence decides: the per-signal list when one is
//     configured (scoring.precedence), else the connectors' order in the config. Sources not
//     listed (a connector removed from the config, the push API) come after every listed one.
//  3. Among values of equal precedence, the newer observation wins.
type Sources struct {
	Order     []string            // connector names in config order: first wins
	PerSignal map[string][]string // signal -> connector names, first wins
	// Freshness is how long a value stays current unless its source says otherwise; 0 = forever.
	Freshness time.Duration
	FreshFor  map[string]time.Duration // per source (connector freshness)
}

// Rank is the precedence of source for signal: 0 is best; unlisted sources rank last.
func (s Sources) Rank(signal, source string) int {
	order := s.Order
	if o, ok := s.PerSignal[signal]; ok {
		order = o
	}
	if i := slices.Index(order, source); i >= 0 {
		return i
	}
	return len(order)
}

// FreshnessOf is how long values from source stay current; 0 means forever.
func (s Sources) FreshnessOf(source string) time.Duration {
	if d, ok := s.FreshFor[source]; ok {
		return d
	}
	return s.Freshness
}

// Stale reports whether a value from source observed at observed is too old to count at now.
func (s Sources) Stale(source string, observed, now time.Time) bool {
	return observed.Before(s.StaleBefore(source, now))
}

// StaleBefore is the cutoff for source at now: values observed before it are stale. The zero
// time (nothing is before it) when the source's values never go stale. Callers checking many
// values of one source compute it once.
func (s Sources) StaleBefore(source string, now time.Time) time.Time {
	f := s.FreshnessOf(source)
	if f <= 0 {
		return time.Time{}
	}
	return now.Add(-f)
}

// Candidate is one observation competing to be current, reduced to what the rule compares;
// callers with a columnar layout build it from their columns without allocating.
type Candidate struct {
	Rank     int
	Stale    bool
	Observed time.Time
}

// Beats reports whether a should be current rather than b (rule above).
func Beats(a, b Candidate) bool {
	if a.Stale != b.Stale {
		return !a.Stale
	}
	if a.Rank != b.Rank {
		return a.Rank < b.Rank
	}
	return a.Observed.After(b.Observed)
}

// Current is the current value of one signal, with whether it is stale (counts as missing).
type Current struct {
	SignalValue
	Stale bool `json:"stale,omitempty"`
}

// Current picks, per signal, the current value among values (one customer's latest value per
// source and signal).
func (s Sources) Current(values []SignalValue, now time.Time) map[string]Current {
	out := make(map[string]Current, len(values))
	held := make(map[string]Candidate, len(values))
	for _, v := range values {
		c := Candidate{Rank: s.Rank(v.Name, v.Source), Stale: s.Stale(v.Source, v.ObservedAt, now), Observed: v.ObservedAt}
		if h, ok := held[v.Name]; ok && !Beats(c, h) {
			continue
		}
		held[v.Name] = c
		out[v.Name] = Current{SignalValue: v, Stale: c.Stale}
	}
	return out
}

// Value returns the current, fresh value of one signal: ok is false when no source reports it
// or the current value is stale (the score treats it as missing, so every rule does).
func (s Sources) Value(values []SignalValue, signal string, now time.Time) (v float64, ok bool) {
	var sub []SignalValue
	for _, x := range values {
		if x.Name == signal {
			sub = append(sub, x)
		}
	}
	cur, found := s.Current(sub, now)[signal]
	if !found || cur.Stale {
		return 0, false
	}
	return cur.Value, true
}

// SignalReader is what the per-customer rules need from the store.
type SignalReader interface {
	LatestSignals(ctx context.Context, customerID string) ([]SignalValue, error)
}

// CurrentSignals reads one customer's latest values and applies the rule.
func (s Sources) CurrentSignals(ctx context.Context, r SignalReader, customerID string, now time.Time) (map[string]Current, error) {
	vals, err := r.LatestSignals(ctx, customerID)
	if err != nil {
		return nil, err
	}
	return s.Current(vals, now), nil
}
