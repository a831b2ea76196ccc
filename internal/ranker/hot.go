package ranker

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// Hot is the scoring table kept in memory by `serve`: every customer's current model inputs,
// read in full once and then refreshed after each sync by reading only the customers whose
// inputs changed. Scoring it gives exactly what a full `advocate score` would (the same
// builder applies the same current-value rule), without re-reading a million rows.
//
// A refresh re-reads a customer when the store says its signals, attributes or contacts were
// written since the last refresh, or when a value it holds went stale in the meantime (then
// another source's value may now be current). Customers deleted from the store stay until the
// next full load (LoadHot). Not safe for concurrent use.
type Hot struct {
	st *store.Store
	b  *tableBuilder
	// expires[j][i] is when the value held in column j for row i goes stale, in Unix seconds
	// (math.MaxUint32: never, or nothing held). uint32 keeps a million rows x 15 signals at 60 MB.
	expires [][]uint32
	since   time.Time // store time from which changes have not been read yet
	at      time.Time // the now of the last load or refresh
	// read holds the changed rows the last refresh read at or after since: the next refresh
	// reads that window again (see Lag) and skips them.
	read map[store.Change]bool
}

// Lag is how far behind the store's clock a refresh's watermark stays: rows carry the time
// their transaction began, so a sync page still committing when a refresh reads would
// otherwise be missed. Re-reading a customer twice is harmless.
const Lag = time.Minute

// LoadHot reads every customer's inputs, as LoadTable does, and remembers where to resume.
func LoadHot(ctx context.Context, st *store.Store, src advocate.Sources, now time.Time) (*Hot, error) {
	h := &Hot{st: st, since: st.Now().Add(-Lag), at: now, b: &tableBuilder{src: src, now: now}}
	if err := h.b.load(ctx, st, h.addValues); err != nil {
		return nil, fmt.Errorf("load scoring table: %w", err)
	}
	return h, nil
}

// Table is the current table. It stays valid until the next Refresh, which changes it in place.
func (h *Hot) Table() *scoring.Table { return h.b.t }

// Sources is the current-value rule the table was built with; a different one needs LoadHot.
func (h *Hot) Sources() advocate.Sources { return h.b.src }

