package intercom

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// workspace is a generated Intercom workspace: conversations by contacts spread over
// companies, every conversation in the window; want is tickets_90d per company domain.
func workspace(conversations, contacts, companies int) (f *fake, want map[string]float64) {
	f = &fake{contacts: map[string]obj{}, now: func() time.Time { return connectortest.Clock }}
	want = map[string]float64{}
	for i := range companies {
		id := fmt.Sprintf("c%d", i)
		f.companies = append(f.companies, fakeCompany(id, "Company "+id, id+".example", "", 10, nil, ""))
		want[id+".example"] = 0
	}
	for i := range contacts {
		id := fmt.Sprintf("u%d", i)
		f.contacts[id] = contact(id, id+"@example.org", fmt.Sprintf("c%d", i%companies))
	}
	for i := range conversations {
		u := i % contacts
		f.conversations = append(f.conversations, conv(fmt.Sprintf("k%d", i), "2026-11-01", "closed", "not_priority", 0, fmt.Sprintf("u%d", u)))
		want[fmt.Sprintf("c%d.example", u%companies)]++
	}
	return f, want
}

// bigSettings pages conversations 150 at a time, as the connector does by default.
func bigSettings(srv *connectortest.Server, waits *connectortest.Waits) connectors.Settings {
	s := connectortest.Point(settings(), srv, waits)
	s.Options = map[string]string{"rate_per_minute": "600000"}
	return s
}

func checkTickets(t *testing.T, st *store.Store, want map[string]float64) {
	t.Helper()
	custs := connectortest.Customers(t, st)
	if len(custs) != len(want) {
		t.Errorf("%d customers, want %d", len(custs), len(want))
	}
	for _, c := range custs {
		if got := connectortest.Latest(t, st, c.ID)["tickets_90d"].Value; got != want[c.Domain] {
			t.Errorf("%s tickets_90d = %v, want %v", c.Domain, got, want[c.Domain])
		}
	}
}

func syncOK(t *testing.T, st *store.Store, s connectors.Settings) syncer.Result {
	t.Helper()
	r := connectortest.Sync(t, st, s)
	if r.Failed() {
		t.Fatal(r.Error)
	}
	return r
}

// The contact calls grow with the distinct contacts / 150, not with the conversations, and the
// run reports every call it made and Intercom's remaining limit.
func TestContactCallsGrowWithContactsNotConversations(t *testing.T) {
	tests := []struct {
		conversations, contacts int
		wantSearches            int
	}{
		{300, 40, 1},
		{600, 40, 1},
		{300, 300, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d conversations by %d contacts", tt.conversations, tt.contacts), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				f, want := workspace(tt.conversations, tt.contacts, 10)
				srv := connectortest.NewServer(t, f)
				r := syncOK(t, st, bigSettings(srv, &connectortest.Waits{}))
				if f.contactSearches != tt.wantSearches || f.contactGets != 0 {
					t.Errorf("%d contact searches and %d contact reads, want %d and none", f.contactSearches, f.contactGets, tt.wantSearches)
				}
				if r.APICalls != srv.Requests() {
					t.Errorf("run reports %d API calls, the API served %d", r.APICalls, srv.Requests())
				}
				wantLimit := connectors.Limit{Remaining: int64(fakeRateLimit - srv.Requests()), Limit: fakeRateLimit, Window: "10s"}
				if r.APILimit == nil || *r.APILimit != wantLimit {
					t.Errorf("limit = %v, want %v", r.APILimit, wantLimit)
				}
				checkTickets(t, st, want)
			})
		})
	}
}

// A second run reads no contact (the cursor caches them); a week later they are read again.
func TestContactCacheAcrossRuns(t *testing.T) { storetest.Each(t, testContactCacheAcrossRuns) }

