package scoring

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Table is the columnar input to ScoreTable: one column per signal instead of one map per
// customer, which is what makes a million customers cheap. Row i of every column is customer
// IDs[i]. ScoreTable never modifies a Table.
type Table struct {
	IDs     []string
	Signals []string    // column names; signals the model does not read are ignored
	Cols    [][]float64 // Cols[j] holds Signals[j] for every customer; NaN = missing
	// Attrs holds attribute columns (plan, industry, customer_since, …) by name, one value per
	// customer; "" = absent. Only attributes gates and segments read are looked at. Optional.
	Attrs map[string][]string
	// OptedOut and IsPartner are per customer; nil means false for everyone.
	OptedOut, IsPartner []bool
	// Stale[j][i] marks customer i's value of Signals[j] as stale: treated as missing and
	// flagged. Stale and any Stale[j] may be nil (nothing stale).
	Stale [][]bool
	// Observed[j][i] is when a stale value was observed, in Unix seconds (0 = unknown). It only
	// words the caution reason ("NPS is 14 months old"). Optional, same shape as Stale.
	Observed [][]int64
}

// Validate reports a malformed table: columns whose length differs from IDs, duplicate or
// empty signal names. ScoreTable panics on such a table (it is a programming error, not bad
// data); call Validate first where the table is built from outside input.
func (t *Table) Validate() error {
	n := len(t.IDs)
	errs := t.signalProblems(n)
	for name, col := range t.Attrs {
		if col != nil && len(col) != n {
			errs = append(errs, fmt.Errorf("table: attribute %q has %d values for %d customers", name, len(col), n))
		}
	}
	for _, b := range []struct {
		name string
		col  []bool
	}{{"opted_out", t.OptedOut}, {"is_partner", t.IsPartner}} {
		if b.col != nil && len(b.col) != n {
			errs = append(errs, fmt.Errorf("table: %s has %d values for %d customers", b.name, len(b.col), n))
		}
	}
	if len(t.Stale) > len(t.Signals) || len(t.Observed) > len(t.Signals) {
		errs = append(errs, errors.New("table: more stale/observed columns than signals"))
	}
	errs = append(errs, lengthProblems("stale", t.Stale, n)...)
	errs = append(errs, lengthProblems("observed", t.Observed, n)...)
	return errors.Join(errs...)
}

// signalProblems checks the signal names (present, distinct) and their columns' lengths.
func (t *Table) signalProblems(n int) []error {
	var errs []error
	if len(t.Cols) != len(t.Signals) {
		errs = append(errs, fmt.Errorf("table: %d signal names for %d columns", len(t.Signals), len(t.Cols)))
	}
	seen := make(map[string]bool, len(t.Signals))
	for j, name := range t.Signals {
		switch {
		case name == "":
			errs = append(errs, fmt.Errorf("table: signal %d has no name", j))
		case seen[name]:
			errs = append(errs, fmt.Errorf("table: signal %q appears twice", name))
		}
		seen[name] = true
		if j < len(t.Cols) && len(t.Cols[j]) != n {
			errs = append(errs, fmt.Errorf("table: column %q has %d values for %d customers", name, len(t.Cols[j]), n))
		}
	}
	return errs
}

// lengthProblems reports the optional per-signal columns (nil is allowed) that do not hold
// one value per customer.
func lengthProblems[T any](what string, cols [][]T, n int) []error {
	var errs []error
	for j, col := range cols {
		if col != nil && len(col) != n {
			errs = append(errs, fmt.Errorf("table: %s column %d has %d values for %d customers", what, j, len(col), n))
		}
	}
	return errs
}

// frame is the working view of one run, in the model's column order: effective values (stale
// cells NaN, tenure derived), stale flags and the attributes the model reads.
type frame struct {
	n         int
	ids       []string
	vals      [][]float64 // per model column
	stale     [][]bool    // per model column; nil = none stale
	observed  [][]int64   // per model column; nil = unknown
	attrs     [][]string  // per model attribute; nil = absent for everyone
	optedOut  []bool      // nil = false for everyone
	isPartner []bool
}

func (f *frame) attr(a, i int) string {
	if a < 0 || f.attrs[a] == nil {
		return ""
	}
	return f.attrs[a][i]
}

