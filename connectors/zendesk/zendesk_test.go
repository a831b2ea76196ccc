package zendesk

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

// settings point at the fake with small pages (9 requests for a full pass) and no real pacing.
func settings() connectors.Settings {
	return connectors.Settings{Name: "support", Type: "zendesk", BaseURL: "https://acme.zendesk.com",
		Email: fakeEmail, Token: fakeToken, Options: map[string]string{
			"page_size": "2", "export_page_size": "3", "rate_per_minute": "600000", "export_rate_per_minute": "600000"}}
}

// byName reads the store as customer name -> signal -> value, plus the customers.
func byName(t *testing.T, st *store.Store) (map[string]map[string]float64, map[string]advocate.Customer) {
	t.Helper()
	custs := connectortest.Customers(t, st)
	sigs, custByName := map[string]map[string]float64{}, map[string]advocate.Customer{}
	for _, c := range custs {
		custByName[c.Name] = c
		sigs[c.Name] = map[string]float64{}
		for name, v := range connectortest.Latest(t, st, c.ID) {
			sigs[c.Name][name] = v.Value
			if !v.ObservedAt.Equal(connectortest.Clock) {
				t.Errorf("%s %s observed at %s, want the pass time %s", c.Name, name, v.ObservedAt, connectortest.Clock)
			}
		}
	}
	return sigs, custByName
}

func check(t *testing.T, st *store.Store) {
	t.Helper()
	sigs, custs := byName(t, st)
	for name, want := range wantSignals {
		got, ok := sigs[name]
		if !ok {
			t.Errorf("customer %s missing (have %v)", name, custs)
			continue
		}
		for k, v := range want {
			if gv, ok := got[k]; !ok || gv != v {
				t.Errorf("%s %s = %v (present %v), want %v", name, k, gv, ok, v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s has signal %s = %v, want none (e.g. csat without a rated ticket)", name, k, got[k])
			}
		}
	}
	if len(custs) != len(wantSignals) {
		t.Errorf("%d customers, want %d", len(custs), len(wantSignals))
	}
	acme := custs["Acme Inc"]
	if acme.Domain != "acme.io" || acme.Attributes["zendesk_external_id"] != "CRM-1" || acme.Attributes["zendesk_tags"] != "enterprise,emea" {
		t.Errorf("Acme = %+v, want domain acme.io (the first domain name), external id and tags as attributes", acme)
	}
	if g := custs["Globex"]; g.Domain != "globex.com" {
		t.Errorf("Globex domain = %q, want the normalised globex.com", g.Domain)
	}
	if i := custs["Initech"]; i.Domain != "" {
		t.Errorf("Initech domain = %q, want none (the organization lists no domain)", i.Domain)
	}
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFake() },
		MinRequests: 9,
		Check:       check,
		EmptyPage: func() http.Handler {
			f := newFake()
			f.emptyFirst = true
			return f
		},
	})
}

// The export starts 90 days before the pass, every run: the counts need the unchanged tickets too.
func TestEveryRunExportsTheLast90Days(t *testing.T) {
	storetest.Each(t, testEveryRunExportsTheLast90Days)
}

func testEveryRunExportsTheLast90Days(t *testing.T, st *store.Store) {
	f := newFake()
	srv := connectortest.NewServer(t, f)
	s := connectortest.Point(settings(), srv, &connectortest.Waits{})
	for range 2 {
		if r := connectortest.Sync(t, st, s); r.Failed() {
			t.Fatal(r.Error)
		}
	}
	want := connectortest.Clock.Add(-90 * 24 * time.Hour).Unix()
	if !slices.Equal(f.startTimes, []int64{want, want}) {
		t.Errorf("export start times = %v, want %d on both runs", f.startTimes, want)
	}
	check(t, st)
}

// A run that fails while listing organizations resumes there: it does not redo the ticket
// export (10 requests a minute), and the store ends as after a clean run.
func TestResumeInOrganizationsSkipsTicketExport(t *testing.T) {
	connectortest.EachEngine(t, testResumeInOrganizationsSkipsTicketExport)
}

func testResumeInOrganizationsSkipsTicketExport(t *testing.T, open func(testing.TB) *store.Store) {
	clean := open(t)
	if r := connectortest.Sync(t, clean, connectortest.Point(settings(), connectortest.NewServer(t, newFake()), &connectortest.Waits{})); r.Failed() {
		t.Fatal(r.Error)
	}

	st := open(t)
	srv := connectortest.NewServer(t, newFake())
	s := connectortest.Point(settings(), srv, &connectortest.Waits{})
	srv.FailFrom(8, connectortest.Fault{Status: 503}) // organizations page 2 onwards
	if r := connectortest.Sync(t, st, s); !r.Failed() || r.Pages != 1 {
		t.Fatalf("run = %+v, want a failure after one committed organizations page", r)
	}
	srv.Heal()
	before := len(srv.Paths)
	if r := connectortest.Sync(t, st, s); r.Failed() {
		t.Fatal(r.Error)
	}
	resumed := srv.Paths[before:]
	if want := []string{"/api/v2/organizations.json", "/api/v2/organizations.json"}; !slices.Equal(resumed, want) {
		t.Errorf("resumed run requested %v, want only the two remaining organizations pages", resumed)
	}
	if got, want := connectortest.Dump(t, st), connectortest.Dump(t, clean); got != want {
		t.Errorf("resumed store differs from a clean run:\n got %s\nwant %s", got, want)
	}
	check(t, st)
}

