package store_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/benchtable"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// BenchmarkIngest loads 1,000,000 signal observations (100,000 customers x 10 signals) through
// CommitPage, the path every connector uses, and prints rows/s. On Postgres it also times a raw
// COPY of the same rows into a bare table and prints the ratio: what the merge (history
// dedupe, latest-value upsert, identity resolution) costs over the hardware's limit.
func BenchmarkIngest(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			const customers, perCustomer, pageSignals = 100_000, 10, 50_000
			for range b.N {
				b.StopTimer()
				st := e.Open(b)
				ctx := context.Background()
				domains := make([]string, customers)
				for i := range domains {
					domains[i] = fmt.Sprintf("c%06d.example.com", i)
				}
				// Customers first, as a CRM sync would bring them.
				start := time.Now()
				for lo := 0; lo < customers; lo += 10_000 {
					var p connectors.Page
					for _, d := range domains[lo : lo+10_000] {
						p.Customers = append(p.Customers, connectors.Customer{Ref: connectors.Ref{Domain: d, ExternalID: d}, Name: d})
					}
					if _, err := st.CommitPage(ctx, "crm", 0, p); err != nil {
						b.Fatal(err)
					}
				}
				custSecs := time.Since(start).Seconds()

				t0 := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
				names := []string{"nps", "health_score", "csat", "active_users", "seats", "product_events_30d", "ltv", "mrr", "tickets_90d", "tickets_open"}
				var pages []connectors.Page
				var p connectors.Page
				for i, d := range domains {
					for j, n := range names {
						p.Signals = append(p.Signals, connectors.Signal{Customer: connectors.Ref{Domain: d}, Name: n, Value: float64(i*j%71) / 7, ObservedAt: t0}) // 0–10: in every signal's range
					}
					if len(p.Signals) >= pageSignals {
						pages = append(pages, p)
						p = connectors.Page{}
					}
				}
				runtime.GC()
				b.StartTimer()
				start = time.Now()
				rows := 0
				for _, p := range pages {
					res, err := st.CommitPage(ctx, "usage", 0, p)
					if err != nil {
						b.Fatal(err)
					}
					rows += res.Signals
				}
				secs := time.Since(start).Seconds()
				b.StopTimer()
				if rows != customers*perCustomer {
					b.Fatalf("%d rows stored, want %d", rows, customers*perCustomer)
				}
				b.ReportMetric(float64(rows)/secs, "signals/s")
				b.ReportMetric(float64(customers)/custSecs, "customers/s")
				if st.Dialect() == store.Postgres {
					raw := rawCopy(b, st, pages)
					b.ReportMetric(raw, "rawCOPY-rows/s")
					b.Logf("%s: %.0f signals/s through CommitPage, raw COPY %.0f rows/s, ratio %.2f; customers %.0f/s",
						e.Name, float64(rows)/secs, raw, float64(rows)/secs/raw, float64(customers)/custSecs)
					benchtable.Print(benchtable.Figure{Name: "ingest/postgres", Figure: float64(rows) / secs, Unit: "signals/s", Reference: raw,
						RefName: "raw COPY", RefUnit: "rows/s", Ratio: float64(rows) / secs / raw, MinRatio: 0.5})
				} else {
					b.Logf("%s: %.0f signals/s through CommitPage; customers %.0f/s", e.Name, float64(rows)/secs, float64(customers)/custSecs)
					benchtable.Print(benchtable.Figure{Name: "ingest/sqlite", Figure: float64(rows) / secs, Unit: "signals/s"})
				}
				b.StartTimer()
			}
		})
	}
}

// rawCopy measures COPY of the same rows into an unindexed table: the ceiling.
func rawCopy(b *testing.B, st *store.Store, pages []connectors.Page) float64 {
	db := st.DB()
	if _, err := db.Exec(`CREATE TABLE raw_copy (customer TEXT, name TEXT, value DOUBLE PRECISION, observed_at TIMESTAMPTZ)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`COPY raw_copy (customer, name, value, observed_at) FROM STDIN`)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, p := range pages {
		for _, s := range p.Signals {
			if _, err := stmt.Exec(s.Customer.Domain, s.Name, s.Value, s.ObservedAt); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	if _, err := stmt.Exec(); err != nil {
		b.Fatal(err)
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return float64(n) / time.Since(start).Seconds()
}
