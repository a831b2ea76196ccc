package scoring

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

func mustModel(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	return m
}

func byID(rs []Result) map[string]Result {
	out := make(map[string]Result, len(rs))
	for _, r := range rs {
		out[r.ID] = r
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// One signal, so Score = 100 * goodness and the percent_rank definition is visible directly.
func TestGoodnessIsPercentRank(t *testing.T) {
	tests := []struct {
		name   string
		weight float64
		values []float64
		want   []float64 // scores, same order as values
	}{
		{"ties share a rank", 1, []float64{10, 20, 20, 30}, []float64{0, 100.0 / 3, 100.0 / 3, 100}},
		{"negative weight reverses", -1, []float64{10, 20, 20, 30}, []float64{100, 200.0 / 3, 200.0 / 3, 0}},
		{"non-integer values take the sorting path", 1, []float64{0.5, 2.25, 2.25, -1.5}, []float64{100.0 / 3, 200.0 / 3, 200.0 / 3, 0}},
		{"negative zero ties with zero", 1, []float64{math.Copysign(0, -1), 0, 0.5}, []float64{0, 0, 100}},
		{"single customer gets full credit", 1, []float64{7}, []float64{100}},
		{"single customer gets full credit for friction too", -1, []float64{7}, []float64{100}},
		{"all equal: nobody is ahead", 1, []float64{9, 9, 9}, []float64{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustModel(t, Config{Weights: map[string]float64{"x": tt.weight}})
			var cs []Customer
			for i, v := range tt.values {
				cs = append(cs, Customer{ID: string(rune('a' + i)), Signals: map[string]float64{"x": v}})
			}
			got := byID(m.Score(testNow, cs))
			for i, want := range tt.want {
				if r := got[string(rune('a'+i))]; !near(r.Score, want) {
					t.Errorf("value %v: score %v, want %v", tt.values[i], r.Score, want)
				}
			}
		})
	}
}

// The counting path (integers) and the sorting path must agree exactly.
func TestRankPathsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for trial := range 50 {
		n := 1 + r.IntN(3000)
		ints := make([]float64, n)
		for i := range ints {
			if r.IntN(8) == 0 {
				ints[i] = math.NaN()
			} else {
				ints[i] = float64(r.IntN(1 + r.IntN(500)))
			}
		}
		var s rankScratch
		for _, neg := range []bool{false, true} {
			a, b := make([]float64, n), make([]float64, n)
			stA := goodnessColumn(ints, a, neg, 0.25, &s)
			// Offsetting by 0.5 keeps the order but forces the sorting path.
			shifted := make([]float64, n)
			for i, v := range ints {
				shifted[i] = v + 0.5
			}
			stB := goodnessColumn(shifted, b, neg, 0.25, &s)
			if stA != stB || !slices.Equal(a, b) {
				t.Fatalf("trial %d neg=%v: paths differ: %+v vs %+v", trial, neg, stA, stB)
			}
		}
	}
}

func TestOrderIsDeterministicWithTies(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 1}})
	cs := []Customer{
		{ID: "delta", Signals: map[string]float64{NPS: 5}},
		{ID: "bravo", Signals: map[string]float64{NPS: 10}},
		{ID: "charlie", Signals: map[string]float64{NPS: 5}},
		{ID: "alpha", Signals: map[string]float64{NPS: 10}},
		{ID: "echo", Signals: map[string]float64{NPS: 1}},
	}
	want := []string{"alpha", "bravo", "charlie", "delta", "echo"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		r.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		got := m.Score(testNow, cs)
		for i, res := range got {
			if res.ID != want[i] || res.Rank != i+1 {
				t.Fatalf("position %d: got %s rank %d, want %s rank %d", i, res.ID, res.Rank, want[i], i+1)
			}
		}
	}
}

