package hubspot

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// genCompanies makes company i on request, so 100,000 of them cost no memory in the fake.
type genCompanies int

func (g genCompanies) Len() int { return int(g) }

func (g genCompanies) At(i int) fakeObject {
	mod := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	return fakeObject{ID: strconv.Itoa(1_000_000 + i), Props: map[string]string{
		"name": fmt.Sprintf("Company %06d", i), "domain": fmt.Sprintf("c%06d.example.com", i),
		"industry": "COMPUTER_SOFTWARE", "lifecyclestage": "customer", "numberofemployees": strconv.Itoa(10 + i%5000),
		"hubspot_owner_id": strconv.Itoa(101 + i%3), "total_revenue": strconv.Itoa(1000 + i%100_000),
		"health_score_custom": strconv.Itoa(i % 101), "mrr": strconv.Itoa(100 + i%9000), "plan_tier": "growth",
		"hs_lastmodifieddate": mod.Format(time.RFC3339Nano)}}
}

// genDeals makes one won expansion deal for every 50th company.
type genDeals int

func (g genDeals) Len() int { return int(g) }

func (g genDeals) At(i int) fakeObject {
	return fakeObject{ID: strconv.Itoa(5_000_000 + i), Companies: []string{strconv.Itoa(1_000_000 + i*50)}, Props: map[string]string{
		"dealtype": "existingbusiness", "dealstage": "closedwon", "hs_is_closed_won": "true", "amount": "5000",
		"closedate": "2026-06-01T00:00:00Z", "hs_lastmodifieddate": "2026-06-01T00:00:00Z"}}
}

// peakHeap samples HeapInuse until stop is closed and returns the highest value seen.
func peakHeap(stop <-chan struct{}) func() uint64 {
	var peak atomic.Uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { wg.Wait(); return peak.Load() }
}

// BenchmarkFullSync100k runs a full sync of a portal with 100,000 companies (and 2,000
// expansion deals) from a local fake into a store, through the real HTTP client, cursor
// commits and store ingest. It reports records (customers + signals) per second and the peak
// heap in use, in MB — the fake server runs in the same process and is included.
func BenchmarkFullSync100k(b *testing.B) {
	const companies = 100_000
	// "discard" runs the connector into a sink that only counts: the connector's own ceiling
	// (HTTP, JSON, mapping), without the store.
	engines := append([]storetest.Engine{{Name: "discard"}}, storetest.Engines...)
	for _, e := range engines {
		b.Run(e.Name, func(b *testing.B) {
			var records int
			var elapsed time.Duration
			var peak uint64
			for range b.N {
				b.StopTimer()
				f := newFake()
				f.listPage = listLimit
				f.data = map[string]source{"companies": genCompanies(companies), "deals": genDeals(companies / 50), "contacts": objects{}}
				srv := connectortest.NewServer(b, f)
				s := connectortest.Point(settings(), srv, &connectortest.Waits{})
				var st *store.Store
				if e.Open != nil {
					st = e.Open(b)
				}
				runtime.GC()
				stop := make(chan struct{})
				wait := peakHeap(stop)
				b.StartTimer()
				start := time.Now()
				n, err := syncInto(b, st, s)
				elapsed += time.Since(start)
				b.StopTimer()
				close(stop)
				peak = max(peak, wait())
				if err != nil {
					b.Fatal(err)
				}
				records += n
			}
			b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
			b.ReportMetric(float64(companies*b.N)/elapsed.Seconds(), "companies/s")
			b.ReportMetric(float64(peak)/(1<<20), "MB")
		})
	}
}

// countSink counts records and drops them.
type countSink struct{ records, customers int }

func (k *countSink) Commit(_ context.Context, p connectors.Page) error {
	k.records += p.Records()
	k.customers += len(p.Customers)
	return nil
}

// syncInto runs one full sync into st (nil: a counting sink) and returns the records
// committed.
func syncInto(b *testing.B, st *store.Store, s connectors.Settings) (int, error) {
	const companies = 100_000
	if st == nil {
		c, err := New(s)
		if err != nil {
			return 0, err
		}
		k := &countSink{}
		if err := c.Sync(context.Background(), "", k); err != nil {
			return 0, err
		}
		if k.customers != companies {
			return 0, fmt.Errorf("%d customers, want %d", k.customers, companies)
		}
		return k.records, nil
	}
	r := connectortest.Sync(b, st, s)
	if r.Failed() {
		return 0, errors.New(r.Error)
	}
	if r.Created != companies {
		return 0, fmt.Errorf("created %d customers, want %d", r.Created, companies)
	}
	return r.Records, nil
}
