package intercom

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// settings point at the fake with small pages (11 requests for a full pass), no real pacing.
func settings() connectors.Settings {
	return connectors.Settings{Name: "chat", Type: "intercom", Token: fakeToken,
		Options: map[string]string{"page_size": "2", "rate_per_minute": "600000"}}
}

func check(t *testing.T, st *store.Store) {
	t.Helper()
	custs := connectortest.Customers(t, st)
	byName := map[string]advocate.Customer{}
	for _, c := range custs {
		byName[c.Name] = c
		got := map[string]float64{}
		for name, v := range connectortest.Latest(t, st, c.ID) {
			got[name] = v.Value
			if !v.ObservedAt.Equal(connectortest.Clock) {
				t.Errorf("%s %s observed at %s, want the pass time", c.Name, name, v.ObservedAt)
			}
		}
		want, ok := wantSignals[c.Name]
		if !ok {
			t.Errorf("unexpected customer %+v", c)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s signals = %v, want %v", c.Name, got, want)
		}
		for k, v := range want {
			if gv, ok := got[k]; !ok || gv != v {
				t.Errorf("%s %s = %v (present %v), want %v", c.Name, k, gv, ok, v)
			}
		}
	}
	if len(custs) != len(wantSignals) {
		t.Errorf("%d customers, want %d", len(custs), len(wantSignals))
	}
	acme := byName["Acme Inc"]
	wantAttrs := map[string]string{"plan": "Enterprise", "industry": "Software", "size": "120", "intercom_company_id": "acct-1",
		"customer_since": "2022-04-15"} // remote_created_at 1650000000
	if acme.Domain != "acme.io" || !mapsEqual(acme.Attributes, wantAttrs) {
		t.Errorf("Acme = %+v, want domain acme.io and attributes %v", acme, wantAttrs)
	}
	if h := byName["Hooli"]; h.Domain != "hooli.xyz" {
		t.Errorf("Hooli domain = %q, want hooli.xyz from its website URL", h.Domain)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFake() },
		MinRequests: 11,
		Check:       check,
	})
}

func run(t *testing.T, st *store.Store, f *fake) (*connectortest.Server, *connectortest.Waits) {
	t.Helper()
	srv, waits := connectortest.NewServer(t, f), &connectortest.Waits{}
	if r := connectortest.Sync(t, st, connectortest.Point(settings(), srv, waits)); r.Failed() {
		t.Fatal(r.Error)
	}
	return srv, waits
}

// The search asks for the window's conversations and the open ones, pages with the cursor in
// the body, and every request carries the API version.
func TestSearchRequest(t *testing.T) { storetest.Each(t, testSearchRequest) }

func testSearchRequest(t *testing.T, st *store.Store) {
	f := newFake()
	run(t, st, f)
	if len(f.bodies) != 5 {
		t.Fatalf("%d search requests, want 5 (9 hits, 2 per page)", len(f.bodies))
	}
	since := connectortest.Clock.Add(-Window).Unix()
	q, _ := json.Marshal(f.bodies[0]["query"])
	want := `{"operator":"OR","value":[{"field":"created_at","operator":"\u003e","value":"` + itoa(since-1) + `"},{"field":"state","operator":"!=","value":"closed"}]}`
	if string(q) != want {
		t.Errorf("query = %s\nwant    %s", q, want)
	}
	p1, _ := f.bodies[0]["pagination"].(map[string]any)
	p2, _ := f.bodies[1]["pagination"].(map[string]any)
	if p1["starting_after"] != nil || p2["starting_after"] != "WzE32" || p1["per_page"] != 2.0 {
		t.Errorf("pagination = %v then %v, want per_page 2 and the next page's starting_after in the body", p1, p2)
	}
	for _, v := range f.versions {
		if v != "2.11" {
			t.Fatalf("Intercom-Version headers = %v, want 2.11 on every request", f.versions)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestScrollRecovery(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(*fake)
		wantStarts int
		wantWait   bool
	}{
		{"expired mid-way: restart from the beginning", func(f *fake) { f.expireAfter = 2 }, 2, false},
		{"Intercom asks to restart", func(f *fake) { f.restartAfter = 1 }, 2, false},
		{"another scroll is open: wait for it to expire", func(f *fake) { f.othersScroll = true }, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				f := newFake()
				tt.edit(f)
				_, waits := run(t, st, f)
				if f.scrollStarts != tt.wantStarts {
					t.Errorf("scroll started %d times, want %d", f.scrollStarts, tt.wantStarts)
				}
				if got := slices.Contains(waits.All(), scrollIdleExpiry); got != tt.wantWait {
					t.Errorf("waits = %v, want a %s wait: %v", waits.All(), scrollIdleExpiry, tt.wantWait)
				}
				check(t, st)
			})
		})
	}
}

