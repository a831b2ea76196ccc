package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"testing/quick"
	"time"
)

// Property tests, one table: each property is checked by testing/quick over seeds from which a
// small, tie-heavy population and a model are built (every transform kind, with and without
// segments), and the ordering invariants also on the default model, at sizes up to the parallel
// path.
func TestProperties(t *testing.T) {
	tests := []struct {
		name  string
		prop  func(t *testing.T) any // a function for quick.Check
		count int                    // cases to try
	}{
		{"RaisingAValueMovesTheScoreWithItsWeight", monotone, 400},
		{"MissingOrStaleNeverHelps", missingNeverHelps, 400},
		{"RangeOrderStabilityAndGates", invariants, 400},
		{"DefaultModelRangeAndOrder", defaultModel, 50},
		{"ParallelPathRangeAndOrder", parallelPath, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := quick.Check(tt.prop(t), &quick.Config{MaxCount: tt.count}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

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

// quickCase is one case of a property: a random source seeded from seed (stream keeps the
// properties' sequences apart), a model and a population drawn from it.
func quickCase(t *testing.T, seed, stream uint64, segmented bool) (*rand.Rand, *Model, Config, []Customer) {
	r := rand.New(rand.NewPCG(seed, stream))
	m, cfg := quickModel(t, r, segmented)
	return r, m, cfg, quickPopulation(r)
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

func scoreOf(m *Model, cs []Customer, id string) float64 {
	for _, r := range m.Score(testNow, cs) {
		if r.ID == id {
			return r.Score
		}
	}
	panic("no result for " + id)
}

func clone(cs []Customer) []Customer {
	out := slices.Clone(cs)
	for i := range out {
		sig := make(map[string]float64, len(cs[i].Signals))
		for k, v := range cs[i].Signals {
			sig[k] = v
		}
		out[i].Signals = sig
	}
	return out
}

// Raising one customer's value never lowers its score for a positive weight and never raises
// it for a negative one, whatever the transform.
func monotone(t *testing.T) any {
	return func(seed uint64, segmented bool) bool {
		r, m, cfg, cs := quickCase(t, seed, 1, segmented)
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
}

// A customer with a signal missing (or stale) never scores above the same customer holding a
// value on the good side of the median there, whatever MissingGoodness says.
func missingNeverHelps(t *testing.T) any {
	return func(seed uint64, segmented, stale bool) bool {
		r, m, cfg, cs := quickCase(t, seed, 2, segmented)
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
}

// Scores and confidence stay in range, order is total and stable under input order, and
// eligibility means every gate holds and no hard rule applies.
func invariants(t *testing.T) any {
	return func(seed uint64, segmented bool) bool {
		r, m, cfg, cs := quickCase(t, seed, 3, segmented)
		res := m.Score(testNow, cs)
		shuffled := slices.Clone(cs)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again := m.Score(testNow, shuffled)
		in := map[string]Customer{}
		for _, c := range cs {
			in[c.ID] = c
		}
		if err := inOrder(res, again); err != nil {
			t.Logf("seed %d: %v (the second run had the input shuffled)", seed, err)
			return false
		}
		for _, x := range res {
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
}

// The default model on realistic populations (up to 500 customers): scores and confidence in
// range, order total, the same result on a second run.
func defaultModel(t *testing.T) any {
	m := mustModel(t, DefaultConfig())
	return func(seed uint64) bool { return ordered(t, m, syntheticCustomers(1+int(seed%500), seed), seed) }
}

// The same on a population large enough for the parallel path.
func parallelPath(t *testing.T) any {
	m := mustModel(t, DefaultConfig())
	return func(seed uint64) bool { return ordered(t, m, syntheticCustomers(3*serialBelow, seed), seed) }
}

func ordered(t *testing.T, m *Model, cs []Customer, seed uint64) bool {
	if err := inOrder(m.Score(testNow, cs), m.Score(testNow, cs)); err != nil {
		t.Logf("seed %d, %d customers: %v", seed, len(cs), err)
		return false
	}
	return true
}

// inOrder checks a scoring result: scores and confidence in range, ranked by score then id,
// and identical to a second run.
func inOrder(res, again []Result) error {
	for i, x := range res {
		if !(x.Score >= 0 && x.Score <= 100) || !(x.Confidence >= 0 && x.Confidence <= 1) {
			return fmt.Errorf("%s: score %v confidence %v out of range", x.ID, x.Score, x.Confidence)
		}
		if x.Rank != i+1 || (i > 0 && (res[i-1].Score < x.Score || (res[i-1].Score == x.Score && res[i-1].ID >= x.ID))) {
			return fmt.Errorf("order broken at %d: %+v then %+v", i, res[max(i-1, 0)], x)
		}
		if again[i].ID != x.ID || again[i].Score != x.Score {
			return fmt.Errorf("results differ at %d: %s %v, then %s %v", i, x.ID, x.Score, again[i].ID, again[i].Score)
		}
	}
	return nil
}
