package scoring

import (
	"cmp"
	"fmt"
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
	workers := workersFor(n)
	return m.score(now, m.tableOf(customers, workers), true, opt, workers)
}

// ScoreTable scores a columnar table: the fast path for large inputs, and the core Score
// uses too, so both give identical results for the same data. Results are as from ScoreWith.
// It panics if t fails Validate.
func (m *Model) ScoreTable(now time.Time, t *Table, opt Options) []Result {
	if err := t.Validate(); err != nil {
		panic("scoring: ScoreTable: " + err.Error())
	}
	if len(t.IDs) == 0 {
		return []Result{}
	}
	return m.score(now, t, false, opt, workersFor(len(t.IDs)))
}

func workersFor(n int) int {
	if n < serialBelow {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// run holds one scoring run's per-customer working columns.
type run struct {
	*frame
	now   time.Time
	seg   []uint16 // segment index per customer; nil when the model has no segments
	score []float64
	conf  []float64
	ranks []signalRank // per weighted signal
	// typical is, per weighted signal, the median goodness among eligible customers: the bar a
	// reason must clear to say something that sets a customer apart (see reasons).
	typical []float64
}

func (m *Model) score(now time.Time, t *Table, owned bool, opt Options, workers int) []Result {
	r := &run{frame: m.frameOf(now, t, owned, workers), now: now}
	m.assignSegments(r, workers)
	m.sum(r, workers)
	order := rankOrder(r.score, r.ids, workers)
	return m.results(r, order, opt, workers)
}

// assignSegments puts each customer in the first segment it matches.
func (m *Model) assignSegments(r *run, workers int) {
	if len(m.segs) < 2 {
		return
	}
	r.seg = make([]uint16, r.n)
	chunks(r.n, workers, func(lo, hi, _ int) {
		for i := lo; i < hi; i++ {
			r.seg[i] = m.segmentOf(i, r.attrs)
		}
	})
}

// sum computes score and confidence in two parallel phases. First each weighted signal is
// ranked over the whole population (workers take signals); then workers take blocks of
// customers and add up |weight| x goodness signal by signal, in name order, so every score is
// the same sum in the same order and bit-for-bit reproducible. Blocks keep the goodness
// scratch in cache, and no goodness column is ever materialised for integer signals.
func (m *Model) sum(r *run, workers int) {
	k, n := len(m.signals), r.n
	r.ranks = make([]signalRank, k)
	// Signals that need a sort take several times longer than the rest; handing them out first
	// keeps both workers busy to the end instead of one finishing a sort alone.
	claim := make([]int, k)
	for j := range claim {
		claim[j] = j
	}
	slow := make([]bool, k)
	for j := range slow {
		slow[j] = m.needsSort(j, r.vals[j])
	}
	slices.SortStableFunc(claim, func(a, b int) int {
		switch {
		case slow[a] == slow[b]:
			return 0
		case slow[a]:
			return -1
		}
		return 1
	})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, k) {
		wg.Go(func() {
			var s rankScratch
			for {
				c := int(next.Add(1) - 1)
				if c >= k {
					return
				}
				j := claim[c]
				r.ranks[j] = m.rankSignal(j, r.vals[j], &s)
			}
		})
	}
	wg.Wait()

	r.score, r.conf = make([]float64, n), make([]float64, n)
	const block = 2048
	chunks(n, workers, func(lo, hi, _ int) {
		var g [block]float64
		ws := make([]float64, len(m.segs))
		for b := lo; b < hi; b += block {
			e := min(b+block, hi)
			score, conf, gb := r.score[b:e], r.conf[b:e], g[:e-b]
			for j := range k {
				vals := r.vals[j][b:e]
				r.ranks[j].fill(gb, vals, b)
				if r.seg == nil {
					w := m.segs[0].absW[j]
					if w == 0 {
						continue
					}
					for i, gi := range gb {
						score[i] += w * gi
						if v := vals[i]; v == v {
							conf[i] += w
						}
					}
					continue
				}
				for s := range m.segs {
					ws[s] = m.segs[s].absW[j]
				}
				seg := r.seg[b:e]
				for i, gi := range gb {
					w := ws[seg[i]]
					if w == 0 {
						continue // not part of this customer's segment
					}
					score[i] += w * gi
					if v := vals[i]; v == v {
						conf[i] += w
					}
				}
			}
			for i := range score {
				sum := m.segs[0].sumAbs
				if r.seg != nil {
					sum = m.segs[r.seg[b+i]].sumAbs
				}
				score[i] = min(max(100*score[i]/sum, 0), 100)
				conf[i] /= sum
			}
		}
	})
}

// needsSort guesses from a sample whether percentile signal j will take the sorting path.
// It only decides the order work is handed out in, never a result.
func (m *Model) needsSort(j int, vals []float64) bool {
	if m.xf[j].kind != kPercentile || len(vals) == 0 {
		return false
	}
	step := max(len(vals)/64, 1)
	for i := 0; i < len(vals); i += step {
		if v := vals[i]; v == v && !(v > -1<<52 && v < 1<<52 && float64(int64(v)) == v) {
			return true
		}
	}
	return false
}

// rankOrder returns customer indices sorted by score descending, then ID ascending, then input
// position (so even duplicate IDs order deterministically). A bucket sort on the score does the
// bulk; only runs of equal scores are compared by ID. With two or more workers the customers
// are first split at a sampled median score, and the halves are sorted in parallel: equal
// scores always land in the same half, so the order is exactly the serial one.
func rankOrder(score []float64, ids []string, workers int) []uint32 {
	n := len(score)
	vs, idx := make([]float64, n), make([]uint32, n)
	if workers < 2 || n < serialBelow {
		for i, sc := range score {
			vs[i], idx[i] = -sc, uint32(i)
		}
		sortByScore(vs, idx, ids)
		return idx
	}
	sample := make([]float64, 0, 1025)
	for i := 0; i < n; i += max(n/1024, 1) {
		sample = append(sample, score[i])
	}
	pivot := selectKth(sample, len(sample)/2)
	// Scores >= pivot fill vs/idx from the front, the rest from the back, each in input order
	// (the back half is reversed afterwards), so both halves keep the stable input order.
	front, back := 0, n
	for i, sc := range score {
		if sc >= pivot {
			vs[front], idx[front] = -sc, uint32(i)
			front++
		} else {
			back--
			vs[back], idx[back] = -sc, uint32(i)
		}
	}
	slices.Reverse(vs[front:])
	slices.Reverse(idx[front:])
	var wg sync.WaitGroup
	wg.Go(func() { sortByScore(vs[:front], idx[:front], ids) })
	sortByScore(vs[front:], idx[front:], ids)
	wg.Wait()
	return idx
}

// sortByScore sorts idx in place by vs (negated scores) ascending, then by ID.
func sortByScore(vs []float64, idx []uint32, ids []string) {
	if len(vs) == 0 {
		return
	}
	var s rankScratch
	// The sort is stable, so equal scores stay in input order before the ID pass.
	svs, sidx := sortPairs(vs, idx, &s)
	if &sidx[0] != &idx[0] {
		copy(vs, svs)
		copy(idx, sidx)
	}
	n := len(vs)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && vs[hi] == vs[lo] {
			hi++
		}
		if hi-lo > 1 {
			slices.SortStableFunc(idx[lo:hi], func(a, b uint32) int {
				return strings.Compare(ids[a], ids[b])
			})
		}
		lo = hi
	}
}

