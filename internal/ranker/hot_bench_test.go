package ranker

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/benchtable"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/scoring"
)

// BenchmarkHotRescore1M is `serve` re-scoring after a sync: a million customers x 15 signals
// loaded into the hot table once, then a sync (untimed, through CommitPage) changes three
// signals of 1% of the customers, and the timed work is the refresh (reading the 10,000
// changed customers), scoring everyone (percentiles are relative) and storing the run.
// Targets: <= 1 s of work, daemon RSS <= 1 GB. On each engine (SQLite: printed, no target).
//
//	go test -run '^$' -bench HotRescore1M -benchtime 1x -timeout 30m ./internal/ranker
func BenchmarkHotRescore1M(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			ctx := context.Background()
			start := time.Now()
			storetest.LoadBulk(b, st, benchCustomers, benchNow)
			b.Logf("loaded %d customers in %s", benchCustomers, time.Since(start).Round(time.Millisecond))
			src := advocate.Sources{Order: []string{"bench"}, Freshness: 180 * 24 * time.Hour}
			model := benchModel(b)
			clock := benchNow.Add(time.Hour)
			st.Now = func() time.Time { return clock }
			runtime.GC()
			debug.FreeOSMemory()
			t0 := time.Now()
			hot, err := LoadHot(ctx, st, src, clock)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := hot.Rescore(ctx, model, clock); err != nil { // the first run after start
				b.Fatal(err)
			}
			b.Logf("start: full read and first run in %s", time.Since(t0).Round(time.Millisecond))
			const changed = benchCustomers / 100
			prevRank, prevScore := ranksByRow(hot, model.ScoreTable(clock, hot.Table(), scoring.Options{}))
			b.ResetTimer()
			for round := range b.N {
				b.StopTimer()
				clock = clock.Add(time.Hour)
				syncOnePercent(b, st, round, changed, clock)
				debug.FreeOSMemory() // RSS then counts what the daemon holds and the re-scoring adds
				b.StartTimer()
				t := time.Now()
				scored, tm, err := hot.Rescore(ctx, model, clock)
				secs := time.Since(t).Seconds()
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if tm.Reread < changed || scored.Run.Customers != benchCustomers {
					b.Fatalf("re-read %d customers, scored %d; want >= %d of %d", tm.Reread, scored.Run.Customers, changed, benchCustomers)
				}
				rss, peak := benchtable.RSSMB()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				// What a delta write would have to store: rows whose rank, displayed score or
				// eligibility moved.
				results := model.ScoreTable(clock, hot.Table(), scoring.Options{}) // what the run stored, untimed
				rank, score := ranksByRow(hot, results)
				moved, rescored := 0, 0
				for i := range rank {
					if i >= len(prevRank) || rank[i] != prevRank[i] {
						moved++
					}
					if i >= len(prevScore) || math.Abs(score[i]-prevScore[i]) >= 0.005 {
						rescored++
					}
				}
				prevRank, prevScore = rank, score
				results = nil
				b.ReportMetric(secs, "s/rescore")
				b.ReportMetric(rss, "RSS-MB")
				b.ReportMetric(float64(ms.HeapAlloc)/1e6, "heap-MB")
				b.Logf("hot re-scoring on %s after a 1%% sync: %.3f s (%.2fx the 1 s target): refresh %s (%d customers re-read), score %s, write %s; RSS %.0f MB (peak %.0f), heap %.0f MB; rank changed for %d customers, score by >= 0.005 for %d",
					e.Name, secs, secs/1, tm.Refresh.Round(time.Millisecond), tm.Reread, tm.Score.Round(time.Millisecond),
					tm.Write.Round(time.Millisecond), rss, peak, float64(ms.HeapAlloc)/1e6, moved, rescored)
				fig := benchtable.Figure{Name: "hot-rescore-1m/" + e.Name, Figure: secs, Unit: "s",
					Note: fmt.Sprintf("refresh %.2fs score %.2fs write %.2fs", tm.Refresh.Seconds(), tm.Score.Seconds(), tm.Write.Seconds())}
				compute := benchtable.Figure{Name: "hot-rescore-1m-compute/" + e.Name, Figure: (tm.Refresh + tm.Score).Seconds(), Unit: "s",
					Note: "refresh + score, no write"}
				mem := benchtable.Figure{Name: "serve-rss-1m/" + e.Name, Figure: rss, Unit: "MB", Note: fmt.Sprintf("heap %.0f MB", float64(ms.HeapAlloc)/1e6)}
				if e.Name == "postgres" {
					fig.Max, compute.Max, mem.Max = 1, 1, 1000
				}
				benchtable.Print(fig)
				benchtable.Print(compute)
				benchtable.Print(mem)
			}
		})
	}
}

// syncOnePercent commits, as a connector would, new values of three signals for n customers
// (a different slice of the base each round), in pages of 2,000 customers.
func syncOnePercent(b *testing.B, st *store.Store, round, n int, at time.Time) {
	b.Helper()
	ctx := context.Background()
	step := benchCustomers / n // spread over the base
	var p connectors.Page
	flush := func() {
		if _, err := st.CommitPage(ctx, "bench", 0, p); err != nil {
			b.Fatal(err)
		}
		p = connectors.Page{}
	}
	for k := range n {
		i := (k*step + round + 1) % benchCustomers
		ref := connectors.Ref{Domain: fmt.Sprintf("c%d.example.com", i)}
		v := float64((i*31+round*7)%100) / 10
		p.Signals = append(p.Signals,
			connectors.Signal{Customer: ref, Name: "nps", Value: v, ObservedAt: at},
			connectors.Signal{Customer: ref, Name: "health_score", Value: v * 10, ObservedAt: at},
			connectors.Signal{Customer: ref, Name: "tickets_90d", Value: float64(round % 5), ObservedAt: at})
		if len(p.Signals) >= 6000 {
			flush()
		}
	}
	if len(p.Signals) > 0 {
		flush()
	}
}

// ranksByRow returns rank and score per table row (zero when results is nil).
func ranksByRow(h *Hot, results []scoring.Result) ([]int, []float64) {
	n := len(h.Table().IDs)
	rank, score := make([]int, n), make([]float64, n)
	for _, r := range results {
		i := hotRow(h, r.ID)
		rank[i], score[i] = r.Rank, r.Score
	}
	return rank, score
}

func hotRow(h *Hot, id string) int {
	i, _ := h.b.index.get(h.b.t.IDs, id)
	return i
}
