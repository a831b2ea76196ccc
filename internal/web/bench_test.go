package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// BenchmarkWeekPage1M renders This week, signed in, over HTTP, on a Postgres store with a
// million customers and two score runs of a million scores each (last week's and this week's),
// 20 listed candidates and 2,000 earlier decisions. Target: under 200 ms per page; it prints
// the median and the ratio to the target.
func BenchmarkWeekPage1M(b *testing.B) {
	const n, listed, decisions = 1_000_000, 20, 2_000
	ctx := context.Background()
	st := storetest.Postgres(b)
	start := time.Now()
	storetest.LoadBulk(b, st, n, t0.Add(-2*time.Hour))
	id := func(i int) string { return fmt.Sprintf("c_%016x", uint64(i)*0x9E3779B97F4A7C15) }
	scores := func(base float64) []store.Score {
		out := make([]store.Score, n)
		for i := range out {
			out[i] = store.Score{CustomerID: id(i), Rank: i + 1, Score: base - float64(i)/1e4, Confidence: 0.9, Eligible: i%3 == 0,
				Reasons: []string{"NPS 10 (promoter)"}}
		}
		return out
	}
	st.Now = func() time.Time { return t0.Add(-7 * 24 * time.Hour) }
	if _, err := st.SaveScoreRun(ctx, "m", scores(90)); err != nil {
		b.Fatal(err)
	}
	st.Now = func() time.Time { return t0.Add(-time.Hour) }
	run, err := st.SaveScoreRun(ctx, "m", scores(92))
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]store.ShortlistEntry, listed)
	for i := range entries {
		c := id(i * 3)
		entries[i] = store.ShortlistEntry{CustomerID: c, Rank: i + 1, Score: 92 - float64(i*3)/1e4, ContactEmail: "champ@" + c + ".io",
			ContactName: "Champ", ContactRole: "VP Ops", Reasons: []string{"NPS 10 (promoter)", "health 90"}}
	}
	if _, err := st.SaveShortlist(ctx, "2026-W47", run.ID, entries); err != nil {
		b.Fatal(err)
	}
	for i := range decisions {
		if _, err := st.RecordDecision(ctx, store.Decision{CustomerID: id(n - 1 - i), Kind: "skip", DecidedBy: "csm@vendor.io",
			Week: "2026-W46", Via: "cli"}); err != nil {
			b.Fatal(err)
		}
	}
	sync, _, err := st.BeginSyncRun(ctx, "crm")
	if err == nil {
		err = st.FinishSyncRun(ctx, sync, "crm", 0, nil)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d customers, 2 score runs, %d decisions in %s", n, decisions, time.Since(start).Round(time.Millisecond))

	s := newSite(b, st, nil)
	br := s.signIn(b, RoleCSM)
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		status, _ := br.get(b, "/")
		times = append(times, time.Since(t))
		if status != http.StatusOK {
			b.Fatalf("GET / = %d", status)
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	med := times[len(times)/2]
	b.ReportMetric(float64(med.Microseconds())/1000, "ms/page")
	b.Logf("This week on %d customers (Postgres): median %s over %d renders, %.2f of the 200 ms target",
		n, med.Round(100*time.Microsecond), len(times), med.Seconds()/0.2)
}
