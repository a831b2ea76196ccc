package scoring

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"testing/quick"
	"time"
)

// Property tests over every transform kind and with segments, driven by testing/quick: each
// case is a seed from which a small, tie-heavy population and a model are built.

var quickTransforms = []Transform{
	{},
	{Kind: TransformMinMax},
	{Kind: TransformMinMax, Min: F(1), Max: F(4)},
	{Kind: TransformLog},
	{Kind: TransformLog, Max: F(3)},
	NPSBuckets(),
	{Kind: TransformBuckets, Buckets: []Bucket{{Min: 1, Goodness: 0.2}, {Min: 2.5, Goodness: 0.2}, {Min: 4, Goodness: 0.9}}},
	{Kind: TransformBoolean},
}

var quickSignals = []string{"a", "b", "c", "d"}

// quickModel builds a model whose signals use the given transform kinds; b and d are friction.
// With segmented set, customers on plan "x" weigh a differently and drop c.
func quickModel(t *testing.T, r *rand.Rand, segmented bool) (*Model, Config) {
	t.Helper()
	cfg := Config{
		Weights:         map[string]float64{"a": 3, "b": -1.5, "c": 1, "d": -0.5},
		Transforms:      map[string]Transform{},
		MissingGoodness: []float64{0, 0.5, 1}[r.IntN(3)],
		Gates:           []string{"a >= 1", `plan != "free"`},
		MinConfidence:   0.4,
	}
	for _, s := range quickSignals {
		cfg.Transforms[s] = quickTransforms[r.IntN(len(quickTransforms))]
	}
	if segmented {
		cfg.Segments = []Segment{{Name: "x", When: map[string]string{"plan": "x"}, Weights: map[string]float64{"a": 1, "c": 0, "e": 2}}}
	}
	return mustModel(t, cfg), cfg
}

func quickPopulation(r *rand.Rand) []Customer {
	n := 1 + r.IntN(25)
	plans := []string{"free", "x", "y", ""}
	cs := make([]Customer, n)
	for i := range cs {
		sig := map[string]float64{}
		for _, s := range append(slices.Clone(quickSignals), "e") {
			if r.IntN(5) > 0 {
				sig[s] = float64(r.IntN(6))
				if r.IntN(3) == 0 {
					sig[s] += r.Float64()
				}
			}
		}
		cs[i] = Customer{ID: "c" + strconv.Itoa(i), Signals: sig, Attributes: map[string]string{"plan": plans[r.IntN(len(plans))]},
			OptedOut: r.IntN(8) == 0, IsPartner: r.IntN(8) == 0}
	}
	return cs
}

func weightOf(cfg Config, c Customer, s string) float64 {
	for _, seg := range cfg.Segments {
		if c.Attributes["plan"] == seg.When["plan"] {
			if w, ok := seg.Weights[s]; ok {
				return w
			}
			break
		}
	}
	return cfg.Weights[s]
}

var quickCfg = &quick.Config{MaxCount: 400}

// Raising one customer's value never lowers its score for a positive weight and never raises
// it for a negative one, whatever the transform.
func TestQuickMonotone(t *testing.T) {
	f := func(seed uint64, segmented bool) bool {
		r := rand.New(rand.NewPCG(seed, 1))
		m, cfg := quickModel(t, r, segmented)
		cs := quickPopulation(r)
		who := r.IntN(len(cs))
		s := quickSignals[r.IntN(len(quickSignals))]
		lowV := float64(r.IntN(6)) - 1
		highV := lowV + float64(r.IntN(4)) + r.Float64()*float64(r.IntN(2))
		low, high := clone(cs), clone(cs)
		low[who].Signals[s], high[who].Signals[s] = lowV, highV
		sLow, sHigh := scoreOf(m, low, cs[who].ID), scoreOf(m, high, cs[who].ID)
		w := weightOf(cfg, cs[who], s)
		if (w > 0 && sHigh < sLow) || (w < 0 && sHigh > sLow) {
			t.Logf("seed %d: %s (weight %v, %+v) %v->%v moved the score %v->%v", seed, s, w, cfg.Transforms[s], lowV, highV, sLow, sHigh)
			return false
		}
		return true
	}
	if err := quick.Check(f, quickCfg); err != nil {
		t.Fatal(err)
	}
}

