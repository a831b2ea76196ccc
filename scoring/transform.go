package scoring

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Transform kinds: how a signal's raw value becomes a goodness in 0..1.
const (
	// TransformPercentile (the default): percent rank among the customers that have the signal.
	TransformPercentile = "percentile"
	// TransformMinMax: (v-lo)/(hi-lo), lo and hi from Min/Max when set, else the population.
	TransformMinMax = "minmax"
	// TransformLog: log1p(max(v,0)), then min–max as above; for long-tailed counts and money.
	TransformLog = "log"
	// TransformBuckets: the Goodness of the highest bucket whose Min <= v.
	TransformBuckets = "buckets"
	// TransformBoolean: 1 when v > 0, else 0.
	TransformBoolean = "boolean"
)

// TransformKinds lists the valid Transform.Kind values ("" means percentile).
var TransformKinds = []string{TransformPercentile, TransformMinMax, TransformLog, TransformBuckets, TransformBoolean}

// Transform says how one signal's value becomes goodness. The zero value is percentile.
// Every kind yields a level that never decreases as the value grows; a negative weight then
// reads goodness as 1 - level, so friction signals are written exactly like positive ones.
type Transform struct {
	Kind string
	// Min and Max cap minmax and log: values are clamped to [Min, Max] and scaled over that
	// range, so goodness no longer depends on who else is in the population. Either may be
	// nil, in which case that end comes from the population.
	Min, Max *float64
	// Buckets (kind buckets): thresholds with the goodness they earn. Order does not matter;
	// Min values must be distinct and Goodness must not decrease as Min grows (so that a higher
	// value never earns less). A value below every Min earns 0.
	Buckets []Bucket
}

// Bucket is one step of a buckets transform.
type Bucket struct {
	Min      float64 // inclusive lower bound
	Goodness float64 // 0..1
	// Label names the bucket in reasons: nps 10 with label "promoter" reads "NPS 10 — promoter".
	Label string
}

// NPSBuckets is the standard NPS reading: 9–10 promoter, 7–8 passive, 0–6 detractor.
func NPSBuckets() Transform {
	return Transform{Kind: TransformBuckets, Buckets: []Bucket{
		{Min: 0, Goodness: 0, Label: "detractor"},
		{Min: 7, Goodness: 0.5, Label: "passive"},
		{Min: 9, Goodness: 1, Label: "promoter"},
	}}
}

// F returns a pointer to v, for Transform.Min and Max literals.
func F(v float64) *float64 { return &v }

type kind uint8

const (
	kPercentile kind = iota
	kMinMax
	kLog
	kBuckets
	kBoolean
)

// xform is a validated Transform.
type xform struct {
	kind           kind
	min, max       float64 // caps, after the log for kLog
	hasMin, hasMax bool
	clampLo        float64 // raw-value caps (before the log)
	clampHi        float64
	buckets        []Bucket // sorted by Min
}

func (t Transform) isDefault() bool {
	return (t.Kind == "" || t.Kind == TransformPercentile) && t.Min == nil && t.Max == nil && len(t.Buckets) == 0
}

// kindByName maps Transform.Kind to its kind ("" is the default, percentile).
var kindByName = map[string]kind{
	"": kPercentile, TransformPercentile: kPercentile, TransformMinMax: kMinMax,
	TransformLog: kLog, TransformBuckets: kBuckets, TransformBoolean: kBoolean,
}

// compile validates t; errors name the signal.
func (t Transform) compile(signal string) (xform, error) {
	x, err := t.compileChecked()
	if err != nil {
		return xform{}, fmt.Errorf("transforms: %s: %w", signal, err)
	}
	return x, nil
}

// compileChecked is compile without the signal's name in its errors.
func (t Transform) compileChecked() (xform, error) {
	k, ok := kindByName[t.Kind]
	if !ok {
		return xform{}, fmt.Errorf("unknown kind %q (want one of %s)", t.Kind, strings.Join(TransformKinds, ", "))
	}
	x := xform{kind: k}
	capped := k == kMinMax || k == kLog
	if (t.Min != nil || t.Max != nil) && !capped {
		return xform{}, errors.New("min/max apply only to kinds minmax and log")
	}
	if len(t.Buckets) > 0 && k != kBuckets {
		return xform{}, errors.New("buckets apply only to kind buckets")
	}
	if err := x.setCaps(t.Min, t.Max); err != nil {
		return xform{}, err
	}
	if k == kBuckets {
		bs, err := sortBuckets(t.Buckets)
		if err != nil {
			return xform{}, err
		}
		x.buckets = bs
	}
	return x, nil
}

