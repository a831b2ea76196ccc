package scoring

import (
	"cmp"
	"math"
	"slices"
)

// rankStats is what a signal's missing-value goodness cap needs.
type rankStats struct {
	n int // customers with the signal
	// kLow and kUp count the values strictly smaller than the lower and upper median.
	kLow, kUp int
	missing   float64 // the goodness missing values got
}

// missingCap is the goodness a customer would get for this signal if it had the median value
// (lower median for a positive weight, upper median for a negative one: the less flattering of
// the two). Capping missing goodness by it is what makes "missing never helps" hold exactly: a
// value on the good side of the median, added to the same population, always earns at least
// this much.
func (s rankStats) missingCap(negative bool) float64 {
	if s.n == 0 {
		return 1 // the customer would be the only one with the signal: full credit
	}
	if negative {
		return 1 - float64(s.kUp)/float64(s.n)
	}
	return float64(s.kLow) / float64(s.n)
}

// rankScratch is per-goroutine memory reused across signals.
type rankScratch struct {
	vs, tvs   []float64
	idx, tidx []uint32
	counts    []int64
	table     []float64
}

// countingMaxRange bounds the value range for the counting path (a table entry per integer).
const countingMaxRange = 1 << 22

// goodnessColumn writes each customer's goodness for one signal into out: the percent rank of
// its value among present values ((# strictly smaller) / (n-1); 1 when n == 1), reversed for a
// negative weight, and missingGoodness (capped, see missingCap) where the value is NaN.
// Scoring itself uses percentileRank, which skips the column where a table suffices.
func goodnessColumn(vals, out []float64, negative bool, missingGoodness float64, s *rankScratch) rankStats {
	r := percentileRank(vals, negative, missingGoodness, s, func() []float64 { return out })
	for i, v := range vals {
		if r.col == nil || v != v {
			out[i] = r.at(i, v)
		}
	}
	return r.stats
}

// percentileRank ranks one signal. Two exact paths, same result: integer-valued signals with
// a modest range (NPS, ticket counts, tenure, most of the canonical set) get a counting table
// (goodness per integer) and never sort; anything else is bucket-sorted once (see sortPairs)
// into a goodness column from newCol. Either way ties get equal ranks.
func percentileRank(vals []float64, negative bool, missingGoodness float64, s *rankScratch, newCol func() []float64) signalRank {
	n := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	integral := true
	for _, v := range vals {
		if v != v { // NaN: missing
			continue
		}
		n++
		// Plain comparisons: the min/max builtins handle NaN and -0, which costs a branch
		// chain per value here, where NaN is already excluded.
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
		// The int64 round trip is one instruction each way, where math.Trunc is a call; the
		// range check keeps the conversion defined.
		if integral && !(v > -1<<52 && v < 1<<52 && float64(int64(v)) == v) {
			integral = false
		}
	}
	r := signalRank{negative: negative, x: &percentileXform}
	switch {
	case n == 0:
	case integral && hi-lo < countingMaxRange && int(hi-lo) < max(len(vals), 1<<16):
		// The table is kept for lookups, so it must not outgrow a column.
		r.stats = countingRanks(vals, n, lo, hi, negative, s)
		r.lo, r.table = lo, slices.Clone(s.table[:int(hi-lo)+1])
	default:
		r.col = newCol()
		r.stats = sortedRanks(vals, r.col, n, negative, s)
	}
	r.stats.missing = min(missingGoodness, r.stats.missingCap(negative))
	return r
}

var percentileXform = xform{kind: kPercentile}

// goodnessOf turns "smaller of n" into a goodness. Division per distinct value, not per customer.
func goodnessOf(smaller, n int, negative bool) float64 {
	if n == 1 {
		// A sole observation gets full credit for either sign: 1 - 1.0 would punish a customer
		// for merely having the data, and make a missing value look better.
		return 1
	}
	pr := float64(smaller) / float64(n-1)
	if negative {
		return 1 - pr
	}
	return pr
}

// countingRanks builds s.table: the goodness of each integer in [lo, hi] that occurs.
func countingRanks(vals []float64, n int, lo, hi float64, negative bool, s *rankScratch) rankStats {
	size := int(hi-lo) + 1
	s.counts = grow(s.counts, size)
	counts := s.counts[:size]
	clear(counts)
	for _, v := range vals {
		if v == v {
			counts[int(v-lo)]++
		}
	}
	s.table = grow(s.table, size)
	table := s.table[:size]
	st := rankStats{n: n}
	lowPos, upPos := int64((n-1)/2), int64(n/2)
	var smaller int64
	for b, c := range counts {
		if c == 0 {
			continue
		}
		table[b] = goodnessOf(int(smaller), n, negative)
		if lowPos >= smaller && lowPos < smaller+c {
			st.kLow = int(smaller)
		}
		if upPos >= smaller && upPos < smaller+c {
			st.kUp = int(smaller)
		}
		smaller += c
	}
	return st
}

func sortedRanks(vals, out []float64, n int, negative bool, s *rankScratch) rankStats {
	s.vs, s.idx = grow(s.vs, n), grow(s.idx, n)
	vs, idx := s.vs[:n], s.idx[:n]
	j := 0
	for i, v := range vals {
		if v == v {
			if v == 0 {
				v = 0 // folds -0 into +0 so they tie
			}
			vs[j], idx[j] = v, uint32(i)
			j++
		}
	}
	vs, idx = sortPairs(vs, idx, s)
	st := rankStats{n: n}
	lowPos, upPos := (n-1)/2, n/2
	start := 0
	g := goodnessOf(0, n, negative)
	for p, v := range vs {
		if p > 0 && v != vs[p-1] {
			start = p
			g = goodnessOf(start, n, negative)
		}
		if p == lowPos {
			st.kLow = start
		}
		if p == upPos {
			st.kUp = start
		}
		out[idx[p]] = g
	}
	return st
}

