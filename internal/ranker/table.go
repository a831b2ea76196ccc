package ranker

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// LoadTable streams customers, contact reachability and current signal values from the store
// into the columnar table scoring reads: one pass over each table, no per-customer maps kept.
// Among sources reporting the same signal, advocate.Sources picks the current value (the one
// rule everything else asks too); a stale current value is marked so scoring treats it as missing.
func LoadTable(ctx context.Context, st *store.Store, src advocate.Sources, now time.Time) (*scoring.Table, error) {
	b := &tableBuilder{src: src, now: now}
	if err := b.load(ctx, st, b.addValues); err != nil {
		return nil, err
	}
	return b.t, nil
}

// load reads every customer's inputs into b, handing the current values to addValues (the
// builder's own, or Hot's, which also notes when each expires).
func (b *tableBuilder) load(ctx context.Context, st *store.Store, addValues func(id, source string, vals []store.LatestValue) error) error {
	// Sized up front: growing million-entry columns and the index copies them several times.
	n, err := st.CustomerCountEstimate(ctx)
	if err != nil {
		return err
	}
	n = min(n+n/8, 50_000_000) // an estimate: room for some more
	b.t = &scoring.Table{Attrs: map[string][]string{}, IDs: make([]string, 0, n)}
	b.index, b.col = newIDIndex(n), map[string]int{}
	if err := st.ScanAttributePairs(ctx, b.addCustomer); err != nil {
		return err
	}
	b.padAttributes()
	reach, err := st.Reachability(ctx)
	if err != nil {
		return err
	}
	b.setFlags(reach)
	if err := st.ScanLatest(ctx, addValues); err != nil {
		return err
	}
	if err := b.t.Validate(); err != nil {
		return fmt.Errorf("build scoring table: %w", err)
	}
	return nil
}

// tableBuilder fills a scoring.Table column by column as the store streams rows.
type tableBuilder struct {
	t     *scoring.Table
	index *idIndex       // customer id -> row
	col   map[string]int // signal -> column
	rank  [][]int16      // precedence rank + 1 of the value held, per column and row; 0 = none yet
	src   advocate.Sources
	now   time.Time
	// The column and precedence rank of each (signal, source) met so far: a handful, searched
	// linearly. The decoder hands out one shared string per name, so comparing is cheap, and
	// most values skip a map lookup and a search of the precedence order.
	seen    []lastName
	seenMap map[[2]string]lastName // once seen outgrows a linear search
	next    int                    // where in seen the next lookup looks first
	ids     arena                  // the customer ids, copied out of the read buffer
}

type lastName struct {
	name, source   string
	col, rank, pos int // pos: its index in seen
}

// arena copies strings into shared blocks: a million ids as a few hundred allocations instead
// of a million, which the garbage collector then need not trace one by one.
type arena struct{ buf []byte }

func (a *arena) clone(s string) string {
	if len(s) > 1024 {
		return strings.Clone(s)
	}
	if cap(a.buf)-len(a.buf) < len(s) {
		a.buf = make([]byte, 0, 64<<10)
	}
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	return unsafe.String(unsafe.SliceData(a.buf[start:]), len(s))
}

func (b *tableBuilder) addCustomer(id string, attrs []store.Attr) error {
	t := b.t
	i := len(t.IDs)
	// No check for an id read twice: it is the customers table's primary key.
	t.IDs = append(t.IDs, b.ids.clone(id))
	b.index.add(t.IDs, i)
	for _, a := range attrs {
		col := t.Attrs[a.Key]
		if col == nil {
			col = make([]string, 0, cap(t.IDs)) // as long as the table will be, roughly
		}
		if len(col) < i { // customers before this one without the attribute
			col = append(col, make([]string, i-len(col))...)
		}
		t.Attrs[a.Key] = append(col, a.Value)
	}
	return nil
}

// padAttributes makes every attribute column as long as the table.
func (b *tableBuilder) padAttributes() {
	n := len(b.t.IDs)
	for k, col := range b.t.Attrs {
		if len(col) < n {
			b.t.Attrs[k] = append(col, make([]string, n-len(col))...)
		}
	}
}

// setFlags applies the core's opted-out and partner rules; reach holds, per customer with
// contacts, how many contacts it has and how many may still be emailed.
func (b *tableBuilder) setFlags(reach map[string][2]int) {
	t, n := b.t, len(b.t.IDs)
	t.OptedOut, t.IsPartner = make([]bool, n), make([]bool, n)
	for i, id := range t.IDs {
		r := reach[id] // [contacts, contacts not opted out]; zero when it has none
		t.OptedOut[i] = advocate.AccountOptedOut(attr(t, advocate.AttrOptedOut, i), r[0], r[0]-r[1])
		t.IsPartner[i] = advocate.IsPartner(attr(t, advocate.AttrIsPartner, i))
	}
}

