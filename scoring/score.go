package scoring

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options tunes a ScoreWith call.
type Options struct {
	// Detail chooses which results carry Contributions and Reasons. It is called once per
	// result, in rank order, with every other field filled; return true to explain it. Nil
	// explains every result. Over a million customers the explanations cost more than the
	// scores, so the shortlist asks only for its top eligible entries and `explain` for one ID.
	Detail func(r *Result) bool
}

// Score scores customers and returns one Result per customer, sorted by Score descending with
// ties broken by ID ascending, Rank set, and every result explained. The input is not modified
// (derived signals are computed on the side; see Derive).
func (m *Model) Score(now time.Time, customers []Customer) []Result {
	return m.ScoreWith(now, customers, Options{})
}

// serialBelow is the input size under which goroutines cost more than they save.
const serialBelow = 1 << 14

// ScoreWith is Score with options.
func (m *Model) ScoreWith(now time.Time, customers []Customer, opt Options) []Result {
	n := len(customers)
	if n == 0 {
		return []Result{}
	}
	workers := runtime.GOMAXPROCS(0)
	if n < serialBelow {
		workers = 1
	}
	t := m.columns(now, customers, workers)
	m.rank(t, workers)
	m.evaluate(t, customers, workers)
	order := rankOrder(t.score, customers)
	return m.results(t, customers, order, opt, workers)
}

// table is the columnar working set of one scoring run.
type table struct {
	n     int
	vals  [][]float64 // per model column; NaN = missing
	good  [][]float64 // per weighted signal; goodness, missing already filled in
	stats []rankStats // per weighted signal
	score []float64
	conf  []float64
	fail  [][]string // per customer; nil when eligible
}

// columns copies the signals Score needs out of the customers' maps into one float64 column
// per signal. This is the only pass that touches the maps.
func (m *Model) columns(now time.Time, customers []Customer, workers int) *table {
	n := len(customers)
	t := &table{n: n}
	backing := make([]float64, n*len(m.cols))
	t.vals = make([][]float64, len(m.cols))
	for j := range m.cols {
		t.vals[j] = backing[j*n : (j+1)*n : (j+1)*n]
	}
	nan := math.NaN()
	chunks(n, workers, func(lo, hi, _ int) {
		for i := lo; i < hi; i++ {
			c := &customers[i]
			for j, name := range m.cols {
				v, ok := c.Signals[name]
				if !ok {
					v = nan
				}
				t.vals[j][i] = v
			}
			if m.tenureCol >= 0 && math.IsNaN(t.vals[m.tenureCol][i]) {
				if d, ok := tenureDays(now, c.Attributes[AttrCustomerSince]); ok {
					t.vals[m.tenureCol][i] = d
				}
			}
		}
	})
	return t
}

// rank computes every weighted signal's goodness column, one signal per worker at a time.
func (m *Model) rank(t *table, workers int) {
	k := len(m.signals)
	backing := make([]float64, t.n*k)
	t.good = make([][]float64, k)
	t.stats = make([]rankStats, k)
	for j := range k {
		t.good[j] = backing[j*t.n : (j+1)*t.n : (j+1)*t.n]
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, k) {
		wg.Go(func() {
			var s rankScratch
			for {
				j := int(next.Add(1) - 1)
				if j >= k {
					return
				}
				t.stats[j] = goodnessColumn(t.vals[j], t.good[j], m.weights[j] < 0, m.missingGoodness, &s)
			}
		})
	}
	wg.Wait()
}

