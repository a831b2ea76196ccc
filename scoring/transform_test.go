package scoring

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// scoresFor scores one customer per value on a single signal "x" with transform tr, so each
// score is 100 x goodness. NaN values are left missing.
func scoresFor(t *testing.T, weight float64, tr Transform, values []float64) []float64 {
	t.Helper()
	m := mustModel(t, Config{Weights: map[string]float64{"x": weight}, Transforms: map[string]Transform{"x": tr}})
	cs := make([]Customer, len(values))
	for i, v := range values {
		cs[i] = Customer{ID: string(rune('a' + i)), Signals: map[string]float64{}}
		if !math.IsNaN(v) {
			cs[i].Signals["x"] = v
		}
	}
	got := byID(m.Score(testNow, cs))
	out := make([]float64, len(values))
	for i := range values {
		out[i] = got[string(rune('a'+i))].Score
	}
	return out
}

func TestTransforms(t *testing.T) {
	nan := math.NaN()
	e := math.E
	tests := []struct {
		name   string
		weight float64
		tr     Transform
		values []float64
		want   []float64
	}{
		{"default is percentile", 1, Transform{}, []float64{10, 20, 20, 30}, []float64{0, 100.0 / 3, 100.0 / 3, 100}},
		{"minmax over the population", 1, Transform{Kind: TransformMinMax}, []float64{10, 20, 40}, []float64{0, 100.0 / 3, 100}},
		{"minmax with a negative weight", -1, Transform{Kind: TransformMinMax}, []float64{10, 20, 40}, []float64{100, 200.0 / 3, 0}},
		{"minmax caps clamp", 1, Transform{Kind: TransformMinMax, Min: F(0), Max: F(50)}, []float64{10, 60, -5}, []float64{20, 100, 0}},
		{"minmax with one cap", 1, Transform{Kind: TransformMinMax, Min: F(0)}, []float64{10, 40}, []float64{25, 100}},
		{"minmax sole value gets full credit", -1, Transform{Kind: TransformMinMax}, []float64{7}, []float64{100}},
		{"minmax no spread: nobody is ahead", 1, Transform{Kind: TransformMinMax}, []float64{7, 7}, []float64{0, 0}},
		{"log evens out a long tail", 1, Transform{Kind: TransformLog}, []float64{0, e - 1, e*e - 1}, []float64{0, 50, 100}},
		{"log reads negatives as 0", 1, Transform{Kind: TransformLog}, []float64{-5, 0, 9}, []float64{0, 0, 100}},
		{"log with caps", 1, Transform{Kind: TransformLog, Min: F(0), Max: F(99)}, []float64{9, 500}, []float64{50, 100}},
		{"NPS buckets", 1, NPSBuckets(), []float64{10, 9, 8, 7, 6, 0}, []float64{100, 100, 50, 50, 0, 0}},
		{"buckets: below the lowest earns 0", 1, Transform{Kind: TransformBuckets, Buckets: []Bucket{{Min: 5, Goodness: 0.5}, {Min: 10, Goodness: 1}}},
			[]float64{1, 5, 12}, []float64{0, 50, 100}},
		{"buckets invert for friction", -2, Transform{Kind: TransformBuckets, Buckets: []Bucket{{Min: 0, Goodness: 0}, {Min: 1, Goodness: 0.5}, {Min: 3, Goodness: 1}}},
			[]float64{0, 2, 7}, []float64{100, 50, 0}},
		{"boolean", 1, Transform{Kind: TransformBoolean}, []float64{0, 1, 5, -1}, []float64{0, 100, 100, 0}},
		{"boolean friction", -1, Transform{Kind: TransformBoolean}, []float64{0, 1}, []float64{100, 0}},
		// Missing: capped at the median's goodness (promoters are the median here: cap 1), then
		// MissingGoodness 0.25 applies.
		{"buckets missing value", 1, NPSBuckets(), []float64{10, 10, 3, nan}, []float64{100, 100, 0, 25}},
		// Most are detractors: the median earns 0, so a missing NPS must earn 0 too.
		{"buckets missing capped at the median", 1, NPSBuckets(), []float64{10, 3, 3, nan}, []float64{100, 0, 0, 0}},
		{"minmax missing capped at the median", 1, Transform{Kind: TransformMinMax}, []float64{0, 10, 100, nan}, []float64{0, 10, 100, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scoresFor(t, tt.weight, tt.tr, tt.values)
			for i := range got {
				if !near(got[i], tt.want[i]) {
					t.Errorf("value %v: score %v, want %v (all: %v)", tt.values[i], got[i], tt.want[i], got)
				}
			}
		})
	}
}