// tableOf copies customers into a table holding exactly the columns the model reads. This is
// the only pass that touches the customers' maps.
func (m *Model) tableOf(customers []Customer, workers int) *Table {
	n := len(customers)
	t := &Table{
		IDs:       make([]string, n),
		Signals:   m.cols,
		Cols:      make([][]float64, len(m.cols)),
		Attrs:     make(map[string][]string, len(m.attrs)),
		OptedOut:  make([]bool, n),
		IsPartner: make([]bool, n),
	}
	backing := make([]float64, n*len(m.cols))
	for j := range m.cols {
		t.Cols[j] = backing[j*n : (j+1)*n : (j+1)*n]
	}
	attrCols := make([][]string, len(m.attrs))
	for a, name := range m.attrs {
		attrCols[a] = make([]string, n)
		t.Attrs[name] = attrCols[a]
	}
	nan := math.NaN()
	chunks(n, workers, func(lo, hi, _ int) {
		for i := lo; i < hi; i++ {
			c := &customers[i]
			t.IDs[i] = c.ID
			t.OptedOut[i], t.IsPartner[i] = c.OptedOut, c.IsPartner
			for j, name := range m.cols {
				v, ok := c.Signals[name]
				if !ok {
					v = nan
				}
				t.Cols[j][i] = v
			}
			if len(c.Attributes) > 0 {
				for a, name := range m.attrs {
					attrCols[a][i] = c.Attributes[name]
				}
			}
		}
	})
	// Stale flags are rare; one serial pass allocates columns only for signals that have any.
	for i := range customers {
		c := &customers[i]
		if len(c.Stale) == 0 {
			continue
		}
		for j, name := range m.cols {
			at, ok := c.Stale[name]
			if !ok {
				continue
			}
			if t.Stale == nil {
				t.Stale, t.Observed = make([][]bool, len(m.cols)), make([][]int64, len(m.cols))
			}
			if t.Stale[j] == nil {
				t.Stale[j], t.Observed[j] = make([]bool, n), make([]int64, n)
			}
			t.Stale[j][i] = true
			if !at.IsZero() {
				t.Observed[j][i] = at.Unix()
			}
		}
	}
	return t
}

// frameOf maps a table onto the model's columns. owned says the table was built by tableOf,
// so its columns may be written in place; otherwise a column is copied before stale cells are
// blanked or tenure is derived into it.
func (m *Model) frameOf(now time.Time, t *Table, owned bool, workers int) *frame {
	n := len(t.IDs)
	f := &frame{
		n: n, ids: t.IDs, optedOut: t.OptedOut, isPartner: t.IsPartner,
		vals:     make([][]float64, len(m.cols)),
		stale:    make([][]bool, len(m.cols)),
		observed: make([][]int64, len(m.cols)),
		attrs:    make([][]string, len(m.attrs)),
	}
	for a, name := range m.attrs {
		f.attrs[a] = t.Attrs[name]
	}
	index := make(map[string]int, len(t.Signals))
	for j, name := range t.Signals {
		index[name] = j
	}
	var allNaN []float64
	writable := make([]bool, len(m.cols))
	for j, name := range m.cols {
		src, ok := index[name]
		if !ok {
			if j == m.tenureCol && m.sinceAttr >= 0 && f.attrs[m.sinceAttr] != nil {
				f.vals[j] = make([]float64, n) // tenure may be derived into it: not shared
				fill(f.vals[j], math.NaN())
				writable[j] = true
				continue
			}
			if allNaN == nil {
				allNaN = make([]float64, n)
				fill(allNaN, math.NaN())
			}
			f.vals[j] = allNaN
			continue
		}
		col := t.Cols[src]
		writable[j] = owned
		if src < len(t.Stale) && t.Stale[src] != nil && slices.Contains(t.Stale[src], true) {
			st := t.Stale[src]
			f.stale[j] = st
			if src < len(t.Observed) {
				f.observed[j] = t.Observed[src]
			}
			if !owned {
				col = slices.Clone(col)
				writable[j] = true
			}
			for i, s := range st {
				if s {
					col[i] = math.NaN()
				}
			}
		}
		f.vals[j] = col
	}
	if m.tenureCol >= 0 && m.sinceAttr >= 0 && f.attrs[m.sinceAttr] != nil {
		m.deriveTenure(now, f, writable[m.tenureCol], workers)
	}
	return f
}

// deriveTenure fills tenure_days from customer_since where it is absent (not where it is
// stale: a stale figure is missing, not absent). writable says f's tenure column is ours.
func (m *Model) deriveTenure(now time.Time, f *frame, writable bool, workers int) {
	col, since, stale := f.vals[m.tenureCol], f.attrs[m.sinceAttr], f.stale[m.tenureCol]
	need := func(i int) bool { return col[i] != col[i] && since[i] != "" && (stale == nil || !stale[i]) }
	any := false
	for i := range col {
		if need(i) {
			any = true
			break
		}
	}
	if !any {
		return
	}
	if !writable {
		col = slices.Clone(col)
		f.vals[m.tenureCol] = col
	}
	chunks(f.n, workers, func(lo, hi, _ int) {
		for i := lo; i < hi; i++ {
			if need(i) {
				if d, ok := tenureDays(now, since[i]); ok {
					col[i] = d
				}
			}
		}
	})
}

func fill(s []float64, v float64) {
	for i := range s {
		s[i] = v
	}
}
