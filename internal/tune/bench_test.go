package tune

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkTuneFit fits the penalised logistic regression on 10,000 affiliates × 15 signals
// (prior calibration + fit, as Run does for the full data) and prints the time against the
// 2 s target: go test -run '^$' -bench TuneFit ./internal/tune
func BenchmarkTuneFit(b *testing.B) {
	const n, k = 10000, 15
	rng := rand.New(rand.NewPCG(1, 2))
	p := problem{x: make([]float64, n*k), y: make([]float64, n), n: n, k: k}
	absW := make([]float64, k)
	for j := range absW {
		absW[j] = 1 + float64(j%4)
	}
	for i := range n {
		z := -2.0
		for j := range k {
			x := rng.Float64()
			p.x[i*k+j] = x
			z += float64(k-j) / 5 * x
		}
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			p.y[i] = 1
		}
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		_, _ = fit(p, calibratedPrior(p, absW), lambda)
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(per.Seconds()/2, "of-2s-target")
	b.Logf("fit on %d affiliates × %d signals: %v per fit (%.1f%% of the 2 s target)", n, k, per, 100*per.Seconds()/2)
}