// Intercom keeps answering scroll_exists (someone else's scroll): the run fails with an error
// that says so, after a bounded number of waits.
func TestScrollHeldByAnotherClient(t *testing.T) { storetest.Each(t, testScrollHeldByAnotherClient) }

func testScrollHeldByAnotherClient(t *testing.T, st *store.Store) {
	f := newFake()
	srv := connectortest.NewServer(t, f)
	waits := &connectortest.Waits{}
	s := connectortest.Point(settings(), srv, waits)
	srv.FailFrom(8, connectortest.Fault{Status: 400, Body: `{"type":"error.list","errors":[{"code":"scroll_exists","message":"scroll already exists for this workspace"}]}`})
	r := connectortest.Sync(t, st, s)
	if !r.Failed() || !strings.Contains(r.Error, "only company scroll open") {
		t.Fatalf("result = %+v, want a failure explaining the scroll is held", r)
	}
	if n := len(waits.All()); n != maxScrollAttempts-1 {
		t.Errorf("%d waits, want %d", n, maxScrollAttempts-1)
	}
}

// A run that fails while scrolling resumes with the scroll alone (the counts are in the
// cursor) and ends where a clean run ends.
func TestResumeInScrollSkipsConversations(t *testing.T) {
	connectortest.EachEngine(t, testResumeInScrollSkipsConversations)
}

func testResumeInScrollSkipsConversations(t *testing.T, open func(testing.TB) *store.Store) {
	clean := open(t)
	run(t, clean, newFake())

	st := open(t)
	srv := connectortest.NewServer(t, newFake())
	s := connectortest.Point(settings(), srv, &connectortest.Waits{})
	srv.FailFrom(9, connectortest.Fault{Status: 503}) // scroll page 3 onwards
	if r := connectortest.Sync(t, st, s); !r.Failed() || r.Pages != 1 {
		t.Fatalf("run = %+v, want a failure after one committed page", r)
	}
	srv.Heal()
	before := len(srv.Paths)
	if r := connectortest.Sync(t, st, s); r.Failed() {
		t.Fatal(r.Error)
	}
	for _, p := range srv.Paths[before:] {
		companyContacts := strings.HasPrefix(p, "/companies/") && strings.HasSuffix(p, "/contacts") // companies without a website
		if p != "/companies/scroll" && !companyContacts {
			t.Errorf("resumed run requested %s, want only the company scroll (and its companies' contacts)", p)
		}
	}
	if got, want := connectortest.Dump(t, st), connectortest.Dump(t, clean); got != want {
		t.Errorf("resumed store differs from a clean run:\n got %s\nwant %s", got, want)
	}
}

