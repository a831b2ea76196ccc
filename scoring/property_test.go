package scoring

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// randomPopulation is small and tie-heavy on purpose: ties and missing values are where
// ranking rules go wrong.
func randomPopulation(r *rand.Rand, n int, signals []string) []Customer {
	cs := make([]Customer, n)
	for i := range cs {
		sig := map[string]float64{}
		for _, s := range signals {
			if r.IntN(5) > 0 {
				sig[s] = float64(r.IntN(6))
				if r.IntN(3) == 0 {
					sig[s] += r.Float64() // some non-integers: the sorting path
				}
			}
		}
		cs[i] = Customer{ID: "c" + strconv.Itoa(i), Signals: sig}
	}
	return cs
}

var propWeights = map[string]float64{NPS: 3, HealthScore: 2, Upsells12m: 1, Tickets90d: -1.5, Escalations90d: -2}

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

// Raising one customer's value of a positive signal never lowers its score; raising a friction
// signal never raises it.
func TestPropertyMonotone(t *testing.T) {
	m := mustModel(t, Config{Weights: propWeights})
	r := rand.New(rand.NewPCG(11, 12))
	signals := slices.Sorted(func(yield func(string) bool) {
		for s := range propWeights {
			if !yield(s) {
				return
			}
		}
	})
	for trial := range 300 {
		cs := randomPopulation(r, 2+r.IntN(30), signals)
		who := r.IntN(len(cs))
		s := signals[r.IntN(len(signals))]
		lowV := float64(r.IntN(6))
		highV := lowV + float64(r.IntN(4)) + r.Float64()*float64(r.IntN(2))
		low, high := clone(cs), clone(cs)
		low[who].Signals[s], high[who].Signals[s] = lowV, highV
		sLow, sHigh := scoreOf(m, low, cs[who].ID), scoreOf(m, high, cs[who].ID)
		if propWeights[s] > 0 && sHigh < sLow {
			t.Fatalf("trial %d: raising %s %v->%v lowered the score %v->%v", trial, s, lowV, highV, sLow, sHigh)
		}
		if propWeights[s] < 0 && sHigh > sLow {
			t.Fatalf("trial %d: raising friction %s %v->%v raised the score %v->%v", trial, s, lowV, highV, sLow, sHigh)
		}
	}
}

// A customer with a signal missing never scores above the same customer holding a value on the
// good side of the median there (>= median for a positive weight, <= for a negative one).
func TestPropertyMissingNeverHelps(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	signals := []string{NPS, HealthScore, Upsells12m, Tickets90d, Escalations90d}
	for _, mg := range []float64{0, 0.5, 1} { // even a generous MissingGoodness is capped
		m := mustModel(t, Config{Weights: propWeights, MissingGoodness: mg})
		for trial := range 300 {
			cs := randomPopulation(r, 1+r.IntN(25), signals)
			who := r.IntN(len(cs))
			s := signals[r.IntN(len(signals))]
			var others []float64
			for i, c := range cs {
				if v, ok := c.Signals[s]; ok && i != who {
					others = append(others, v)
				}
			}
			slices.Sort(others)
			good := 3.0
			if len(others) > 0 {
				lowMed, upMed := others[(len(others)-1)/2], others[len(others)/2]
				if propWeights[s] > 0 {
					good = upMed + float64(r.IntN(2)) // at or above either median
				} else {
					good = math.Max(0, lowMed-float64(r.IntN(2)))
				}
			}
			missing, present := clone(cs), clone(cs)
			delete(missing[who].Signals, s)
			present[who].Signals[s] = good
			sm, sp := scoreOf(m, missing, cs[who].ID), scoreOf(m, present, cs[who].ID)
			if sm > sp+1e-12 {
				t.Fatalf("MissingGoodness %v, trial %d: %s missing scores %v, with good value %v scores %v (others %v)",
					mg, trial, s, sm, good, sp, others)
			}
		}
	}
}

func TestPropertyScoresInRange(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	m := mustModel(t, DefaultConfig())
	for range 50 {
		cs := syntheticCustomers(1+r.IntN(500), r.Uint64())
		for _, res := range m.Score(testNow, cs) {
			if !(res.Score >= 0 && res.Score <= 100) || !(res.Confidence >= 0 && res.Confidence <= 1) {
				t.Fatalf("%s: score %v confidence %v out of range", res.ID, res.Score, res.Confidence)
			}
		}
	}
}

// Large enough to run the parallel path; sorted order and ranks must hold there too.
func TestPropertyParallelOrder(t *testing.T) {
	m := mustModel(t, DefaultConfig())
	cs := syntheticCustomers(3*serialBelow, 5)
	res := m.Score(testNow, cs)
	for i := 1; i < len(res); i++ {
		a, b := res[i-1], res[i]
		if a.Score < b.Score || (a.Score == b.Score && a.ID > b.ID) || b.Rank != i+1 {
			t.Fatalf("order broken at %d: %+v then %+v", i, a, b)
		}
	}
	again := m.Score(testNow, cs)
	for i := range res {
		if res[i].ID != again[i].ID || res[i].Score != again[i].Score {
			t.Fatalf("second run differs at %d", i)
		}
	}
}
