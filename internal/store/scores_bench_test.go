package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// BenchmarkSaveScoreRun writes one run of 1,000,000 scores (most without contributions, as a
// large base is stored) and prints rows/s.
func BenchmarkSaveScoreRun(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
			storetest.LoadBulk(b, st, 1_000_000, at)
			scores := make([]store.Score, 1_000_000)
			for i := range scores {
				scores[i] = store.Score{CustomerID: fmt.Sprintf("c_%016x", uint64(i)*0x9E3779B97F4A7C15), Rank: i + 1, Score: float64(i%100) / 3,
					Confidence: 0.9, Eligible: i%3 == 0}
				if !scores[i].Eligible {
					scores[i].FailedGates = []string{"nps >= 7"}
				}
			}
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := st.SaveScoreRun(context.Background(), "h", scores); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(scores))/time.Since(start).Seconds(), "rows/s")
			}
		})
	}
}
