package ranker

import (
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// BenchmarkScoreSQLite1M is BenchmarkScorePostgres1M on the embedded SQLite store (the default
// without a DSN): three score runs per iteration, min and median printed. No target beyond
// "no worse than before" (issue 16), and no SQL reference.
func BenchmarkScoreSQLite1M(b *testing.B) {
	st := storetest.SQLite(b)
	start := time.Now()
	storetest.LoadBulk(b, st, benchCustomers, benchNow)
	b.Logf("loaded %d customers in %s", benchCustomers, time.Since(start).Round(time.Millisecond))
	runs := timeScoreRuns(b, st, benchModel(b), "SQLite", b.N*3)
	b.StopTimer()
	slices.Sort(runs)
	b.ReportMetric(runs[len(runs)/2].Seconds(), "s/score-run")
	b.ReportMetric(runs[0].Seconds(), "min-s/score-run")
	b.Logf("score runs on SQLite: min %s, median %s of %d", runs[0].Round(time.Millisecond), runs[len(runs)/2].Round(time.Millisecond), len(runs))
}