// Refresh applies what changed since the last load or refresh, as of now, and returns how many
// customers it re-read.
func (h *Hot) Refresh(ctx context.Context, now time.Time) (int, error) {
	mark := h.st.Now().Add(-Lag)
	changes, err := h.st.ChangedSince(ctx, h.since)
	if err != nil {
		return 0, fmt.Errorf("refresh scoring table: %w", err)
	}
	read := map[store.Change]bool{}
	// A customer of whom only current values changed (the usual sync), or one holding a
	// value that went stale, needs only its values re-read; one whose attributes or contacts
	// changed, or who is new, needs everything.
	full := map[string]bool{}
	var ids []string
	for _, c := range changes {
		if !c.At.Before(mark) {
			read[c] = true
		}
		if h.read[c] {
			continue
		}
		ids = append(ids, c.CustomerID)
		if _, known := h.b.index.get(h.b.t.IDs, c.CustomerID); !known || !strings.HasPrefix(c.Row, store.SignalRowPrefix) {
			full[c.CustomerID] = true
		}
	}
	ids = append(ids, h.expired(now)...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var everything, values []string
	for _, id := range ids {
		if full[id] {
			everything = append(everything, id)
		} else {
			values = append(values, id)
		}
	}
	h.b.now = now
	if err := h.rereadAll(ctx, everything); err != nil {
		return 0, fmt.Errorf("refresh scoring table: %w", err)
	}
	for _, id := range values {
		i, _ := h.b.index.get(h.b.t.IDs, id)
		h.clearValues(i)
	}
	if err := h.st.ScanInputsOf(ctx, values, store.CustomerInputs{Latest: h.addValues}); err != nil {
		return 0, fmt.Errorf("refresh scoring table: %w", err)
	}
	if err := h.b.t.Validate(); err != nil {
		return 0, fmt.Errorf("refresh scoring table: %w", err)
	}
	h.since, h.at, h.read = mark, now, read
	return len(ids), nil
}

// rereadAll re-reads everything of the customers in ids: each one's row is cleared when its
// attributes arrive (every stored customer has a row in customers), then its contacts and
// values are applied as a full load would.
func (h *Hot) rereadAll(ctx context.Context, ids []string) error {
	return h.st.ScanInputsOf(ctx, ids, store.CustomerInputs{
		Attributes: func(id string, attrs map[string]string) error {
			h.reset(h.row(id), attrs)
			return nil
		},
		Reach: func(id string, contacts, reachable int) error {
			if i, ok := h.b.index.get(h.b.t.IDs, id); ok {
				t := h.b.t
				t.OptedOut[i] = advocate.AccountOptedOut(attr(t, advocate.AttrOptedOut, i), contacts, contacts-reachable)
			}
			return nil
		},
		Latest: h.addValues,
	})
}

// expired lists the customers holding a value that went stale between the last pass and now.
func (h *Hot) expired(now time.Time) []string {
	from, to := unix32(h.at), unix32(now)
	if to <= from {
		return nil
	}
	seen := map[int]bool{}
	var ids []string
	for _, col := range h.expires {
		for i, e := range col {
			if e >= from && e < to && !seen[i] {
				seen[i] = true
				ids = append(ids, h.b.t.IDs[i])
			}
		}
	}
	return ids
}

// row returns the row of id, appending an empty one for a customer not seen before.
func (h *Hot) row(id string) int {
	if i, ok := h.b.index.get(h.b.t.IDs, id); ok {
		return i
	}
	t := h.b.t
	i := len(t.IDs)
	t.IDs = append(t.IDs, id)
	h.b.index.add(t.IDs, i)
	for k, col := range t.Attrs {
		t.Attrs[k] = append(col, "")
	}
	t.OptedOut, t.IsPartner = append(t.OptedOut, false), append(t.IsPartner, false)
	for j := range t.Cols {
		t.Cols[j] = append(t.Cols[j], math.NaN())
		h.b.rank[j] = append(h.b.rank[j], 0)
		if t.Stale[j] != nil {
			t.Stale[j] = append(t.Stale[j], false)
		}
		if t.Observed[j] != nil {
			t.Observed[j] = append(t.Observed[j], 0)
		}
		if j < len(h.expires) {
			h.expires[j] = append(h.expires[j], math.MaxUint32)
		}
	}
	return i
}

// reset empties row i (no values, no contacts) and sets its attributes and partner flag.
func (h *Hot) reset(i int, attrs map[string]string) {
	t := h.b.t
	for k, col := range t.Attrs {
		col[i] = attrs[k]
	}
	for k, v := range attrs {
		if _, ok := t.Attrs[k]; !ok {
			col := make([]string, len(t.IDs))
			col[i] = v
			t.Attrs[k] = col
		}
	}
	t.IsPartner[i] = advocate.IsPartner(attr(t, advocate.AttrIsPartner, i))
	t.OptedOut[i] = advocate.AccountOptedOut(attr(t, advocate.AttrOptedOut, i), 0, 0) // contacts follow
	h.clearValues(i)
}

// clearValues empties row i's values.
func (h *Hot) clearValues(i int) {
	t := h.b.t
	for j := range t.Cols {
		t.Cols[j][i] = math.NaN()
		h.b.rank[j][i] = 0
		if t.Stale[j] != nil {
			t.Stale[j][i] = false
		}
		if t.Observed[j] != nil {
			t.Observed[j][i] = 0
		}
		if j < len(h.expires) {
			h.expires[j][i] = math.MaxUint32
		}
	}
}

// addValues offers the values to the builder, then notes when each value now held expires.
func (h *Hot) addValues(id, source string, vals []store.LatestValue) error {
	i, ok := h.b.index.get(h.b.t.IDs, id)
	if !ok {
		return nil // a customer deleted since: ignore its values
	}
	h.b.addValuesAt(i, source, vals)
	fresh := h.b.src.FreshnessOf(source)
	for _, v := range vals {
		j := h.b.col[v.Name]
		for len(h.expires) <= j {
			col := make([]uint32, len(h.b.t.IDs))
			for k := range col {
				col[k] = math.MaxUint32
			}
			h.expires = append(h.expires, col)
		}
		if int(h.b.rank[j][i]) != h.b.src.Rank(v.Name, source)+1 || h.b.t.Observed[j][i] != v.ObservedAt.Unix() {
			continue // another source's value is held
		}
		h.expires[j][i] = math.MaxUint32
		if stale := h.b.t.Stale[j]; fresh > 0 && (stale == nil || !stale[i]) {
			h.expires[j][i] = unix32(v.ObservedAt.Add(fresh))
		}
	}
	return nil
}

func unix32(t time.Time) uint32 {
	return uint32(min(max(t.Unix(), 0), math.MaxUint32-1))
}

// HotTimes is where a hot re-scoring spent its time.
type HotTimes struct {
	Reread                int // customers re-read
	Refresh, Score, Write time.Duration
}

// Rescore refreshes h as of now, scores the whole table with model (percentiles are relative
// to everyone, so every score is recomputed) and stores the run as Score does. The returned
// Scored has no Results: a million of them are let go before the write, which keeps the
// daemon's peak memory down; the stored run has them.
func (h *Hot) Rescore(ctx context.Context, model *scoring.Model, now time.Time) (Scored, HotTimes, error) {
	var tm HotTimes
	t0 := time.Now()
	n, err := h.Refresh(ctx, now)
	if err != nil {
		return Scored{}, tm, fmt.Errorf("score: %w", err)
	}
	tm.Reread, tm.Refresh = n, time.Since(t0)
	t1 := time.Now()
	results := model.ScoreTable(now, h.b.t, scoring.Options{Detail: detailPolicy(len(h.b.t.IDs))})
	tm.Score = time.Since(t1)
	t2 := time.Now()
	run, err := saveRun(ctx, h.st, model, results)
	tm.Write = time.Since(t2)
	return Scored{Run: run, Table: h.b.t}, tm, err
}