// results assembles the returned slice in rank order, evaluates eligibility, and explains the
// chosen results. Eligibility is computed here, straight into the results, so no per-customer
// failure list outlives the run.
func (m *Model) results(r *run, order []uint32, opt Options, workers int) []Result {
	n := r.n
	out := make([]Result, n)
	pos := make([]uint32, n)
	for p, i := range order {
		pos[i] = uint32(p)
	}
	// Filled in customer order: the column reads are sequential and only the writes to out
	// land at random, which measured faster than filling out in rank order.
	chunks(n, workers, func(lo, hi, _ int) {
		ev := newGateEvaluator()
		// Failure and stale lists share a slab; re-slicing with a capped capacity keeps them apart.
		var slab []string
		for i := lo; i < hi; i++ {
			p := pos[i]
			res := &out[p]
			res.ID, res.Score, res.Confidence, res.Rank = r.ids[i], r.score[i], r.conf[i], int(p)+1
			if r.seg != nil {
				res.Segment = m.segs[r.seg[i]].name
			}
			start := len(slab)
			slab = m.failures(r, i, ev, slab)
			if len(slab) > start {
				res.FailedGates = slab[start:len(slab):len(slab)]
			} else {
				res.Eligible = true
			}
			start = len(slab)
			for j, st := range r.stale {
				if st != nil && st[i] {
					slab = append(slab, m.cols[j])
				}
			}
			if len(slab) > start {
				res.Stale = slab[start:len(slab):len(slab)]
				slices.Sort(res.Stale)
			}
		}
	})
	var explain []int // positions in out
	for p := range out {
		if opt.Detail == nil || opt.Detail(&out[p]) {
			explain = append(explain, p)
		}
	}
	if len(explain) > 0 {
		r.typical = m.typicalGoodness(r, out, order)
	}
	k := len(m.signals)
	slab := make([]Contribution, len(explain)*k)
	chunks(len(explain), min(workers, max(1, len(explain)/serialBelow)), func(lo, hi, _ int) {
		for e := lo; e < hi; e++ {
			p := explain[e]
			m.explain(r, int(order[p]), &out[p], slab[e*k:(e+1)*k:(e+1)*k])
		}
	})
	return out
}

