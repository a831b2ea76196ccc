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
	vs, tvs          []float64
	idx, tidx, tidx2 []uint32
	keys, tkeys      []uint64
	counts           []int64
	table            []float64
}

// countingMaxRange bounds the value range for the counting path (a table entry per integer).
const countingMaxRange = 1 << 22

// goodnessColumn writes each customer's goodness for one signal into out: the percent rank of
// its value among present values ((# strictly smaller) / (n-1); 1 when n == 1), reversed for a
// negative weight, and missingGoodness (capped, see missingCap) where the value is NaN.
//
// Two exact paths, same result: integer-valued signals with a modest range (NPS, ticket counts,
// tenure, most of the canonical set) use a counting table and never sort; anything else is
// bucket-sorted once (see sortPairs). Either way ties get equal ranks.
func goodnessColumn(vals, out []float64, negative bool, missingGoodness float64, s *rankScratch) rankStats {
	n := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	integral := true
	for _, v := range vals {
		if v != v { // NaN: missing
			continue
		}
		n++
		lo = min(lo, v)
		hi = max(hi, v)
		if integral && (v != math.Trunc(v) || math.Abs(v) > 1<<52) {
			integral = false
		}
	}
	var st rankStats
	switch {
	case n == 0:
	case integral && hi-lo < countingMaxRange:
		st = countingRanks(vals, out, n, lo, hi, negative, s)
	default:
		st = sortedRanks(vals, out, n, negative, s)
	}
	g := min(missingGoodness, st.missingCap(negative))
	for i, v := range vals {
		if v != v {
			out[i] = g
		}
	}
	return st
}

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

func countingRanks(vals, out []float64, n int, lo, hi float64, negative bool, s *rankScratch) rankStats {
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
	for i, v := range vals {
		if v == v {
			out[i] = table[int(v-lo)]
		}
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
		lo, hi = min(lo, v), max(hi, v)
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