func TestTransformValidation(t *testing.T) {
	tests := []struct {
		name string
		tr   Transform
		want string
	}{
		{"unknown kind", Transform{Kind: "sigmoid"}, `transforms: nps: unknown kind "sigmoid"`},
		{"caps on percentile", Transform{Min: F(1)}, "transforms: nps: min/max apply only to kinds minmax and log"},
		{"max not above min", Transform{Kind: TransformMinMax, Min: F(5), Max: F(5)}, "transforms: nps: max (5) must be above min (5)"},
		{"log max not above 0", Transform{Kind: TransformLog, Min: F(-10), Max: F(-1)}, "log reads values below 0 as 0"},
		{"NaN cap", Transform{Kind: TransformMinMax, Max: F(math.NaN())}, "max must be a finite number"},
		{"buckets on minmax", Transform{Kind: TransformMinMax, Buckets: []Bucket{{Min: 1}}}, "buckets apply only to kind buckets"},
		{"no buckets", Transform{Kind: TransformBuckets}, "needs at least one bucket"},
		{"goodness out of range", Transform{Kind: TransformBuckets, Buckets: []Bucket{{Min: 0, Goodness: 2}}}, "goodness must be between 0 and 1"},
		{"duplicate min", Transform{Kind: TransformBuckets, Buckets: []Bucket{{Min: 1, Goodness: 0}, {Min: 1, Goodness: 1}}}, "two buckets start at 1"},
		{"decreasing goodness", Transform{Kind: TransformBuckets, Buckets: []Bucket{{Min: 9, Goodness: 0}, {Min: 0, Goodness: 1}}},
			"bucket at 9 has goodness 0, below the 1 of the bucket at 0: goodness must not decrease"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewModel(Config{Weights: map[string]float64{NPS: 1}, Transforms: map[string]Transform{NPS: tt.tr}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewModel error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// Buckets may be listed in any order.
	unordered := Transform{Kind: TransformBuckets, Buckets: []Bucket{{Min: 9, Goodness: 1}, {Min: 0, Goodness: 0}}}
	if _, err := NewModel(Config{Weights: map[string]float64{NPS: 1}, Transforms: map[string]Transform{NPS: unordered}}); err != nil {
		t.Errorf("unordered buckets rejected: %v", err)
	}
}

func TestBucketLabelsInReasons(t *testing.T) {
	cfg := Config{
		Weights: map[string]float64{NPS: 3, CSAT: 1, Escalations90d: -2},
		Transforms: map[string]Transform{
			NPS:  NPSBuckets(),
			CSAT: {Kind: TransformBuckets, Buckets: []Bucket{{Min: 0, Goodness: 0, Label: "unhappy"}, {Min: 90, Goodness: 1, Label: "delighted"}}},
			Escalations90d: {Kind: TransformBuckets, Buckets: []Bucket{
				{Min: 0, Goodness: 0, Label: "calm"}, {Min: 3, Goodness: 1, Label: "on fire"}}},
		},
	}
	m := mustModel(t, cfg)
	tests := []struct {
		name string
		sig  map[string]float64
		want []string
	}{
		{"labels read as reasons", map[string]float64{NPS: 10, CSAT: 95, Escalations90d: 0},
			[]string{"NPS 10 — promoter", "escalations 90d 0 — calm", "CSAT 95 — delighted"}}, // points order
		{"a bad bucket is a red flag", map[string]float64{NPS: 9, CSAT: 40, Escalations90d: 5},
			[]string{"NPS 9 — promoter", "escalations 90d 5 — on fire"}},
		{"passive", map[string]float64{NPS: 8}, []string{"NPS 8 — passive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := m.Score(testNow, []Customer{{ID: "x", Signals: tt.sig}, {ID: "y", Signals: map[string]float64{NPS: 3, CSAT: 50}}})
			got := byID(res)["x"].Reasons
			if !slices.Equal(got, tt.want) {
				t.Errorf("Reasons = %q, want %q", got, tt.want)
			}
		})
	}
}

// DefaultConfig reads NPS on its own scale: in a base of happy customers a 9 is still a
// promoter with full credit, where percentile rank would leave it little.
func TestDefaultConfigReadsNPSAsBuckets(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 1}, Transforms: DefaultConfig().Transforms})
	var cs []Customer
	for i, v := range []float64{10, 10, 10, 10, 9, 6} {
		cs = append(cs, Customer{ID: string(rune('a' + i)), Signals: map[string]float64{NPS: v}})
	}
	got := byID(m.Score(testNow, cs))
	if got["e"].Score != 100 || got["f"].Score != 0 {
		t.Errorf("nps 9 scored %v (want 100), nps 6 scored %v (want 0)", got["e"].Score, got["f"].Score)
	}
}

func TestTransformsInHash(t *testing.T) {
	base := Config{Weights: map[string]float64{NPS: 1}}
	h := mustModel(t, base).Hash()
	explicit := base
	explicit.Transforms = map[string]Transform{NPS: {Kind: TransformPercentile}}
	if mustModel(t, explicit).Hash() != h {
		t.Error("an explicit percentile transform changed the hash")
	}
	labelled, relabelled := base, base
	labelled.Transforms = map[string]Transform{NPS: NPSBuckets()}
	nb := NPSBuckets()
	nb.Buckets[0].Label = "critic"
	relabelled.Transforms = map[string]Transform{NPS: nb}
	if hb := mustModel(t, labelled).Hash(); hb == h || hb != mustModel(t, relabelled).Hash() {
		t.Error("buckets must change the hash; labels must not")
	}
}

func TestSelectKth(t *testing.T) {
	for _, a := range [][]float64{{3, 1, 2}, {5, 5, 5, 5, 1, 9, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 0}, {}} {
		for k := range a {
			sorted := slices.Sorted(slices.Values(a))
			if got := selectKth(slices.Clone(a), k); got != sorted[k] {
				t.Errorf("selectKth(%v, %d) = %v, want %v", a, k, got, sorted[k])
			}
		}
	}
	big := make([]float64, 5000)
	for i := range big {
		big[i] = float64((i * 7919) % 101)
	}
	sorted := slices.Sorted(slices.Values(big))
	for _, k := range []int{0, 1, 2499, 2500, 4999} {
		if got := selectKth(slices.Clone(big), k); got != sorted[k] {
			t.Errorf("k=%d: %v, want %v", k, got, sorted[k])
		}
	}
}