func TestMissingSignalsAndConfidence(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 3, Tickets90d: -1}})
	cs := []Customer{
		{ID: "full", Signals: map[string]float64{NPS: 10, Tickets90d: 0}},
		{ID: "mid", Signals: map[string]float64{NPS: 8, Tickets90d: 2}},
		{ID: "low", Signals: map[string]float64{NPS: 3, Tickets90d: 5}},
		{ID: "no-nps", Signals: map[string]float64{Tickets90d: 0, NPS: math.NaN()}},
	}
	got := byID(m.Score(testNow, cs))
	r := got["no-nps"]
	if !near(r.Confidence, 0.25) {
		t.Errorf("confidence %v, want 0.25 (1 of 4 weight present)", r.Confidence)
	}
	// Missing NPS: capped at what the median NPS (8) would earn if added: 1 smaller of 3 -> 1/3;
	// default 0.25 is lower. Tickets 0 ties for best: goodness 1.
	if want := 100 * (3*0.25 + 1*1) / 4; !near(r.Score, want) {
		t.Errorf("score %v, want %v", r.Score, want)
	}
	var nps Contribution
	for _, c := range r.Contributions {
		if c.Signal == NPS {
			nps = c
		}
	}
	if nps.Present || nps.Value != 0 || !near(nps.Goodness, 0.25) || nps.Weight != 3 {
		t.Errorf("missing nps contribution = %+v", nps)
	}
	if got["full"].Confidence != 1 {
		t.Errorf("full confidence %v, want 1", got["full"].Confidence)
	}
}

func TestMissingGoodnessCapAtMedian(t *testing.T) {
	// Most customers made no upsell: the median earns goodness 0, so a missing value must too.
	m := mustModel(t, Config{Weights: map[string]float64{Upsells12m: 1}})
	cs := []Customer{
		{ID: "a", Signals: map[string]float64{Upsells12m: 0}},
		{ID: "b", Signals: map[string]float64{Upsells12m: 0}},
		{ID: "c", Signals: map[string]float64{Upsells12m: 0}},
		{ID: "d", Signals: map[string]float64{Upsells12m: 2}},
		{ID: "unknown"},
	}
	got := byID(m.Score(testNow, cs))
	if got["unknown"].Score > got["a"].Score {
		t.Errorf("missing (%v) scored above a median customer (%v)", got["unknown"].Score, got["a"].Score)
	}
}

