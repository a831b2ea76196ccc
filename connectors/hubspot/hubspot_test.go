package hubspot

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func settings() connectors.Settings {
	return connectors.Settings{Name: "crm", Type: "hubspot", Token: "pat-na1-test", Options: map[string]string{
		"ltv_property":      "total_revenue",
		"health_property":   "health_score_custom",
		"mrr_property":      "mrr",
		"champion_property": "advocate_champion",
		"attr.plan":         "plan_tier",
		// The fake answers at once; the documented rates would only slow the tests down.
		"requests_per_10s":  "100000",
		"search_per_second": "10000",
	}}
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFake() },
		MinRequests: 8,
		Check:       checkPortal,
		EmptyPage: func() http.Handler {
			f := newFake()
			f.emptyFirst = true
			return f
		},
	})
}

// checkPortal asserts the store holds the test portal as a user would read it.
func checkPortal(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	acme := connectortest.Find(t, st, "acme.io")
	if acme.Name != "Acme Corp" || acme.Owner != "dana@acme-saas.io" {
		t.Errorf("acme = %+v, want name Acme Corp, owner dana@acme-saas.io", acme)
	}
	wantAttrs := map[string]string{"industry": "COMPUTER_SOFTWARE", "lifecycle_stage": "customer", "employees": "250", "plan": "enterprise"}
	for k, v := range wantAttrs {
		if acme.Attributes[k] != v {
			t.Errorf("acme attribute %s = %q, want %q", k, acme.Attributes[k], v)
		}
	}
	mod := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	wantSignals(t, st, acme.ID, map[string]sig{"ltv": {125000.5, mod}, "health_score": {87, mod}, "mrr": {4200, mod},
		"upsells_12m": {2, connectortest.Clock}})

	globex := connectortest.Find(t, st, "globex.com")
	if globex.Owner != "fox.mulder@acme-saas.io" {
		t.Errorf("globex owner = %q, want the owner's email, lower case", globex.Owner)
	}
	g := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	wantSignals(t, st, globex.ID, map[string]sig{"health_score": {72, g}, "mrr": {1500, g}, "upsells_12m": {0, connectortest.Clock}})

	initech := connectortest.Find(t, st, "initech.com")
	if initech.Owner != "" {
		t.Errorf("initech owner = %q, want none (owner 999 is unknown)", initech.Owner)
	}
	i := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	wantSignals(t, st, initech.ID, map[string]sig{"health_score": {55, i}, "upsells_12m": {1, connectortest.Clock}})
	wantSignals(t, st, connectortest.Find(t, st, "hooli.com").ID, map[string]sig{"upsells_12m": {0, connectortest.Clock}})

	custs := connectortest.Customers(t, st)
	if len(custs) != 5 {
		t.Errorf("%d customers, want 5 (one per company; Solo Studio, without a domain or work-mail contacts, skipped)", len(custs))
	}
	if slices.ContainsFunc(custs, func(c advocate.Customer) bool { return c.Domain == "" || c.Name == "Solo Studio" }) {
		t.Errorf("customers = %+v, want none without a domain", custs)
	}
	// Umbrella names no domain: its contacts' work addresses give umbrella.com.
	umbrella := connectortest.Find(t, st, "umbrella.com")
	if umbrella.Name != "Umbrella" {
		t.Errorf("umbrella.com = %+v, want the company without a domain, placed by its contacts", umbrella)
	}
	wantSignals(t, st, umbrella.ID, map[string]sig{"ltv": {9000, time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC)},
		"upsells_12m": {0, connectortest.Clock}})

	contacts, err := st.Contacts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]advocate.Contact{
		"jane@acme.io":             {CustomerID: acme.ID, Email: "jane@acme.io", Name: "Jane Doe", Role: "VP Customer Success", Champion: true},
		"bob@acme.io":              {CustomerID: acme.ID, Email: "bob@acme.io", Name: "Bob Smith", Role: "Engineer", OptedOut: true},
		"ann@globex.com":           {CustomerID: globex.ID, Email: "ann@globex.com", Name: "Ann Lee", Role: "CTO"},
		"peter@initech.com":        {CustomerID: initech.ID, Email: "peter@initech.com", Name: "Peter Gibbons", Role: "Programmer"},
		"alice@umbrella.com":       {CustomerID: umbrella.ID, Email: "alice@umbrella.com", Name: "Alice Wesker", Role: "COO"},
		"chris@umbrella.com":       {CustomerID: umbrella.ID, Email: "chris@umbrella.com", Name: "Chris Redfield"},
		"jill.valentine@gmail.com": {CustomerID: umbrella.ID, Email: "jill.valentine@gmail.com", Name: "Jill Valentine"},
	}
	got := map[string]advocate.Contact{}
	for _, cs := range contacts {
		for _, c := range cs {
			got[c.Email] = c
		}
	}
	for email, w := range want {
		if got[email] != w {
			t.Errorf("contact %s = %+v, want %+v", email, got[email], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d contacts stored, want %d (no email / no company are skipped): %v", len(got), len(want), got)
	}
}

type sig struct {
	v  float64
	at time.Time
}

// wantSignals checks the customer's current HubSpot signals are exactly want.
func wantSignals(t *testing.T, st *store.Store, customerID string, want map[string]sig) {
	t.Helper()
	got := map[string]sig{}
	for name, v := range connectortest.Latest(t, st, customerID) {
		got[name] = sig{v.Value, v.ObservedAt}
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g.v != w.v || !g.at.Equal(w.at) {
			t.Errorf("customer %s signal %s = %v (present %v), want %v", customerID, name, g, ok, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("customer %s has unexpected signal %s = %v", customerID, name, got[name])
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		options map[string]string
		want    string
	}{
		{"ErrTokenRequired", "", nil, "type hubspot needs token"},
		{"ErrUnknownOption", "t", map[string]string{"ltv_prop": "x"}, `unknown option "ltv_prop"`},
		{"ErrBadPropertyName", "t", map[string]string{"health_property": "Health Score"}, "not a HubSpot property name"},
		{"ErrMRRAndARR", "t", map[string]string{"mrr_property": "mrr", "arr_property": "arr"}, "not both"},
		{"ErrFullSyncEvery", "t", map[string]string{"full_sync_every": "daily"}, "full_sync_every"},
		{"ErrRate", "t", map[string]string{"requests_per_10s": "0"}, "requests_per_10s"},
		{"ErrWindow", "t", map[string]string{"search_window": "-5"}, "search_window"},
		{"ErrEmptyAttribute", "t", map[string]string{"attr.": "plan"}, `unknown option "attr."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connectors.New(connectors.Settings{Name: "crm", Type: "hubspot", Token: tt.token, Options: tt.options})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := connectors.New(settings()); err != nil {
		t.Errorf("valid settings rejected: %v", err)
	}
}

// run syncs s against srv into st and fails the test on a sync error.
func run(t *testing.T, st *store.Store, s connectors.Settings, srv *connectortest.Server) {
	t.Helper()
	if r := connectortest.Sync(t, st, connectortest.Point(s, srv, &connectortest.Waits{})); r.Failed() {
		t.Fatalf("sync: %s", r.Error)
	}
}

// requested lists the paths requested since request number from (0-based).
func requested(srv *connectortest.Server, from int) []string {
	return slices.Clone(srv.Paths[from:])
}

func cursorOf(t *testing.T, st *store.Store) state {
	t.Helper()
	states, err := st.SyncStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var s state
	if err := connectors.DecodeCursor(states["crm"].Cursor, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFullThenIncrementalPasses(t *testing.T) { storetest.Each(t, testFullThenIncrementalPasses) }

func testFullThenIncrementalPasses(t *testing.T, st *store.Store) {
	f := newFake()
	srv := connectortest.NewServer(t, f)
	s := settings()

	run(t, st, s, srv)
	full := requested(srv, 0)
	if !slices.Contains(full, "/crm/v3/objects/deals") || slices.Contains(full, "/crm/v3/objects/companies/search") {
		t.Errorf("first sync requested %v, want a full pass over the list endpoints, deals included", full)
	}
	cur := cursorOf(t, st)
	if cur.Pass != "" || cur.LastFull != connectortest.Clock.UnixMilli() || cur.Upsells != nil {
		t.Errorf("cursor after a full pass = %+v, want no pass in progress, last_full = the clock, no deal counts", cur)
	}
	// The high-water marks are the newest modification seen (older than the clock).
	if cur.HWM["companies"] != time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC).UnixMilli() ||
		cur.HWM["contacts"] != time.Date(2026, 11, 6, 11, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("high-water marks = %v, want the newest company and contact modification", cur.HWM)
	}

	// A CSM edits a company and a contact in HubSpot; the next run is incremental and sees both.
	f.update("companies", "9002", map[string]string{"health_score_custom": "91", "hs_lastmodifieddate": "2026-11-16T05:00:00Z"})
	f.update("contacts", "503", map[string]string{"jobtitle": "CEO", "lastmodifieddate": "2026-11-16T05:30:00Z"})
	n := srv.Requests()
	run(t, st, s, srv)
	incr := requested(srv, n)
	if slices.Contains(incr, "/crm/v3/objects/deals") || !slices.Contains(incr, "/crm/v3/objects/companies/search") ||
		!slices.Contains(incr, "/crm/v3/objects/contacts/search") {
		t.Errorf("second sync requested %v, want searches of companies and contacts only", incr)
	}
	globex := connectortest.Find(t, st, "globex.com")
	wantSignals(t, st, globex.ID, map[string]sig{"health_score": {91, time.Date(2026, 11, 16, 5, 0, 0, 0, time.UTC)},
		"mrr": {1500, time.Date(2026, 11, 16, 5, 0, 0, 0, time.UTC)}, "upsells_12m": {0, connectortest.Clock}})
	cs, _ := st.Contacts(context.Background(), globex.ID)
	if len(cs[globex.ID]) != 1 || cs[globex.ID][0].Role != "CEO" {
		t.Errorf("globex contacts = %+v, want Ann as CEO (contacts are searched on lastmodifieddate)", cs)
	}
	// The searches reach back by the overlap from the high-water marks, in epoch ms.
	wantFrom := strconv.FormatInt(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC).Add(-connectors.Overlap).UnixMilli(), 10)
	first := f.searches[slices.IndexFunc(f.searches, func(s string) bool { return strings.HasPrefix(s, "companies") })]
	if !strings.Contains(first, "companies hs_lastmodifieddate GTE "+wantFrom) {
		t.Errorf("first company search = %q, want companies hs_lastmodifieddate GTE %s", first, wantFrom)
	}
	if !slices.ContainsFunc(f.searches, func(s string) bool { return strings.HasPrefix(s, "contacts lastmodifieddate GTE") }) {
		t.Errorf("searches = %v, want contacts filtered on lastmodifieddate", f.searches)
	}
	if cur := cursorOf(t, st); cur.HWM["companies"] != time.Date(2026, 11, 16, 5, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("company high-water mark after the incremental pass = %v, want the edit's time", time.UnixMilli(cur.HWM["companies"]))
	}
}

// upsells_12m is recounted on the next full pass (after full_sync_every), as of that pass.
func TestUpsellsFollowTheTwelveMonthWindow(t *testing.T) {
	storetest.Each(t, testUpsellsFollowTheTwelveMonthWindow)
}

func testUpsellsFollowTheTwelveMonthWindow(t *testing.T, st *store.Store) {
	srv := connectortest.NewServer(t, newFake())
	s := settings()
	run(t, st, s, srv)

	later := connectortest.Clock.AddDate(0, 9, 0) // 2027-08-16: deal 701 (2026-03-01) has aged out
	p := connectortest.Point(s, srv, &connectortest.Waits{})
	p.Runtime.Now = func() time.Time { return later }
	st.Now = p.Runtime.Now
	n := srv.Requests()
	if r := connectortest.Sync(t, st, p); r.Failed() {
		t.Fatal(r.Error)
	}
	if !slices.Contains(requested(srv, n), "/crm/v3/objects/deals") {
		t.Fatalf("a sync 9 months later requested %v, want a full pass (full_sync_every is 24h)", requested(srv, n))
	}
	acme := connectortest.Find(t, st, "acme.io")
	hist, err := st.SignalHistory(context.Background(), acme.ID, "upsells_12m")
	if err != nil {
		t.Fatal(err)
	}
	// 708 closed 2026-12-20 and now counts for Hooli too.
	if len(hist) != 2 || hist[0].Value != 2 || hist[1].Value != 1 || !hist[1].ObservedAt.Equal(later) {
		t.Errorf("acme upsells_12m history = %+v, want 2 then 1 observed at %s", hist, later)
	}
	hooli := connectortest.Latest(t, st, connectortest.Find(t, st, "hooli.com").ID)
	if len(hooli) != 1 || hooli["upsells_12m"].Value != 1 {
		t.Errorf("hooli signals = %+v, want upsells_12m 1 (deal 708 closed within the window by now)", hooli)
	}
}

// A run that fails in the companies phase resumes there: deals are not read again and the
// expansion counts kept in the cursor still reach the companies.
func TestResumeAfterDealsPhaseKeepsCounts(t *testing.T) {
	storetest.Each(t, testResumeAfterDealsPhaseKeepsCounts)
}

func testResumeAfterDealsPhaseKeepsCounts(t *testing.T, st *store.Store) {
	srv := connectortest.NewServer(t, newFake())
	s := settings()
	// Requests: 1-2 owners (3, 2 a page), 3-6 deals (8), 7 the first companies page.
	srv.FailFrom(8, connectortest.Fault{Status: 503})
	r := connectortest.Sync(t, st, connectortest.Point(s, srv, &connectortest.Waits{}))
	if !r.Failed() {
		t.Fatal("sync with a failing server succeeded")
	}
	cur := cursorOf(t, st)
	if cur.Pass != passFull || cur.Phase != phaseCompanies || cur.Upsells["9001"] != 2 || cur.Upsells["9003"] != 1 {
		t.Fatalf("cursor after the failure = %+v, want the full pass in the companies phase with deal counts", cur)
	}
	srv.Heal()
	n := srv.Requests()
	run(t, st, s, srv)
	if slices.Contains(requested(srv, n), "/crm/v3/objects/deals") {
		t.Errorf("resumed run requested %v, want no deals", requested(srv, n))
	}
	checkPortal(t, st)
}

// Pages are committed in batches of about commitEvery records: a run that dies partway keeps
// the batches it committed and the next run goes on from there.
func TestLargePhaseCommitsInBatches(t *testing.T) { storetest.Each(t, testLargePhaseCommitsInBatches) }

func testLargePhaseCommitsInBatches(t *testing.T, st *store.Store) {
	f := newFake()
	f.listPage = listLimit
	f.data["companies"] = genCompanies(2500)
	srv := connectortest.NewServer(t, f)
	// Requests: 1 owners, 2 deals, 3-17 the first 15 company pages; then the server fails.
	srv.FailFrom(18, connectortest.Fault{Status: 500})
	if r := connectortest.Sync(t, st, connectortest.Point(settings(), srv, &connectortest.Waits{})); !r.Failed() || r.Created != 1000 {
		t.Fatalf("result = %+v, want a failure after committing 1,000 companies", r)
	}
	if cur := cursorOf(t, st); cur.Phase != phaseCompanies || cur.After != "1000" {
		t.Fatalf("cursor = %+v, want the companies phase after 1,000 records", cur)
	}
	srv.Heal()
	n := srv.Requests()
	run(t, st, settings(), srv)
	if got := len(requested(srv, n)); got != 1+15+1 { // owners, companies 1000-2499, contacts
		t.Errorf("resumed run made %d requests, want 17", got)
	}
	custs, _ := st.Customers(context.Background())
	if len(custs) != 2500 {
		t.Errorf("%d customers after the resumed run, want 2500", len(custs))
	}
}
