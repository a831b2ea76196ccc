package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/benchtable"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// BenchmarkSaveScoreRun writes one run of 1,000,000 scores (most without contributions, as a
// large base is stored: only the explained top gets a row, the rest go into packs) and prints
// rows/s and, per run, a BENCH line (target on Postgres: 0.7 s, issue 16).
func BenchmarkSaveScoreRun(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
			storetest.LoadBulk(b, st, 1_000_000, at)
			scores := make([]store.Score, 1_000_000)
			const detailed = 2200
			for i := range scores {
				scores[i] = store.Score{CustomerID: fmt.Sprintf("c_%016x", uint64(i)*0x9E3779B97F4A7C15), Rank: i + 1, Score: float64(i%100) / 3,
					Confidence: 0.9, Eligible: i%3 == 0}
				if !scores[i].Eligible {
					scores[i].FailedGates = []string{"nps >= 7"}
				}
				if i < detailed { // the explained top of a large base (ranker's detailPolicy)
					scores[i].Contributions = []store.Contribution{{Signal: "nps", Value: 9, Present: true, Goodness: 3, Weight: 3, Points: 9},
						{Signal: "seats", Value: 40, Present: true, Goodness: 0.5, Weight: 2, Points: 1}}
					scores[i].Reasons = []string{"NPS 9 — promoter", "40 seats"}
				}
			}
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := st.SaveScoreRun(context.Background(), "h", scores); err != nil {
					b.Fatal(err)
				}
				secs := time.Since(start).Seconds()
				b.ReportMetric(float64(len(scores))/secs, "rows/s")
				fig := benchtable.Figure{Name: "save-score-run-1m/" + e.Name, Figure: secs, Unit: "s",
					Note: fmt.Sprintf("%d detailed rows", detailed)}
				if e.Name == "postgres" {
					fig.Max = 0.7
				}
				benchtable.Print(fig)
			}
		})
	}
}