func TestOrganizationMapping(t *testing.T) {

	tests := []struct {
		name string
		json string
		want connectors.Customer
	}{
		{"first usable domain, attributes", `{"id":7,"name":" Acme ","domain_names":["localhost","https://www.Acme.io/"],"external_id":"X1","tags":["a","b"]}`,
			connectors.Customer{Ref: connectors.Ref{ExternalID: "7", Domain: "acme.io"}, Name: "Acme",
				Attributes: map[string]string{"zendesk_external_id": "X1", "zendesk_tags": "a,b"}}},
		{"no domain: id only", `{"id":8,"name":"Initech","domain_names":[],"external_id":null,"tags":[]}`,
			connectors.Customer{Ref: connectors.Ref{ExternalID: "8"}, Name: "Initech"}},
		{"null lists", `{"id":9,"name":"N","domain_names":null,"tags":null,"external_id":"  "}`,
			connectors.Customer{Ref: connectors.Ref{ExternalID: "9"}, Name: "N"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o organization
			if err := json.Unmarshal([]byte(tt.json), &o); err != nil {
				t.Fatal(err)
			}
			got := o.customer()
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(tt.want)
			if string(gb) != string(wb) {
				t.Errorf("customer = %s, want %s", gb, wb)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	since := time.Date(2026, 8, 18, 6, 0, 0, 0, time.UTC)
	tk := func(id, org int64, status, prio, score string, created time.Time) ticket {
		t := ticket{ID: id, OrganizationID: org, Status: status, Priority: prio, CreatedAt: created}
		if score != "" {
			t.Satisfaction = &struct {
				Score string `json:"score"`
			}{score}
		}
		return t
	}
	in := since.Add(time.Hour)
	tests := []struct {
		name   string
		window []ticket
		open   []ticket
		want   map[string]stats
	}{
		{"created exactly at the window start counts", []ticket{tk(1, 5, "open", "low", "", since)}, nil,
			map[string]stats{"5": {Tickets: 1}}},
		{"created before the window does not", []ticket{tk(1, 5, "open", "low", "", since.Add(-time.Second))}, nil,
			map[string]stats{}},
		{"a ticket met twice counts once, in its latest state", []ticket{tk(1, 5, "open", "normal", "", in), tk(1, 5, "solved", "urgent", "bad", in)}, nil,
			map[string]stats{"5": {Tickets: 1, Escalations: 1, Bad: 1}}},
		{"no organization and deleted tickets count for nobody", []ticket{tk(1, 0, "open", "high", "good", in), tk(2, 5, "deleted", "high", "good", in)}, nil,
			map[string]stats{}},
		{"offered and unoffered ratings are not ratings", []ticket{tk(1, 5, "solved", "high", "offered", in), tk(2, 5, "solved", "urgent", "unoffered", in), tk(3, 5, "solved", "", "good", in)}, nil,
			map[string]stats{"5": {Tickets: 3, Escalations: 2, Good: 1}}},
		{"open counts unsolved statuses, once per ticket", nil,
			[]ticket{tk(1, 5, "new", "", "", in), tk(2, 5, "hold", "", "", in), tk(2, 5, "hold", "", "", in), tk(3, 5, "solved", "", "", in), tk(4, 6, "pending", "", "", in)},
			map[string]stats{"5": {Open: 2}, "6": {Open: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := aggregate(tt.window, tt.open, since)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d organizations %v, want %v", len(got), got, tt.want)
			}
			for k, w := range tt.want {
				if got[k] == nil || *got[k] != w {
					t.Errorf("org %s = %+v, want %+v", k, got[k], w)
				}
			}
		})
	}
}

func TestSignalsOmitCsatWithoutRatings(t *testing.T) {
	ref, at := connectors.Ref{ExternalID: "1"}, connectortest.Clock
	names := func(s []connectors.Signal) (out []string) {
		for _, x := range s {
			out = append(out, x.Name)
		}
		return out
	}
	if got := names(signals(ref, nil, at)); !slices.Equal(got, []string{"tickets_90d", "tickets_open", "escalations_90d"}) {
		t.Errorf("no tickets: %v, want the three counts at zero and no csat", got)
	}
	s := signals(ref, &stats{Tickets: 4, Good: 3, Bad: 1}, at)
	if len(s) != 4 || s[3].Name != "csat" || s[3].Value != 75 {
		t.Errorf("3 good, 1 bad: %+v, want csat 75", s)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*connectors.Settings)
		wantErr string
	}{
		{"ok", func(s *connectors.Settings) {}, ""},
		{"base_url with /api/v2 is accepted", func(s *connectors.Settings) { s.BaseURL = "https://acme.zendesk.com/api/v2/" }, ""},
		{"missing fields", func(s *connectors.Settings) { s.Email, s.Token = "", "" }, "needs email, token"},
		{"relative base_url", func(s *connectors.Settings) { s.BaseURL = "acme.zendesk.com" }, "must be an absolute URL"},
		{"unknown option", func(s *connectors.Settings) { s.Options = map[string]string{"pagesize": "5"} }, `unknown option "pagesize"`},
		{"option out of range", func(s *connectors.Settings) { s.Options = map[string]string{"page_size": "500"} }, "page_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings()
			tt.edit(&s)
			c, err := New(s)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := c.(*Connector).api.BaseURL; got != "https://acme.zendesk.com" {
					t.Errorf("base = %q", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// By default the export client is paced at Zendesk's documented 10 requests a minute.
func TestDefaultExportPace(t *testing.T) {
	s := settings()
	s.Options = nil
	c, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	z := c.(*Connector)
	if got := float64(z.export.Limiter.Limit()) * 60; got < 9.99 || got > 10.01 {
		t.Errorf("export pace = %v/min, want 10", got)
	}
	if z.pageSize != 100 || z.exportPageSize != 1000 {
		t.Errorf("page sizes = %d, %d, want 100, 1000", z.pageSize, z.exportPageSize)
	}
}