// setCaps records the min and max caps (either may be nil) on both scales: the raw values'
// and the one min–max works on.
func (x *xform) setCaps(lo, hi *float64) error {
	for _, c := range []struct {
		name string
		p    *float64
	}{{"min", lo}, {"max", hi}} {
		if c.p != nil && (math.IsNaN(*c.p) || math.IsInf(*c.p, 0)) {
			return fmt.Errorf("%s must be a finite number, got %v", c.name, *c.p)
		}
	}
	x.clampLo, x.clampHi = math.Inf(-1), math.Inf(1)
	if lo != nil {
		x.hasMin, x.clampLo = true, *lo
	}
	if hi != nil {
		x.hasMax, x.clampHi = true, *hi
	}
	x.min, x.max = x.level0(x.clampLo), x.level0(x.clampHi)
	if x.hasMin && x.hasMax && !(x.max > x.min) {
		if x.kind == kLog {
			return fmt.Errorf("max (%v) must be above both min (%v) and 0: log reads values below 0 as 0", *hi, *lo)
		}
		return fmt.Errorf("max (%v) must be above min (%v)", *hi, *lo)
	}
	return nil
}

// sortBuckets returns the buckets sorted by Min, after checking every one; the error lists all
// the problems on one line.
func sortBuckets(buckets []Bucket) ([]Bucket, error) {
	if len(buckets) == 0 {
		return nil, errors.New("kind buckets needs at least one bucket")
	}
	bs := slices.Clone(buckets)
	slices.SortStableFunc(bs, func(a, b Bucket) int { return cmp.Compare(a.Min, b.Min) })
	var errs []error
	for i := range bs {
		if err := bucketProblem(bs, i); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return bs, nil
}

// bucketProblem is what is wrong with bucket i of the sorted buckets bs, if anything.
func bucketProblem(bs []Bucket, i int) error {
	b := bs[i]
	switch {
	case math.IsNaN(b.Min) || math.IsInf(b.Min, 0):
		return fmt.Errorf("bucket min must be a finite number, got %v", b.Min)
	case !(b.Goodness >= 0 && b.Goodness <= 1):
		return fmt.Errorf("bucket at %v: goodness must be between 0 and 1, got %v", b.Min, b.Goodness)
	case i > 0 && b.Min == bs[i-1].Min:
		return fmt.Errorf("two buckets start at %v", b.Min)
	case i > 0 && b.Goodness < bs[i-1].Goodness:
		return fmt.Errorf("bucket at %v has goodness %v, below the %v of the bucket at %v: goodness must not decrease as values grow (a higher value would score lower); for friction use a negative weight instead",
			b.Min, b.Goodness, bs[i-1].Goodness, bs[i-1].Min)
	}
	return nil
}

// level0 is the value on the scale min–max works on: clamped, and through log1p for kLog.
func (x *xform) level0(v float64) float64 {
	if x.kind == kLog {
		if math.IsInf(v, 0) {
			return v
		}
		return math.Log1p(max(v, 0))
	}
	return v
}

// scaled maps a raw value onto the min–max scale (clamping to the caps first).
func (x *xform) scaled(v float64) float64 {
	return x.level0(min(max(v, x.clampLo), x.clampHi))
}

// bucketOf returns the index of the highest bucket whose Min <= v, or -1.
func (x *xform) bucketOf(v float64) int {
	// Buckets are few (a handful); a linear scan from the top beats a binary search.
	for b := len(x.buckets) - 1; b >= 0; b-- {
		if x.buckets[b].Min <= v {
			return b
		}
	}
	return -1
}

// spread is what a min–max style transform learned from one population.
type spread struct {
	lo, hi float64
	sole   bool // one customer has the signal and the scale came from it: full credit
}

// level maps a present value to 0..1 for every kind but percentile.
func (x *xform) level(v float64, s spread) float64 {
	switch x.kind {
	case kBoolean:
		// v > 0 rather than v != 0: flags are 0/1, and a negative value reading as true would
		// make the level fall as the value rises past 0.
		if v > 0 {
			return 1
		}
		return 0
	case kBuckets:
		if b := x.bucketOf(v); b >= 0 {
			return x.buckets[b].Goodness
		}
		return 0
	}
	if s.sole {
		return 1
	}
	if !(s.hi > s.lo) {
		return 0 // no spread: nobody is ahead (as percentile with all values equal)
	}
	return min(max((x.scaled(v)-s.lo)/(s.hi-s.lo), 0), 1)
}

// rank prepares goodness for every kind but percentile (see percentileRank): the spread for
// min–max kinds, and the capped missing goodness (the level of the median, see missingCap).
func (x *xform) rank(vals []float64, negative bool, missingGoodness float64, s *rankScratch) signalRank {
	r := signalRank{negative: negative, x: x}
	var n int
	if x.kind == kMinMax || x.kind == kLog {
		r.sp, n = x.spreadOf(vals)
	} else {
		n = countPresent(vals)
	}
	s.vs = grow(s.vs, n)
	lv := s.vs[:n]
	j := 0
	for _, v := range vals {
		if v == v {
			lv[j] = x.level(v, r.sp)
			j++
		}
	}
	r.stats = rankStats{n: n, missing: min(missingGoodness, x.medianGoodness(lv, negative, r.sp.sole))}
	return r
}

// spreadOf learns a min–max kind's scale from the present (non-NaN) values, of which it also
// returns the count. A configured cap replaces the population's end.
func (x *xform) spreadOf(vals []float64) (spread, int) {
	n := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v == v {
			n++
			z := x.scaled(v)
			if z < lo {
				lo = z
			}
			if z > hi {
				hi = z
			}
		}
	}
	if x.hasMin {
		lo = x.min
	}
	if x.hasMax {
		hi = x.max
	}
	return spread{lo: lo, hi: hi, sole: n == 1 && !(x.hasMin && x.hasMax)}, n
}