func TestCompanyMapping(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"full", `{"id":"c1","company_id":"a1","name":" Acme ","website":"https://www.Acme.io/x","industry":"SaaS","size":12,"plan":{"type":"plan","id":"1","name":"Pro"}}`,
			`{"external_id":"c1","domain":"acme.io","name":"Acme","attributes":{"industry":"SaaS","intercom_company_id":"a1","plan":"Pro","size":"12"}}`},
		{"bare", `{"id":"c2","name":"Initech","website":null,"size":0,"plan":[]}`,
			`{"external_id":"c2","name":"Initech"}`},
		{"plan as a string", `{"id":"c3","name":"X","plan":"Basic"}`,
			`{"external_id":"c3","name":"X","attributes":{"plan":"Basic"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var co company
			if err := json.Unmarshal([]byte(tt.json), &co); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(co.customer())
			if string(got) != tt.want {
				t.Errorf("customer = %s\nwant       %s", got, tt.want)
			}
		})
	}
}

func TestConversationContactsShapes(t *testing.T) {
	for _, raw := range []string{
		`{"id":"1","contacts":{"type":"contact.list","contacts":[{"type":"contact","id":"u1"},{"type":"contact","id":"u2"}]}}`,
		`{"id":"1","contacts":[{"type":"contact","id":"u1"},{"id":"u2"}]}`,
	} {
		var c conversation
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Contacts, contacts{"u1", "u2"}) {
			t.Errorf("%s: contacts = %v", raw, c.Contacts)
		}
	}
}

func TestAggregate(t *testing.T) {
	since := time.Date(2026, 8, 18, 6, 0, 0, 0, time.UTC)
	in := since.Add(time.Hour).Unix()
	cv := func(id string, created int64, state, prio string, rating int) conversation {
		c := conversation{ID: id, CreatedAt: created, State: state, Priority: prio}
		if rating > 0 {
			c.Rating = &struct {
				Rating int `json:"rating"`
			}{rating}
		}
		return c
	}
	tests := []struct {
		name      string
		convs     []conversation
		companies []string
		want      map[string]stats
	}{
		{"window start counts", []conversation{cv("1", since.Unix(), "closed", "priority", 3)}, []string{"a"},
			map[string]stats{"a": {Tickets: 1, Escalations: 1, Rated: 1}}},
		{"old and closed: nothing", []conversation{cv("1", since.Unix()-1, "closed", "priority", 5)}, []string{"a"}, map[string]stats{}},
		{"old but snoozed: open only", []conversation{cv("1", since.Unix()-1, "snoozed", "priority", 5)}, []string{"a"},
			map[string]stats{"a": {Open: 1}}},
		{"seen twice: latest state once", []conversation{cv("1", in, "open", "not_priority", 0), cv("1", in, "closed", "priority", 4)}, []string{"a"},
			map[string]stats{"a": {Tickets: 1, Escalations: 1, Rated: 1, Satisfied: 1}}},
		{"each company of the contacts", []conversation{cv("1", in, "open", "", 0)}, []string{"a", "b"},
			map[string]stats{"a": {Tickets: 1, Open: 1}, "b": {Tickets: 1, Open: 1}}},
		{"no company: nobody", []conversation{cv("1", in, "open", "", 0)}, nil, map[string]stats{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := aggregate(tt.convs, func(conversation) []string { return tt.companies }, since)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if got[k] == nil || *got[k] != w {
					t.Errorf("company %s = %+v, want %+v", k, got[k], w)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*connectors.Settings)
		wantErr string
	}{
		{"ok, default base", func(s *connectors.Settings) {}, ""},
		{"EU host", func(s *connectors.Settings) { s.BaseURL = "https://api.eu.intercom.io" }, ""},
		{"missing token", func(s *connectors.Settings) { s.Token = " " }, "needs token"},
		{"bad base_url", func(s *connectors.Settings) { s.BaseURL = "api.intercom.io" }, "absolute URL"},
		{"unknown option", func(s *connectors.Settings) { s.Options = map[string]string{"version": "2.11"} }, `unknown option "version"`},
		{"page size too big", func(s *connectors.Settings) { s.Options = map[string]string{"page_size": "500"} }, "page_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings()
			tt.edit(&s)
			c, err := New(s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ic := c.(*Connector)
			if want := cmpOr(s.BaseURL, DefaultBaseURL); ic.api.BaseURL != want || ic.api.Header.Get("Intercom-Version") != "2.11" {
				t.Errorf("base %q version %q, want %q and 2.11", ic.api.BaseURL, ic.api.Header.Get("Intercom-Version"), want)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
