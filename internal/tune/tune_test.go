package tune

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/scoring"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// universe draws n affiliates with every default signal (raw values, as connectors report
// them) and a label from outcome(raw signals). Features go through the real transforms.
func universe(t testing.TB, n int, seed uint64, outcome func(rng *rand.Rand, s map[string]float64) bool) Data {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	cs := make([]scoring.Customer, n)
	labels := make([]bool, n)
	for i := range cs {
		s := map[string]float64{
			scoring.NPS:              float64(rng.IntN(11)),
			scoring.HealthScore:      float64(rng.IntN(101)),
			scoring.CSAT:             1 + 4*rng.Float64(),
			scoring.ActiveUsers:      float64(1 + rng.IntN(200)),
			scoring.ProductEvents30d: float64(rng.IntN(5000)),
			scoring.UsageTrend:       2*rng.Float64() - 1,
			scoring.LTV:              float64(rng.IntN(100000)),
			scoring.Upsells12m:       float64(rng.IntN(4)),
			scoring.ReferralsMade:    float64(rng.IntN(3)),
			scoring.TenureDays:       float64(90 + rng.IntN(1500)),
			scoring.Tickets90d:       float64(rng.IntN(30)),
			scoring.Escalations90d:   float64(rng.IntN(6)),
			scoring.TicketsOpen:      float64(rng.IntN(8)),
			scoring.RetentionCost:    float64(rng.IntN(5000)),
		}
		cs[i] = scoring.Customer{ID: "c" + strconv.Itoa(i), Signals: s}
		labels[i] = outcome(rng, s)
	}
	signals, weights, g, err := Features(scoring.DefaultConfig(), now, cs)
	if err != nil {
		t.Fatal(err)
	}
	d := Data{Signals: signals, Weights: weights}
	for i, c := range cs {
		ref := 0
		if labels[i] {
			ref = 1 + rng.IntN(3)
		}
		d.Samples = append(d.Samples, Sample{ID: c.ID, Goodness: g[i], Positive: labels[i], Referrals: ref})
	}
	return d
}

// knownRule: productive affiliates are the ones whose usage is growing, who rate support
// well and who rarely escalate — NPS and health score (the default's top weights) play no part.
func knownRule(rng *rand.Rand, s map[string]float64) bool {
	z := -4 + 5*(s[scoring.UsageTrend]+1)/2 + 3*(s[scoring.CSAT]-1)/4 + 2*(1-s[scoring.Escalations90d]/5)
	return rng.Float64() < 1/(1+math.Exp(-z))
}

func noise(rng *rand.Rand, _ map[string]float64) bool { return rng.Float64() < 0.3 }

func TestRun(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		rule  func(*rand.Rand, map[string]float64) bool
		check func(t *testing.T, r Report)
	}{
		{"known rule: signs and order recovered, clear AUC gain", 2000, knownRule, func(t *testing.T, r Report) {
			if !r.Proposed {
				t.Fatalf("not proposed: %s", r.Verdict)
			}
			top := topSignals(r.Weights, 3)
			want := []string{scoring.UsageTrend, scoring.CSAT, scoring.Escalations90d}
			if !slices.Equal(top, want) {
				t.Errorf("largest learned weights %v, want the rule's order %v (weights %v)", top, want, r.Weights)
			}
			for name, w := range r.Weights {
				if cur := r.CurrentWeights[name]; w*cur < 0 {
					t.Errorf("%s: learned %v has the opposite sign of current %v", name, w, cur)
				}
			}
			if r.Weights[scoring.Escalations90d] >= 0 {
				t.Errorf("escalations_90d learned %v, want negative (friction)", r.Weights[scoring.Escalations90d])
			}
			if gain := *r.Learned.AUC - *r.Current.AUC; gain < 0.1 {
				t.Errorf("out-of-sample AUC learned %.3f vs current %.3f: gain %.3f, want ≥ 0.10", *r.Learned.AUC, *r.Current.AUC, gain)
			}
			if r.AUCDifference.Low <= 0 {
				t.Errorf("interval %+v should exclude 0", *r.AUCDifference)
			}
		}},
		{"pure noise: no reliable improvement", 600, noise, func(t *testing.T, r Report) {
			if r.Proposed {
				t.Fatalf("proposed weights from noise: %s", r.Verdict)
			}
			if !strings.Contains(r.Verdict, "no reliable improvement") {
				t.Errorf("verdict %q", r.Verdict)
			}
		}},
		{"too little data: refused, says needed vs have", 40, knownRule, func(t *testing.T, r Report) {
			if r.Proposed || r.Current.AUC != nil {
				t.Fatalf("backtested/proposed on 40 samples: %+v", r)
			}
			for _, want := range []string{"at least 50", "has 40"} {
				if !strings.Contains(r.Verdict, want) {
					t.Errorf("verdict %q lacks %q", r.Verdict, want)
				}
			}
			if r.Weights[scoring.NPS] != 3 {
				t.Errorf("weights should stay current when refused, nps %v", r.Weights[scoring.NPS])
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Run(universe(t, tc.n, 42, tc.rule), Options{})
			t.Logf("AUC current %v learned %v, diff %+v, verdict: %s", deref(r.Current.AUC), deref(r.Learned.AUC), r.AUCDifference, r.Verdict)
			tc.check(t, r)
		})
	}
}

func TestRunIsDeterministic(t *testing.T) {
	d := universe(t, 300, 3, knownRule)
	a, _ := json.Marshal(Run(d, Options{}))
	b, _ := json.Marshal(Run(d, Options{}))
	if string(a) != string(b) {
		t.Error("two runs on the same data differ")
	}
}

func TestScaleKeepsSumOfWeights(t *testing.T) {
	r := Run(universe(t, 500, 9, knownRule), Options{})
	var cur, lrn float64
	for name, w := range r.Weights {
		lrn += math.Abs(w)
		cur += math.Abs(r.CurrentWeights[name])
	}
	if math.Abs(cur-lrn) > 0.1 {
		t.Errorf("Σ|learned| = %v, want Σ|current| = %v", lrn, cur)
	}
}

func topSignals(w map[string]float64, n int) []string {
	names := make([]string, 0, len(w))
	for k := range w {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := math.Abs(w[b]) - math.Abs(w[a]); c != 0 {
			if c > 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return names[:n]
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
