package ranker

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/benchtable"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/scoring"
)

const benchCustomers = 1_000_000

// scoreRuns is how many score runs BenchmarkScorePostgres1M makes per iteration.
const scoreRuns = 3

var benchNow = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// benchModel weighs all 15 bulk signals, friction negative, with one tenure gate.
func benchModel(b *testing.B) *scoring.Model {
	w := map[string]float64{}
	for _, s := range storetest.BulkSignals {
		w[s] = 1
	}
	w["tickets_90d"], w["tickets_open"], w["escalations_90d"], w["retention_cost"] = -1.5, -0.5, -2, -0.5
	w["nps"] = 3
	m, err := scoring.NewModel(scoring.Config{Weights: w, Gates: []string{"nps >= 7"}, MinConfidence: 0.3})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkScorePostgres1M is `advocate score` end to end on Postgres with a million customers
// x 15 signals: read customers and current signals, score, write every score. Each iteration
// makes scoreRuns score runs (-benchtime 1x: three, each a new run stored, as weekly scoring
// does); the figure is the median run, printed with the minimum: load varies the figures ~40%.
// The reference is the same model as window-function SQL (percent_rank() per signal, weighted
// sum) over the same rows, given work_mem = 1GB as an analyst tuning it would, run once after
// the score runs: it takes minutes, and loading the million rows again would too.
// Targets (issue 16): a score run <= 5 s and >= 4x faster than the SQL.
func BenchmarkScorePostgres1M(b *testing.B) {
	st := storetest.Postgres(b)
	start := time.Now()
	storetest.LoadBulk(b, st, benchCustomers, benchNow)
	b.Logf("loaded %d customers in %s", benchCustomers, time.Since(start).Round(time.Millisecond))
	model := benchModel(b)
	runs := timeScoreRuns(b, st, model, "Postgres", b.N*scoreRuns)
	b.StopTimer()
	slices.Sort(runs)
	minRun, median := runs[0], runs[len(runs)/2]
	b.ReportMetric(median.Seconds(), "s/score-run")
	b.ReportMetric(minRun.Seconds(), "min-s/score-run")

	t3 := time.Now()
	n := windowSQL(b, st, model)
	sqlTime := time.Since(t3)
	b.ReportMetric(sqlTime.Seconds()/median.Seconds(), "sql/score-run-ratio")
	b.Logf("score runs: min %s, median %s of %d (target <= 5 s); same model as Postgres window-function SQL (work_mem 1GB): %s for %d rows, %.1fx the median run, %.1fx the fastest (target >= 4x)",
		minRun.Round(time.Millisecond), median.Round(time.Millisecond), len(runs), sqlTime.Round(time.Millisecond), n,
		sqlTime.Seconds()/median.Seconds(), sqlTime.Seconds()/minRun.Seconds())
	benchtable.Print(benchtable.Figure{Name: "score-1m/postgres", Figure: median.Seconds(), Unit: "s", Max: 5, Reference: sqlTime.Seconds(),
		RefName: "window-function SQL", RefUnit: "s", Ratio: sqlTime.Seconds() / median.Seconds(), MinRatio: 4})
}

// windowSQL computes the weighted percentile-rank score in Postgres and reads every row back.
func windowSQL(b *testing.B, st *store.Store, model *scoring.Model) int {
	weights := model.Config().Weights
	var vals, ranks, sum []string
	var total float64
	for _, s := range storetest.BulkSignals {
		w := weights[s]
		// signals.cur: "time name=value,name=value" (migration 015); the value after "name=".
		vals = append(vals, fmt.Sprintf(`CAST(substring(cur from '[ ,;]%s=([^,;]*)') AS float8) AS %s`, s, s))
		pr := fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN NULL ELSE percent_rank() OVER (PARTITION BY %[1]s IS NULL ORDER BY %[1]s) END", s)
		if w < 0 {
			pr = "1 - " + pr
		}
		ranks = append(ranks, pr+" AS g_"+s)
		sum = append(sum, fmt.Sprintf("%g * COALESCE(g_%s, 0.25)", abs(w), s))
		total += abs(w)
	}
	q := `WITH v AS (SELECT customer_id, ` + strings.Join(vals, ", ") + ` FROM signals WHERE source = 'bench'),
		r AS (SELECT customer_id, ` + strings.Join(ranks, ", ") + ` FROM v)
		SELECT customer_id, 100 * (` + strings.Join(sum, " + ") + fmt.Sprintf(`) / %g AS score FROM r ORDER BY score DESC, customer_id`, total)
	ctx := context.Background()
	conn, err := st.DB().Conn(ctx) // one session, so the SET applies to the query
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET work_mem = '1GB'`); err != nil {
		b.Fatal(err)
	}
	defer conn.ExecContext(ctx, `RESET work_mem`)
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var score float64
		if err := rows.Scan(&id, &score); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// timeScoreRuns times n runs of `advocate score` (read, score, write every score) on st and
// logs each with its parts; the 1M benchmarks on both engines share it.
func timeScoreRuns(b *testing.B, st *store.Store, model *scoring.Model, engine string, n int) []time.Duration {
	b.Helper()
	src := advocate.Sources{Order: []string{"bench"}, Freshness: 180 * 24 * time.Hour}
	ctx := context.Background()
	var runs []time.Duration
	b.ResetTimer()
	for range n {
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
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/1e6, "heap-MB")
		b.Logf("advocate score, %d customers on %s: %s total (read %s, score %s, write %s)",
			len(results), engine, total.Round(time.Millisecond), read.Round(time.Millisecond), scored.Round(time.Millisecond), written.Round(time.Millisecond))
	}
	return runs
}
