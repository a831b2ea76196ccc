// Package connectortest is the shared test kit for connectors: a fault-injecting wrapper for the
// httptest fakes that play each vendor's API, settings that point a connector at a fake without
// real waits, and Conformance, the suite every HTTP connector passes — full sync, resume after a
// failure halfway, rate limits with and without Retry-After, server errors, bad credentials,
// malformed and empty pages — against a real store.
package connectortest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// Fault is an answer the wrapper gives instead of the fake's.
type Fault struct {
	Status     int
	RetryAfter string // "" = no header
	Body       string
}

// Server wraps a vendor fake: it counts requests and can answer chosen ones with faults.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	faults   map[int]Fault // by request number, 1-based
	sticky   *Fault        // answers every request from stickyFrom on
	from     int
	Paths    []string // every request's path, in order
}

// NewServer starts the fake behind the fault injector.
func NewServer(t testing.TB, fake http.Handler) *Server {
	s := &Server{faults: map[int]Fault{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		n := s.requests
		s.Paths = append(s.Paths, r.URL.Path)
		f, ok := s.faults[n]
		if !ok && s.sticky != nil && n >= s.from {
			f, ok = *s.sticky, true
		}
		s.mu.Unlock()
		if ok {
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			if f.Body != "" {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(f.Status)
			w.Write([]byte(f.Body))
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// FailAt answers request number n (1-based, counted from now) with f.
func (s *Server) FailAt(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[s.requests+n] = f
}

// FailFrom answers every request from number n on (counted from now) with f, until Heal.
func (s *Server) FailFrom(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sticky, s.from = &f, s.requests+n
}

// Heal removes every fault.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sticky, s.faults = nil, map[int]Fault{}
}

// Requests is the number of requests served so far.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Waits records the backoff waits a connector asked for instead of taking them.
type Waits struct {
	mu sync.Mutex
	d  []time.Duration
}

// Sleep is a Runtime.Sleep that records and returns at once.
func (w *Waits) Sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

// All returns the recorded waits.
func (w *Waits) All() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// Clock is the fixed time connector tests run at.
var Clock = time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)

// Point makes s talk to srv without real waits, at Clock.
func Point(s connectors.Settings, srv *Server, waits *Waits) connectors.Settings {
	s.BaseURL = srv.URL
	if s.InstanceURL != "" || s.Type == "salesforce" {
		s.InstanceURL = srv.URL
	}
	s.Runtime.HTTP = srv.Client()
	s.Runtime.Now = func() time.Time { return Clock }
	s.Runtime.Sleep = waits.Sleep
	s.Runtime.Retry = &connectors.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Second, MaxDelay: 30 * time.Second, MaxTotalWait: 5 * time.Minute}
	return s
}

// Sync runs one recorded sync of s into st.
func Sync(t testing.TB, st *store.Store, s connectors.Settings) syncer.Result {
	t.Helper()
	st.Now = func() time.Time { return Clock }
	return (&syncer.Syncer{Store: st}).One(context.Background(), s)
}

// Dump is the store's customer data as comparable text.
func Dump(t testing.TB, st *store.Store) string {
	t.Helper()
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Case describes one connector for Conformance.
type Case struct {
	// Settings for the connector under test; Point fills the URL and runtime.
	Settings connectors.Settings
	// Fake returns a fresh vendor fake holding the test data. It must paginate so that a full
	// sync takes at least MinRequests requests.
	Fake        func() http.Handler
	MinRequests int
	// Check asserts that the store holds the fake's data after a full sync (vendor-specific:
	// customers, contacts, signal values).
	Check func(t *testing.T, st *store.Store)
	// EmptyPage, if set, returns a fake whose listing includes an empty page (results [] with a
	// next cursor), for connectors whose API can do that.
	EmptyPage func() http.Handler
}

func fail(t *testing.T, r syncer.Result) {
	t.Helper()
	if r.Failed() {
		t.Fatalf("sync failed: %s", r.Error)
	}
}

// Conformance runs the suite every HTTP connector must pass, on every store engine: each case
// is a subtest per engine (FullSync/sqlite, FullSync/postgres), each on stores of its own.
func Conformance(t *testing.T, c Case) {
	cases := []struct {
		name string
		run  func(t *testing.T, c Case, open func(testing.TB) *store.Store)
	}{
		{"FullSync", fullSync},
		{"ResyncChangesNothing", resyncChangesNothing},
		{"FailHalfwayThenResumeEqualsCleanRun", failHalfwayThenResume},
		{"RateLimited", rateLimited},
		{"ServerErrorIsRetried", serverErrorIsRetried},
		{"BadCredentials", badCredentials},
		{"MalformedPageFailsRunAndWritesNothingFromIt", malformedPage},
	}
	if c.EmptyPage != nil {
		cases = append(cases, struct {
			name string
			run  func(t *testing.T, c Case, open func(testing.TB) *store.Store)
		}{"EmptyPage", emptyPage})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			EachEngine(t, func(t *testing.T, open func(testing.TB) *store.Store) {
				t.Parallel()
				tc.run(t, c, open)
			})
		})
	}
}

// EachEngine runs fn as a subtest per store engine (named after it); open gives the test an
// isolated, migrated store on that engine, as many as it needs. Postgres subtests skip loudly
// without a server unless ADVOCATE_REQUIRE_POSTGRES=1 (see storetest).
//
// fn may call t.Parallel: stores are opened one at a time per test process, because migrating
// takes a database-wide advisory lock whose waiters retry only every five seconds.
func EachEngine(t *testing.T, fn func(t *testing.T, open func(testing.TB) *store.Store)) {
	t.Helper()
	for _, e := range storetest.Engines {
		open := func(tb testing.TB) *store.Store {
			tb.Helper()
			openMu.Lock()
			defer openMu.Unlock()
			return e.Open(tb)
		}
		t.Run(e.Name, func(t *testing.T) { fn(t, open) })
	}
}

// openMu serialises opening (and migrating) test stores within this process.
var openMu sync.Mutex

func fullSync(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	st := open(t)
	srv, waits := NewServer(t, c.Fake()), &Waits{}
	r := Sync(t, st, Point(c.Settings, srv, waits))
	fail(t, r)
	if srv.Requests() < c.MinRequests {
		t.Errorf("full sync made %d requests, want at least %d (does the fake paginate?)", srv.Requests(), c.MinRequests)
	}
	if r.Records == 0 {
		t.Fatal("full sync stored nothing")
	}
	c.Check(t, st)
}

func resyncChangesNothing(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	st := open(t)
	srv := NewServer(t, c.Fake())
	s := Point(c.Settings, srv, &Waits{})
	fail(t, Sync(t, st, s))
	before := Dump(t, st)
	r := Sync(t, st, s)
	fail(t, r)
	if r.Created != 0 || r.Signals != 0 {
		t.Errorf("second sync created %d customers and %d signal observations, want none", r.Created, r.Signals)
	}
	if after := Dump(t, st); after != before {
		t.Errorf("store changed on a re-sync:\n%s", diff(before, after))
	}
}

func failHalfwayThenResume(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	clean := open(t)
	fail(t, Sync(t, clean, Point(c.Settings, NewServer(t, c.Fake()), &Waits{})))
	want := Dump(t, clean)

	st := open(t)
	srv := NewServer(t, c.Fake())
	s := Point(c.Settings, srv, &Waits{})
	half := max(c.MinRequests/2, 2)
	srv.FailFrom(half, Fault{Status: 500, Body: `{"message":"internal error"}`})
	r := Sync(t, st, s)
	if !r.Failed() || !strings.Contains(r.Error, "500") {
		t.Fatalf("sync with the server failing from request %d: %+v, want a failure naming HTTP 500", half, r)
	}
	srv.Heal()
	fail(t, Sync(t, st, s))
	if got := Dump(t, st); got != want {
		t.Errorf("after a failed run and a re-run the store differs from a clean run:\n%s", diff(want, got))
	}
}

func rateLimited(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	st := open(t)
	srv, waits := NewServer(t, c.Fake()), &Waits{}
	srv.FailAt(1, Fault{Status: 429, RetryAfter: "17", Body: `{"message":"rate limited"}`})
	srv.FailAt(3, Fault{Status: 429}) // no Retry-After: our own backoff
	fail(t, Sync(t, st, Point(c.Settings, srv, waits)))
	w := waits.All()
	if len(w) < 2 || w[0] != 17*time.Second || w[1] <= 0 || w[1] > 30*time.Second {
		t.Errorf("waits = %v, want 17s (Retry-After) then a backoff", w)
	}
	c.Check(t, st)
}

func serverErrorIsRetried(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	st := open(t)
	srv := NewServer(t, c.Fake())
	srv.FailAt(2, Fault{Status: 502})
	fail(t, Sync(t, st, Point(c.Settings, srv, &Waits{})))
	c.Check(t, st)
}

func badCredentials(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	st := open(t)
	srv := NewServer(t, c.Fake())
	srv.FailFrom(1, Fault{Status: 401, Body: `{"message":"invalid token"}`})
	r := Sync(t, st, Point(c.Settings, srv, &Waits{}))
	if !r.Failed() || !strings.Contains(r.Error, "check the token for connector "+c.Settings.Name) {
		t.Errorf("result = %+v, want an error telling the user to check the token", r)
	}
	if srv.Requests() != 1 {
		t.Errorf("%d requests after a 401, want 1 (no retries)", srv.Requests())
	}
}

func malformedPage(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	st := open(t)
	empty := Dump(t, st)
	srv := NewServer(t, c.Fake())
	srv.FailAt(1, Fault{Status: 200, Body: `{"results": [{"id": "1", "properties": {`})
	r := Sync(t, st, Point(c.Settings, srv, &Waits{}))
	if !r.Failed() || !strings.Contains(r.Error, "malformed") {
		t.Fatalf("result = %+v, want a failure naming the malformed response", r)
	}
	if got := Dump(t, st); got != empty {
		t.Errorf("a malformed first page wrote data:\n%s", got)
	}
}

func emptyPage(t *testing.T, c Case, open func(testing.TB) *store.Store) {
	st := open(t)
	fail(t, Sync(t, st, Point(c.Settings, NewServer(t, c.EmptyPage()), &Waits{})))
	c.Check(t, st)
}

// diff shows the first lines where two dumps differ.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 10; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
	}
	return strings.Join(out, "\n")
}
