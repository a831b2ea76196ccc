package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// BenchmarkScan streams 100,000 bulk customers through the readers whole-base scoring uses and
// reports rows/s: the streaming paths must not regress when the store's SQL is reorganised.
func BenchmarkScan(b *testing.B) {
	const n = 100_000
	for _, e := range storetest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			storetest.LoadBulk(b, st, n, time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC))
			ctx := context.Background()
			run := func(b *testing.B, scan func() (int, error)) {
				b.ReportAllocs()
				start := time.Now()
				for range b.N {
					got, err := scan()
					if err != nil {
						b.Fatal(err)
					}
					if got != n {
						b.Fatalf("scanned %d rows, want %d", got, n)
					}
				}
				b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
			}
			b.Run("ScanLatest", func(b *testing.B) {
				run(b, func() (int, error) {
					rows := 0
					err := st.ScanLatest(ctx, func(string, string, []store.LatestValue) error { rows++; return nil })
					return rows, err
				})
			})
			b.Run("ScanAttributes", func(b *testing.B) {
				run(b, func() (int, error) {
					rows := 0
					err := st.ScanAttributes(ctx, func(string, map[string]string) error { rows++; return nil })
					return rows, err
				})
			})
			b.Run("ScanCustomers", func(b *testing.B) {
				run(b, func() (int, error) {
					rows := 0
					err := st.ScanCustomers(ctx, func(advocate.Customer) error { rows++; return nil })
					return rows, err
				})
			})
		})
	}
}