func TestContributionsSortedAndComplete(t *testing.T) {
	m := mustModel(t, DefaultConfig())
	cs := []Customer{
		{ID: "a", Signals: map[string]float64{NPS: 10, HealthScore: 90, Tickets90d: 1}},
		{ID: "b", Signals: map[string]float64{NPS: 6, HealthScore: 40, Tickets90d: 9}},
	}
	for _, r := range m.Score(testNow, cs) {
		if len(r.Contributions) != len(m.Signals()) {
			t.Fatalf("%s: %d contributions, want one per weighted signal (%d)", r.ID, len(r.Contributions), len(m.Signals()))
		}
		sorted := slices.IsSortedFunc(r.Contributions, func(a, b Contribution) int {
			if a.Points != b.Points {
				if a.Points > b.Points {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Signal, b.Signal)
		})
		if !sorted {
			t.Errorf("%s: contributions not sorted by points desc, signal: %+v", r.ID, r.Contributions)
		}
		var sum float64
		for _, c := range r.Contributions {
			sum += c.Points
		}
		if total := abs(DefaultConfig().Weights); !near(100*sum/total, r.Score) {
			t.Errorf("%s: points add up to %v, score is %v", r.ID, 100*sum/total, r.Score)
		}
	}
}

func abs(w map[string]float64) float64 {
	var s float64
	for _, v := range w {
		s += math.Abs(v)
	}
	return s
}

func TestDetailOption(t *testing.T) {
	m := mustModel(t, DefaultConfig())
	cs := syntheticCustomers(200, 3)
	res := m.ScoreWith(testNow, cs, Options{Detail: func(r *Result) bool { return r.Rank <= 3 }})
	for _, r := range res {
		if explained := r.Contributions != nil; explained != (r.Rank <= 3) {
			t.Errorf("rank %d: explained=%v", r.Rank, explained)
		}
	}
	full := m.Score(testNow, cs)
	for i := range full {
		if full[i].ID != res[i].ID || full[i].Score != res[i].Score {
			t.Fatalf("Detail changed the ranking at %d", i)
		}
	}
}

func TestScoreDoesNotModifyInput(t *testing.T) {
	m := mustModel(t, DefaultConfig())
	c := Customer{ID: "a", Signals: map[string]float64{NPS: 9}, Attributes: map[string]string{AttrCustomerSince: "2024-01-01"}}
	res := m.Score(testNow, []Customer{c})
	if _, ok := c.Signals[TenureDays]; ok {
		t.Error("Score wrote tenure_days into the caller's map")
	}
	if len(res) != 1 || slices.Contains(res[0].FailedGates, "tenure_days >= 90 (tenure_days missing)") {
		t.Errorf("derived tenure not used by the gate: %+v", res[0].FailedGates)
	}
}

func TestEmptyInput(t *testing.T) {
	if got := mustModel(t, DefaultConfig()).Score(testNow, nil); got == nil || len(got) != 0 {
		t.Errorf("Score(nil) = %#v, want empty slice", got)
	}
}

func TestHash(t *testing.T) {
	base := DefaultConfig()
	h := mustModel(t, base).Hash()
	same := DefaultConfig()
	same.Weights["unused_signal"] = 0
	same.MissingGoodness = DefaultMissingGoodness
	same.Currency = "€"
	if got := mustModel(t, same).Hash(); got != h {
		t.Errorf("equivalent config hashed differently: %s vs %s", got, h)
	}
	changes := map[string]func(c *Config){
		"weight":          func(c *Config) { c.Weights[NPS] = 2.5 },
		"new signal":      func(c *Config) { c.Weights["seats_used"] = 1 },
		"gate":            func(c *Config) { c.Gates = append(c.Gates, "nps >= 7") },
		"min confidence":  func(c *Config) { c.MinConfidence = 0.9 },
		"missing goodess": func(c *Config) { c.MissingGoodness = 0.1 },
	}
	for name, change := range changes {
		c := DefaultConfig()
		change(&c)
		if mustModel(t, c).Hash() == h {
			t.Errorf("changing the %s did not change the hash", name)
		}
	}
	for range 10 { // map iteration order must not matter
		if mustModel(t, DefaultConfig()).Hash() != h {
			t.Fatal("hash is not stable")
		}
	}
}

func TestNewModelRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"syntax error names the gate", Config{Weights: map[string]float64{NPS: 1}, Gates: []string{"tenure_days >= 90", "nps >= "}}, []string{"gate 2", `"nps >="`}},
		{"type error", Config{Weights: map[string]float64{NPS: 1}, Gates: []string{`nps > "high"`}}, []string{"gate 1", "mismatched types float64 and string"}},
		{"not a boolean", Config{Weights: map[string]float64{NPS: 1}, Gates: []string{"nps + 1"}}, []string{"gate 1", "expected bool"}},
		{"empty gate", Config{Weights: map[string]float64{NPS: 1}, Gates: []string{" "}}, []string{"gate 1 is empty"}},
		{"no weights", Config{}, []string{"no signal has a non-zero weight"}},
		{"NaN weight", Config{Weights: map[string]float64{NPS: math.NaN()}}, []string{"nps", "finite"}},
		{"min confidence out of range", Config{Weights: map[string]float64{NPS: 1}, MinConfidence: 1.5}, []string{"min_confidence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewModel(tt.cfg)
			if err == nil {
				t.Fatal("NewModel accepted a bad config")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := NewModel(Config{Weights: map[string]float64{"custom_signal": 2}, Gates: []string{"custom_signal > 1 && region == 'eu'"}}); err != nil {
		t.Errorf("custom signals and attributes should be allowed: %v", err)
	}
}