// column returns the column of signal name, adding an empty (all missing) one the first time.
func (b *tableBuilder) column(name string) int {
	if j, ok := b.col[name]; ok {
		return j
	}
	t, n := b.t, len(b.t.IDs)
	j := len(t.Signals)
	b.col[name] = j
	t.Signals = append(t.Signals, name)
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.NaN()
	}
	t.Cols = append(t.Cols, vals)
	b.rank = append(b.rank, make([]int16, n))
	t.Stale = append(t.Stale, nil)
	t.Observed = append(t.Observed, nil)
	return j
}

// addValues offers one customer's latest values from one source; each becomes the held value
// when advocate.Beats says it should be current rather than what is held.
func (b *tableBuilder) addValues(id, source string, vals []store.LatestValue) error {
	if i, ok := b.index.get(b.t.IDs, id); ok {
		b.addValuesAt(i, source, vals)
	}
	return nil // else a customer deleted since: ignore its values
}

// addValuesAt is addValues for the customer at row i.
func (b *tableBuilder) addValuesAt(i int, source string, vals []store.LatestValue) {
	cutoff := b.src.StaleBefore(source, b.now)
	for _, v := range vals {
		ln := b.lookup(v.Name, source)
		j := ln.col
		c := advocate.Candidate{Rank: ln.rank, Stale: v.ObservedAt.Before(cutoff), Observed: v.ObservedAt}
		if b.rank[j][i] != 0 && !advocate.Beats(c, b.held(j, i)) {
			continue
		}
		b.hold(j, i, c, v.Value)
	}
}

// lookup returns the column and rank of signal name from source. A source sends the same
// signals in the same order row after row, so the entry after the last one found is tried
// first: most lookups cost one comparison.
func (b *tableBuilder) lookup(name, source string) lastName {
	if k := b.next; k < len(b.seen) && b.seen[k].name == name && b.seen[k].source == source {
		b.next = k + 1
		return b.seen[k]
	}
	if len(b.seen) <= 32 {
		for k, ln := range b.seen {
			if ln.name == name && ln.source == source {
				b.next = k + 1
				return ln
			}
		}
	} else if ln, ok := b.seenMap[[2]string{name, source}]; ok {
		b.next = ln.pos + 1
		return ln // many signals and sources: a linear search would cost more than the map
	}
	ln := lastName{name: name, source: source, col: b.column(name), rank: b.src.Rank(name, source), pos: len(b.seen)}
	b.seen = append(b.seen, ln)
	b.next = len(b.seen)
	if len(b.seen) > 32 {
		if b.seenMap == nil {
			b.seenMap = map[[2]string]lastName{}
			for _, o := range b.seen {
				b.seenMap[[2]string{o.name, o.source}] = o
			}
		}
		b.seenMap[[2]string{name, source}] = ln
	}
	return ln
}

func (b *tableBuilder) held(j, i int) advocate.Candidate {
	t := b.t
	return advocate.Candidate{Rank: int(b.rank[j][i]) - 1, Stale: t.Stale[j] != nil && t.Stale[j][i], Observed: time.Unix(t.Observed[j][i], 0)}
}

func (b *tableBuilder) hold(j, i int, c advocate.Candidate, value float64) {
	t, n := b.t, len(b.t.IDs)
	if t.Observed[j] == nil {
		t.Observed[j] = make([]int64, n)
	}
	b.rank[j][i] = int16(c.Rank) + 1
	t.Cols[j][i] = value
	t.Observed[j][i] = c.Observed.Unix()
	// Stale columns are allocated only once a stale value is held: most bases have none.
	if c.Stale && t.Stale[j] == nil {
		t.Stale[j] = make([]bool, n)
	}
	if t.Stale[j] != nil {
		t.Stale[j][i] = c.Stale
	}
}

func attr(t *scoring.Table, key string, i int) string {
	if col := t.Attrs[key]; col != nil {
		return col[i]
	}
	return ""
}

// detailPolicy explains what people read: the top of the ranking and enough eligible customers
// to fill any shortlist. Explaining every customer of a large base costs more than scoring it;
// `explain` recomputes the rest on demand.
func detailPolicy(n int) func(r *scoring.Result) bool {
	if n <= 5000 {
		return nil // small bases: explain everyone
	}
	eligible := 0
	return func(r *scoring.Result) bool {
		if r.Eligible && eligible < 2000 {
			eligible++
			return true
		}
		return r.Rank <= 200
	}
}