// countPresent counts the values that are not NaN (NaN marks a missing value).
func countPresent(vals []float64) int {
	n := 0
	for _, v := range vals {
		if v == v {
			n++
		}
	}
	return n
}

// medianGoodness is the goodness of the median of the present levels lv (reordered), the cap
// on what a customer without the signal earns.
func (x *xform) medianGoodness(lv []float64, negative, sole bool) float64 {
	n := len(lv)
	switch {
	case n == 0:
		// Nobody has the signal, so no median: the cap is the best level a value could reach.
		if x.kind == kBuckets && !negative {
			return x.buckets[len(x.buckets)-1].Goodness
		}
		return 1
	case sole:
		// A second customer with the same (median) value would leave no spread: level 0,
		// goodness 0 for a positive weight and 1 for a negative one (as percentile).
		if !negative {
			return 0
		}
		return 1
	case negative:
		return 1 - selectKth(lv, n/2) // upper median level: the less flattering one
	default:
		return selectKth(lv, (n-1)/2)
	}
}

// selectKth returns the k-th smallest of a (0-based), reordering a. Three-way partitioning
// keeps it linear on the tie-heavy levels buckets and booleans produce; a deterministic
// median-of-three pivot, with a sort as the fallback when partitions stay lopsided.
func selectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)
	for rounds := 0; hi-lo > 16; rounds++ {
		if rounds > 64 {
			slices.Sort(a[lo:hi])
			return a[k]
		}
		x, y, z := a[lo], a[lo+(hi-lo)/2], a[hi-1]
		p := max(min(x, y), min(max(x, y), z))
		// a[lo:lt] < p, a[lt:i] == p, a[gt:hi] > p
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := a[i]; {
			case v < p:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case v > p:
				gt--
				a[gt], a[i] = a[i], a[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return p
		}
	}
	slices.Sort(a[lo:hi])
	return a[k]
}

// hashText is the transform's part of Config.hash; "" for the default.
func (t Transform) hashText() string {
	if t.isDefault() {
		return ""
	}
	var b strings.Builder
	b.WriteString(cmp.Or(t.Kind, TransformPercentile))
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	if t.Min != nil {
		b.WriteString(" min=" + f(*t.Min))
	}
	if t.Max != nil {
		b.WriteString(" max=" + f(*t.Max))
	}
	bs := slices.Clone(t.Buckets)
	slices.SortStableFunc(bs, func(a, b Bucket) int { return cmp.Compare(a.Min, b.Min) })
	for _, bk := range bs {
		// Labels only change wording, not scores, so they stay out of the hash.
		b.WriteString(" [" + f(bk.Min) + ":" + f(bk.Goodness) + "]")
	}
	return b.String()
}

func (t Transform) clone() Transform {
	c := t
	if t.Min != nil {
		c.Min = F(*t.Min)
	}
	if t.Max != nil {
		c.Max = F(*t.Max)
	}
	c.Buckets = slices.Clone(t.Buckets)
	return c
}
