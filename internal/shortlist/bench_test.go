package shortlist_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/benchtable"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

const benchCustomers = 1_000_000

// bulkID is storetest.LoadBulk's customer id for row i.
func bulkID(i int) string { return fmt.Sprintf("c_%016x", uint64(i)*0x9E3779B97F4A7C15) }

// BenchmarkWeeklyShortlist1M builds the weekly shortlist (shortlist.Make: latest run, customers,
// contacts, decisions, last week's scores, caution lines; stored, not posted) for a million
// customers on each engine: a third eligible, a contact for every second customer, a score run
// last week and this week, 2,000 earlier decisions. Target: <= 5 s on Postgres.
//
//	go test -run '^$' -bench WeeklyShortlist1M -benchtime 3x -timeout 30m ./internal/shortlist
func BenchmarkWeeklyShortlist1M(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			ctx := context.Background()
			now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
			start := time.Now()
			storetest.LoadBulk(b, st, benchCustomers, now.Add(-2*time.Hour))
			seedContacts(b, st, now)
			for w, at := range []time.Time{now.AddDate(0, 0, -7), now.Add(-time.Hour)} {
				st.Now = func() time.Time { return at }
				if _, err := st.SaveScoreRun(ctx, "m", benchScores(float64(w))); err != nil {
					b.Fatal(err)
				}
			}
			st.Now = time.Now
			for i := range 2000 {
				if _, err := st.RecordDecision(ctx, store.Decision{CustomerID: bulkID(i * 3), Kind: "skip", DecidedBy: "csm@vendor.io",
					Week: "2026-W46", Via: "cli"}); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("seeded %d customers, contacts, 2 score runs, 2,000 decisions in %s", benchCustomers, time.Since(start).Round(time.Millisecond))
			src := advocate.Sources{Order: []string{"bench"}, Freshness: 180 * 24 * time.Hour}
			policy := advocate.Policy{Size: 20, SkipCooldown: 30 * 24 * time.Hour}
			b.ResetTimer()
			for round := range b.N {
				b.StopTimer()
				runtime.GC()
				week := fmt.Sprintf("2026-W%02d", 10+round) // a new, unposted week each round
				b.StartTimer()
				t := time.Now()
				sl, _, err := shortlist.Make(ctx, st, policy, src, now, week)
				secs := time.Since(t).Seconds()
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if len(sl.Entries) != 20 {
					b.Fatalf("shortlist of %d entries, want 20", len(sl.Entries))
				}
				b.ReportMetric(secs, "s/shortlist")
				b.Logf("weekly shortlist of %d customers on %s: %.3f s (%.2fx the 5 s target)", benchCustomers, e.Name, secs, secs/5)
				f := benchtable.Figure{Name: "weekly-shortlist-1m/" + e.Name, Figure: secs, Unit: "s"}
				if e.Name == "postgres" {
					f.Max = 5
				}
				benchtable.Print(f)
			}
		})
	}
}

// benchScores is a run as a large base stores it: a third eligible, the top explained, gates
// for the rest.
func benchScores(shift float64) []store.Score {
	out := make([]store.Score, benchCustomers)
	for i := range out {
		s := store.Score{CustomerID: bulkID(i), Rank: i + 1, Score: 90 + shift - float64(i)/1e4, Confidence: 0.9, Eligible: i%3 == 0}
		switch {
		case i < 2000:
			s.Reasons = []string{"NPS 10 (promoter)", "health score 90"}
			s.Contributions = []store.Contribution{{Signal: "nps", Value: 10, Present: true, Goodness: 1, Weight: 3, Points: 3},
				{Signal: "health_score", Value: 90, Present: true, Goodness: 0.9, Weight: 1, Points: 0.9}}
		case !s.Eligible:
			s.FailedGates = []string{"nps >= 7 (nps 5)"}
		}
		out[i] = s
	}
	return out
}

// seedContacts gives every second customer a contact, in one transaction (COPY on Postgres).
func seedContacts(b *testing.B, st *store.Store, at time.Time) {
	b.Helper()
	ctx := context.Background()
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	q := `INSERT INTO contacts (email, customer_id, name, role, champion, opted_out, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	if st.Dialect() == store.Postgres {
		q = `COPY contacts (email, customer_id, name, role, champion, opted_out, source, updated_at) FROM STDIN`
	}
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < benchCustomers; i += 2 {
		if _, err := stmt.ExecContext(ctx, fmt.Sprintf("champ@c%d.example.com", i), bulkID(i), "Champ", "VP Ops", i%4 == 0, false, "bench", at); err != nil {
			b.Fatal(err)
		}
	}
	if st.Dialect() == store.Postgres {
		if _, err := stmt.ExecContext(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if err := stmt.Close(); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
