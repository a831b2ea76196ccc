package ranker

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/scoring"
)

// BenchmarkScoreSQLite1M is BenchmarkScorePostgres1M on the embedded SQLite store (the default
// without a DSN): three score runs per iteration, min and median printed. No target beyond
// "no worse than before" (issue 16), and no SQL reference.
func BenchmarkScoreSQLite1M(b *testing.B) {
	st := storetest.SQLite(b)
	start := time.Now()
	storetest.LoadBulk(b, st, benchCustomers, benchNow)
	b.Logf("loaded %d customers in %s", benchCustomers, time.Since(start).Round(time.Millisecond))
	model := benchModel(b)
	src := advocate.Sources{Order: []string{"bench"}, Freshness: 180 * 24 * time.Hour}
	ctx := context.Background()
	var runs []time.Duration
	b.ResetTimer()
	for range b.N * 3 {
		runtime.GC()
		t0 := time.Now()
		tbl, err := LoadTable(ctx, st, src, benchNow)
		if err != nil {
			b.Fatal(err)
		}
		read := time.Since(t0)
		t1 := time.Now()
		results := model.ScoreTable(benchNow, tbl, scoring.Options{Detail: detailPolicy(len(tbl.IDs))})
		scored := time.Since(t1)
		t2 := time.Now()
		rows := make([]store.Score, len(results))
		for i, r := range results {
			rows[i] = ToStore(r)
		}
		if _, err := st.SaveScoreRun(ctx, model.Hash(), rows); err != nil {
			b.Fatal(err)
		}
		written := time.Since(t2)
		total := time.Since(t0)
		runs = append(runs, total)
		b.Logf("advocate score, %d customers on SQLite: %s total (read %s, score %s, write %s)",
			len(results), total.Round(time.Millisecond), read.Round(time.Millisecond), scored.Round(time.Millisecond), written.Round(time.Millisecond))
	}
	b.StopTimer()
	slices.Sort(runs)
	b.ReportMetric(runs[len(runs)/2].Seconds(), "s/score-run")
	b.ReportMetric(runs[0].Seconds(), "min-s/score-run")
	b.Logf("score runs on SQLite: min %s, median %s of %d", runs[0].Round(time.Millisecond), runs[len(runs)/2].Round(time.Millisecond), len(runs))
}