func testContactCacheAcrossRuns(t *testing.T, st *store.Store) {
	f, want := workspace(300, 40, 10)
	srv := connectortest.NewServer(t, f)
	s := bigSettings(srv, &connectortest.Waits{})
	first := syncOK(t, st, s)
	second := syncOK(t, st, s)
	if f.contactSearches != 1 || f.contactGets != 0 {
		t.Errorf("after two runs: %d contact searches, %d reads; want 1 and none (the second run uses the cache)", f.contactSearches, f.contactGets)
	}
	if second.APICalls >= first.APICalls {
		t.Errorf("second run made %d calls, first %d; want fewer", second.APICalls, first.APICalls)
	}
	checkTickets(t, st, want)

	later := connectortest.Clock.Add(contactCacheTTL + time.Hour)
	s.Runtime.Now = func() time.Time { return later }
	syncOK(t, st, s)
	if f.contactSearches != 2 {
		t.Errorf("%d contact searches after the cache aged out, want 2", f.contactSearches)
	}
}

// A contact Intercom has not indexed for search yet is read by id; one that is gone has no
// company.
func TestContactNotYetSearchable(t *testing.T) { storetest.Each(t, testContactNotYetSearchable) }

func testContactNotYetSearchable(t *testing.T, st *store.Store) {
	f, want := workspace(50, 5, 5)
	f.unindexed = map[string]bool{"u3": true}
	f.conversations = append(f.conversations, conv("gone", "2026-11-02", "closed", "not_priority", 0, "u-deleted"))
	srv := connectortest.NewServer(t, f)
	syncOK(t, st, bigSettings(srv, &connectortest.Waits{}))
	if f.contactSearches != 1 || f.contactGets != 2 {
		t.Errorf("%d searches, %d reads by id; want 1 and 2 (u3, u-deleted)", f.contactSearches, f.contactGets)
	}
	checkTickets(t, st, want)
}

// Faults on the contact lookup: the run waits until X-RateLimit-Reset on a 429 (Intercom sends
// no Retry-After), retries a 500 and a page cut off in transit, and ends with what a clean run
// stores.
func TestContactLookupFaults(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*fake, *connectortest.Server)
		wantWaits []time.Duration // nil: any backoff
	}{
		{"429 waits until X-RateLimit-Reset", func(f *fake, _ *connectortest.Server) { f.limitContactSearch, f.resetIn = 1, 7*time.Second },
			[]time.Duration{7 * time.Second}},
		{"500 is retried", func(_ *fake, srv *connectortest.Server) {
			srv.FailAt(3, connectortest.Fault{Status: 500, Body: `{"type":"error.list","errors":[{"code":"server_error","message":"Server Error"}]}`})
		}, nil},
		{"a page cut off in transit is read again", func(f *fake, _ *connectortest.Server) { f.truncateContactSearch = 1 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			connectortest.EachEngine(t, func(t *testing.T, open func(testing.TB) *store.Store) {
				clean := open(t)
				cf, _ := workspace(300, 40, 10)
				syncOK(t, clean, bigSettings(connectortest.NewServer(t, cf), &connectortest.Waits{}))

				st := open(t)
				f, want := workspace(300, 40, 10)
				srv, waits := connectortest.NewServer(t, f), &connectortest.Waits{}
				tt.edit(f, srv)
				r := syncOK(t, st, bigSettings(srv, waits))
				if len(waits.All()) != 1 || (tt.wantWaits != nil && !slices.Equal(waits.All(), tt.wantWaits)) {
					t.Errorf("waits = %v, want one retry %v", waits.All(), tt.wantWaits)
				}
				if n := countPath(srv.Paths, "/contacts/search"); n != 2 {
					t.Errorf("%d contact searches, want 2 (the failed one and its retry)", n)
				}
				if r.APICalls != srv.Requests() {
					t.Errorf("run reports %d API calls, the API served %d (retries count)", r.APICalls, srv.Requests())
				}
				if got, want := connectortest.Dump(t, st), connectortest.Dump(t, clean); got != want {
					t.Errorf("store after the fault differs from a clean run:\n got %s\nwant %s", got, want)
				}
				checkTickets(t, st, want)
			})
		})
	}
}

func countPath(paths []string, p string) int {
	n := 0
	for _, q := range paths {
		if q == p {
			n++
		}
	}
	return n
}