// sortPairs sorts vs ascending (no NaNs), carrying idx, stably; it returns whichever buffers
// hold the result. It distributes values into len(vs) buckets by linear interpolation
// between min and max (monotone, so buckets are ordered), then sorts each bucket: insertion
// sort for the usual handful, a comparison sort for a crowded one (heavy skew, ±Inf). Two passes
// over the data instead of a comparison sort's twenty.
func sortPairs(vs []float64, idx []uint32, s *rankScratch) ([]float64, []uint32) {
	n := len(vs)
	if n < 2 {
		return vs, idx
	}
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	span := hi - lo
	if span == 0 {
		return vs, idx // all equal; already "sorted" and stable
	}
	if math.IsInf(span, 0) || math.IsNaN(span) {
		stableSortPairs(vs, idx)
		return vs, idx
	}
	// One bucket per value: skewed data (money, exponential-ish) still leaves most buckets
	// with a handful. Fewer, fuller buckets measured slower.
	buckets := n
	scale := float64(buckets) / span
	s.counts = grow(s.counts, buckets+1)
	counts := s.counts[:buckets+1]
	clear(counts)
	bucketOf := func(v float64) int { return min(int((v-lo)*scale), buckets-1) }
	for _, v := range vs {
		counts[bucketOf(v)+1]++
	}
	for b := 1; b <= buckets; b++ {
		counts[b] += counts[b-1]
	}
	s.tvs, s.tidx = grow(s.tvs, n), grow(s.tidx, n)
	tvs, tidx := s.tvs[:n], s.tidx[:n]
	next := counts[:buckets] // next free slot per bucket; counts[b+1] stays the bucket's end
	for j, v := range vs {
		b := bucketOf(v)
		p := next[b]
		next[b]++
		tvs[p], tidx[p] = v, idx[j]
	}
	// After the scatter, next[b] == end of bucket b == start of bucket b+1.
	start := int64(0)
	for b := range buckets {
		end := next[b]
		if end-start > 1 {
			segmentSort(tvs[start:end], tidx[start:end])
		}
		start = end
	}
	return tvs, tidx
}

// segmentSort stably sorts one bucket: insertion sort for the usual handful, a comparison
// sort when skewed data crowds a bucket.
func segmentSort(vs []float64, idx []uint32) {
	if len(vs) > 48 {
		stableSortPairs(vs, idx)
		return
	}
	for i := 1; i < len(vs); i++ {
		v, x := vs[i], idx[i]
		j := i
		for j > 0 && vs[j-1] > v {
			vs[j], idx[j] = vs[j-1], idx[j-1]
			j--
		}
		vs[j], idx[j] = v, x
	}
}

func stableSortPairs(vs []float64, idx []uint32) {
	type pair struct {
		v float64
		i uint32
	}
	ps := make([]pair, len(vs))
	for j := range vs {
		ps[j] = pair{vs[j], idx[j]}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return cmp.Compare(a.v, b.v) })
	for j, p := range ps {
		vs[j], idx[j] = p.v, p.i
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// signalRank is what one signal's goodness is computed from: a table or a column for
// percentile, the spread for min–max kinds, the transform itself for the rest. The sum and
// the explanations both read goodness through it, so no goodness column per signal is held
// for integer signals (8 bytes per customer per signal).
type signalRank struct {
	stats    rankStats
	negative bool
	x        *xform
	sp       spread    // min–max kinds
	lo       float64   // percentile, counting path: table[int(v-lo)]
	table    []float64 // percentile, counting path
	col      []float64 // percentile, sorting path: the goodness column (missing cells unset)
}

// at returns customer i's goodness, given its effective value v.
func (r *signalRank) at(i int, v float64) float64 {
	switch {
	case v != v:
		return r.stats.missing
	case r.col != nil:
		return r.col[i]
	case r.x.kind == kPercentile:
		return r.table[int(v-r.lo)]
	}
	l := r.x.level(v, r.sp)
	if r.negative && !r.sp.sole {
		l = 1 - l
	}
	return l
}

// fill writes the goodness of customers off..off+len(g) into g: the hot loop of the sum, one
// tight loop per kind.
func (r *signalRank) fill(g, vals []float64, off int) {
	miss := r.stats.missing
	switch {
	case r.stats.n == 0:
		for i := range g {
			g[i] = miss
		}
	case r.col != nil:
		col := r.col[off : off+len(g)]
		for i, v := range vals {
			if v == v {
				g[i] = col[i]
			} else {
				g[i] = miss
			}
		}
	case r.x.kind == kPercentile:
		table, lo := r.table, r.lo
		for i, v := range vals {
			if v == v {
				g[i] = table[int(v-lo)]
			} else {
				g[i] = miss
			}
		}
	default:
		for i, v := range vals {
			g[i] = r.at(off+i, v)
		}
	}
}

// rankSignal ranks weighted signal j over the whole population.
func (m *Model) rankSignal(j int, vals []float64, s *rankScratch) signalRank {
	x := &m.xf[j]
	if x.kind == kPercentile {
		return percentileRank(vals, m.negative[j], m.missingGoodness, s, func() []float64 { return make([]float64, len(vals)) })
	}
	return x.rank(vals, m.negative[j], m.missingGoodness, s)
}