// evaluate computes score, confidence and eligibility for every customer.
func (m *Model) evaluate(t *table, customers []Customer, workers int) {
	n := t.n
	t.score = make([]float64, n)
	t.conf = make([]float64, n)
	t.fail = make([][]string, n)
	chunks(n, workers, func(lo, hi, _ int) {
		ev := newGateEvaluator()
		// Failure lists share a slab; re-slicing with a capped capacity keeps them apart.
		var slab []string
		for i := lo; i < hi; i++ {
			var sum, present float64
			for j, w := range m.absW {
				sum += w * t.good[j][i]
				if v := t.vals[j][i]; v == v {
					present += w
				}
			}
			score := min(max(100*sum/m.sumAbs, 0), 100)
			conf := present / m.sumAbs
			t.score[i], t.conf[i] = score, conf

			c := &customers[i]
			start := len(slab)
			if c.OptedOut {
				slab = append(slab, "opted out")
			}
			if c.IsPartner {
				slab = append(slab, "already a partner")
			}
			// Gates only matter for customers the hard rules have not already excluded.
			if !c.OptedOut && !c.IsPartner {
				for g := range m.gates {
					if ok, why := ev.eval(&m.gates[g], i, c, t.vals); !ok {
						slab = append(slab, why)
					}
				}
			}
			if conf < m.cfg.MinConfidence {
				slab = append(slab, fmt.Sprintf("confidence %.2f below minimum %.2f", conf, m.cfg.MinConfidence))
			}
			if len(slab) > start {
				t.fail[i] = slab[start:len(slab):len(slab)]
			}
		}
	})
}

// rankOrder returns customer indices sorted by score descending, then ID ascending, then input
// position (so even duplicate IDs order deterministically). A bucket sort on the score does the
// bulk; only runs of equal scores are compared by ID.
func rankOrder(score []float64, customers []Customer) []uint32 {
	n := len(score)
	vs, idx := make([]float64, n), make([]uint32, n)
	for i, sc := range score {
		vs[i], idx[i] = -sc, uint32(i)
	}
	var s rankScratch
	// The sort is stable, so equal scores stay in input order before the ID pass.
	vs, idx = sortPairs(vs, idx, &s)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && vs[hi] == vs[lo] {
			hi++
		}
		if hi-lo > 1 {
			slices.SortStableFunc(idx[lo:hi], func(a, b uint32) int {
				return strings.Compare(customers[a].ID, customers[b].ID)
			})
		}
		lo = hi
	}
	return idx
}

// results assembles the returned slice in rank order and explains the chosen ones.
func (m *Model) results(t *table, customers []Customer, order []uint32, opt Options, workers int) []Result {
	out := make([]Result, len(order))
	var explain []int // positions in out
	for r, i := range order {
		res := &out[r]
		*res = Result{
			ID:          customers[i].ID,
			Score:       t.score[i],
			Confidence:  t.conf[i],
			Eligible:    t.fail[i] == nil,
			FailedGates: t.fail[i],
			Rank:        r + 1,
		}
		if opt.Detail == nil || opt.Detail(res) {
			explain = append(explain, r)
		}
	}
	k := len(m.signals)
	slab := make([]Contribution, len(explain)*k)
	nBySignal := make(map[string]int, k)
	for j, name := range m.signals {
		nBySignal[name] = t.stats[j].n
	}
	nOf := func(signal string) int { return nBySignal[signal] }
	chunks(len(explain), min(workers, max(1, len(explain)/serialBelow)), func(lo, hi, _ int) {
		for e := lo; e < hi; e++ {
			res := &out[explain[e]]
			i := order[explain[e]]
			cs := slab[e*k : (e+1)*k : (e+1)*k]
			for j, name := range m.signals {
				v := t.vals[j][i]
				present := v == v
				if !present {
					v = 0
				}
				cs[j] = Contribution{
					Signal: name, Value: v, Present: present, Goodness: t.good[j][i],
					Weight: m.weights[j], Points: m.absW[j] * t.good[j][i],
				}
			}
			slices.SortFunc(cs, func(a, b Contribution) int {
				if c := cmp.Compare(b.Points, a.Points); c != 0 {
					return c
				}
				return strings.Compare(a.Signal, b.Signal)
			})
			res.Contributions = cs
			res.Reasons = m.reasons(cs, nOf)
		}
	})
	return out
}

// chunks runs fn over [0,n) split into one contiguous range per worker.
func chunks(n, workers int, fn func(lo, hi, worker int)) {
	if workers <= 1 || n < 2 {
		fn(0, n, 0)
		return
	}
	var wg sync.WaitGroup
	size := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*size, min((w+1)*size, n)
		if lo >= hi {
			break
		}
		wg.Go(func() { fn(lo, hi, w) })
	}
	wg.Wait()
}