// typicalSample bounds the work of typicalGoodness on large bases: the median of an evenly
// spaced sample of this many eligible customers is as good as the exact one for wording reasons.
const typicalSample = 4096

// typicalGoodness returns, per weighted signal, the median goodness among eligible customers
// (all customers when none is eligible), read from an evenly spaced sample in rank order so
// the result does not depend on worker count.
func (m *Model) typicalGoodness(r *run, out []Result, order []uint32) []float64 {
	var pool []int // customer indexes
	for p := range out {
		if out[p].Eligible {
			pool = append(pool, int(order[p]))
		}
	}
	if len(pool) == 0 {
		pool = make([]int, len(order))
		for p, i := range order {
			pool[p] = int(i)
		}
	}
	step := max(1, len(pool)/typicalSample)
	typical := make([]float64, len(m.signals))
	g := make([]float64, 0, len(pool)/step+1)
	for j := range m.signals {
		g = g[:0]
		for s := 0; s < len(pool); s += step {
			i := pool[s]
			g = append(g, r.ranks[j].at(i, r.vals[j][i]))
		}
		slices.Sort(g)
		typical[j] = g[len(g)/2]
	}
	return typical
}

// failures appends why customer i is not eligible: hard rules, gates, confidence.
func (m *Model) failures(r *run, i int, ev *gateEvaluator, slab []string) []string {
	optedOut := r.optedOut != nil && r.optedOut[i]
	partner := r.isPartner != nil && r.isPartner[i]
	if optedOut {
		slab = append(slab, "opted out")
	}
	if partner {
		slab = append(slab, "already a partner")
	}
	// Gates only matter for customers the hard rules have not already excluded.
	if !optedOut && !partner {
		for g := range m.gates {
			if ok, why := ev.eval(&m.gates[g], i, r.frame); !ok {
				slab = append(slab, why)
			}
		}
	}
	if conf := r.conf[i]; conf < m.cfg.MinConfidence {
		slab = append(slab, fmt.Sprintf("confidence %.2f below minimum %.2f", conf, m.cfg.MinConfidence))
	}
	return slab
}

// explain fills res.Contributions and res.Reasons for customer i; cs is its slab share.
func (m *Model) explain(r *run, i int, res *Result, cs []Contribution) {
	seg := &m.segs[0]
	if r.seg != nil {
		seg = &m.segs[r.seg[i]]
	}
	cs = cs[:0]
	for j, name := range m.signals {
		w := seg.w[j]
		if w == 0 {
			continue // not part of this customer's score (removed by its segment)
		}
		v := r.vals[j][i]
		g := r.ranks[j].at(i, v)
		present := v == v
		if !present {
			v = 0
		}
		cs = append(cs, Contribution{
			Signal: name, Value: v, Present: present, Goodness: g, Weight: w, Points: seg.absW[j] * g,
		})
	}
	slices.SortFunc(cs, func(a, b Contribution) int {
		if c := cmp.Compare(b.Points, a.Points); c != 0 {
			return c
		}
		return strings.Compare(a.Signal, b.Signal)
	})
	res.Contributions = cs
	res.Reasons = m.reasons(r, i, cs)
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