// A customer with a signal missing (or stale) never scores above the same customer holding a
// value on the good side of the median there.
func TestQuickMissingNeverHelps(t *testing.T) {
	f := func(seed uint64, segmented, stale bool) bool {
		r := rand.New(rand.NewPCG(seed, 2))
		m, cfg := quickModel(t, r, segmented)
		cs := quickPopulation(r)
		who := r.IntN(len(cs))
		s := quickSignals[r.IntN(len(quickSignals))]
		w := weightOf(cfg, cs[who], s)
		var others []float64
		for i, c := range cs {
			if v, ok := c.Signals[s]; ok && i != who {
				others = append(others, v)
			}
		}
		slices.Sort(others)
		// With nobody else holding the signal there is no median; "good" is then the top of
		// the scale (a detractor NPS rightly scores below an unknown one).
		good := 10.0
		if w < 0 {
			good = 0
		}
		if len(others) > 0 {
			lowMed, upMed := others[(len(others)-1)/2], others[len(others)/2]
			if w >= 0 {
				good = upMed + float64(r.IntN(2))
			} else {
				good = math.Max(0, lowMed-float64(r.IntN(2)))
			}
		}
		missing, present := clone(cs), clone(cs)
		if stale {
			missing[who].Signals[s] = good + 100 // a great value, but out of date
			missing[who].Stale = map[string]time.Time{s: {}}
		} else {
			delete(missing[who].Signals, s)
		}
		present[who].Signals[s] = good
		sm, sp := scoreOf(m, missing, cs[who].ID), scoreOf(m, present, cs[who].ID)
		if sm > sp+1e-12 {
			t.Logf("seed %d: %s (%+v) missing scores %v, with %v scores %v (others %v)", seed, s, cfg.Transforms[s], sm, good, sp, others)
			return false
		}
		return true
	}
	if err := quick.Check(f, quickCfg); err != nil {
		t.Fatal(err)
	}
}

// Scores and confidence stay in range, order is total and stable under input order, and
// eligibility means every gate holds and no hard rule applies.
func TestQuickInvariants(t *testing.T) {
	f := func(seed uint64, segmented bool) bool {
		r := rand.New(rand.NewPCG(seed, 3))
		m, cfg := quickModel(t, r, segmented)
		cs := quickPopulation(r)
		res := m.Score(testNow, cs)
		shuffled := slices.Clone(cs)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again := m.Score(testNow, shuffled)
		in := map[string]Customer{}
		for _, c := range cs {
			in[c.ID] = c
		}
		for i, x := range res {
			if !(x.Score >= 0 && x.Score <= 100) || !(x.Confidence >= 0 && x.Confidence <= 1) {
				t.Logf("seed %d: %s score %v confidence %v", seed, x.ID, x.Score, x.Confidence)
				return false
			}
			if x.Rank != i+1 || (i > 0 && (res[i-1].Score < x.Score || (res[i-1].Score == x.Score && res[i-1].ID >= x.ID))) {
				t.Logf("seed %d: order broken at %d", seed, i)
				return false
			}
			if again[i].ID != x.ID || again[i].Score != x.Score {
				t.Logf("seed %d: input order changed the result at %d", seed, i)
				return false
			}
			c := in[x.ID]
			a, ok := c.Signals["a"]
			passes := !c.OptedOut && !c.IsPartner && ok && a >= 1 && c.Attributes["plan"] != "free" && x.Confidence >= cfg.MinConfidence
			if x.Eligible != passes || x.Eligible != (len(x.FailedGates) == 0) {
				t.Logf("seed %d: %s eligible=%v, gates say %v (%q)", seed, x.ID, x.Eligible, passes, x.FailedGates)
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, quickCfg); err != nil {
		t.Fatal(err)
	}
}
