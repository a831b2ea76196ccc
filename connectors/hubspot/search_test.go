package hubspot

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// manyCompanies returns n companies modified one minute apart from start, or all at start
// when same is set.
func manyCompanies(n int, start time.Time, same bool) objects {
	out := make(objects, n)
	for i := range out {
		at := start
		if !same {
			at = start.Add(time.Duration(i) * time.Minute)
		}
		out[i] = fakeObject{ID: strconv.Itoa(20000 + i), Props: map[string]string{
			"name": fmt.Sprintf("Company %d", i), "domain": fmt.Sprintf("company%d.example", i),
			"health_score_custom": "50", "hs_lastmodifieddate": at.Format(time.RFC3339Nano)}}
	}
	return out
}

// A search query serves at most a window of results (10,000 in HubSpot, 25 here): an
// incremental pass over more edits than that starts new queries from the newest time read,
// whether it sees the limit coming (search_window set) or is told by HubSpot's 400.
func TestIncrementalPagesPastTheSearchWindow(t *testing.T) {
	tests := []struct {
		name        string
		window      string // the connector's search_window option; "" = HubSpot's 10,000
		wantRefused bool   // whether the fake answered 400 for paging past its window
	}{
		{"RestartsOnHubSpots400", "", true},
		{"RestartsBeforeTheLimit", "25", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				f := newFake()
				f.window, f.searchPage = 25, 10
				f.data["companies"] = manyCompanies(60, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), false)
				srv := connectortest.NewServer(t, f)
				s := settings()
				if tt.window != "" {
					s.Options["search_window"] = tt.window
				}
				run(t, st, s, srv)

				// 60 companies edited after the full pass: more than one search window.
				edited := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
				for i := range 60 {
					f.update("companies", strconv.Itoa(20000+i), map[string]string{"health_score_custom": strconv.Itoa(60 + i%40),
						"hs_lastmodifieddate": edited.Add(time.Duration(i) * time.Second).Format(time.RFC3339)})
				}
				run(t, st, s, srv)
				for i := range 60 {
					c := connectortest.Find(t, st, fmt.Sprintf("company%d.example", i))
					at := edited.Add(time.Duration(i) * time.Second)
					wantSignals(t, st, c.ID, map[string]sig{"health_score": {float64(60 + i%40), at}, "upsells_12m": {0, connectortest.Clock}})
				}
				if got := f.windowRefused > 0; got != tt.wantRefused {
					t.Errorf("fake refused %d searches past its window, want refusals: %v", f.windowRefused, tt.wantRefused)
				}
				restarts := 0
				for _, q := range f.searches {
					if strings.HasPrefix(q, "companies") && strings.HasSuffix(q, "after=") {
						restarts++
					}
				}
				if restarts < 3 { // the first query, then at least two restarts for 60 results in windows of 25
					t.Errorf("company search queries %v, want at least 3 started from scratch", f.searches)
				}
			})
		})
	}
}

// More records sharing one timestamp than a window holds cannot be paged by search: the run
// fails with an error saying so, instead of looping.
func TestSearchWindowOfIdenticalTimestampsFails(t *testing.T) {
	storetest.Each(t, testSearchWindowOfIdenticalTimestampsFails)
}

func testSearchWindowOfIdenticalTimestampsFails(t *testing.T, st *store.Store) {
	f := newFake()
	f.window, f.searchPage = 25, 10
	srv := connectortest.NewServer(t, f)
	run(t, st, settings(), srv)

	f.data["companies"] = manyCompanies(30, time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC), true) // an import
	r := connectortest.Sync(t, st, connectortest.Point(settings(), srv, &connectortest.Waits{}))
	if !r.Failed() || !strings.Contains(r.Error, "share the last-modified time 2026-11-15T00:00:00Z") {
		t.Fatalf("result = %+v, want a failure naming the shared timestamp", r)
	}
	if n := len(f.searches); n > 10 {
		t.Errorf("%d searches before giving up, want a few", n)
	}
	// Nothing is skipped: the high-water mark stays before the import for the next run.
	if cur := cursorOf(t, st); cur.HWM["companies"] >= time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("company high-water mark moved to %s, past records never read", time.UnixMilli(cur.HWM["companies"]).UTC())
	}
}
