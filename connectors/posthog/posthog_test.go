package posthog

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func settings() connectors.Settings {
	return connectors.Settings{Name: "usage", Type: "posthog", APIKey: fakeKey, ProjectID: fakeProject,
		Options: map[string]string{"page_size": "3"}}
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFake() },
		MinRequests: 4, // ten accounts in pages of three
		Check:       checkStore,
	})
}

// usage reads one customer's latest usage signals from the store.
func usage(t *testing.T, st *store.Store, domain string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for name, v := range connectortest.Latest(t, st, connectortest.Find(t, st, domain).ID) {
		if !v.ObservedAt.Equal(connectortest.Clock) {
			t.Errorf("%s %s observed at %s, want the sync clock %s", domain, name, v.ObservedAt, connectortest.Clock)
		}
		out[name] = v.Value
	}
	return out
}

// checkStore asserts what a user sees after a full sync of newFake.
func checkStore(t *testing.T, st *store.Store) {
	t.Helper()
	all := connectortest.Customers(t, st)
	// Nine domains; org_77 is no domain and oldco.com had no events in 60 days.
	if len(all) != 9 {
		t.Errorf("%d customers, want 9", len(all))
	}
	for domain, want := range map[string]map[string]float64{
		"acme.io":    {"active_users": 3, "product_events_30d": 30, "usage_trend": 1.5},
		"globex.com": {"active_users": 2, "product_events_30d": 10}, // nothing before: no trend
		"hooli.xyz":  {"active_users": 4, "product_events_30d": 8, "usage_trend": 0.5},
		"initech.io": {"active_users": 0, "product_events_30d": 0, "usage_trend": 0},
		"wayne.com":  {"active_users": 1, "product_events_30d": 5, "usage_trend": 2.5},
	} {
		if got := usage(t, st, domain); !reflect.DeepEqual(got, want) {
			t.Errorf("%s usage = %v, want %v", domain, got, want)
		}
	}
	if _, err := st.FindCustomer(context.Background(), "oldco.com"); err == nil {
		t.Error("oldco.com exists, but its events are all older than 60 days")
	}
}

func TestAccountsWithoutDomainAreUnmatched(t *testing.T) {
	storetest.Each(t, testAccountsWithoutDomainAreUnmatched)
}

func testAccountsWithoutDomainAreUnmatched(t *testing.T, st *store.Store) {
	r := connectortest.Sync(t, st, connectortest.Point(settings(), connectortest.NewServer(t, newFake()), &connectortest.Waits{}))
	if r.Failed() {
		t.Fatal(r.Error)
	}
	if r.Unmatched != 3 { // org_77's three signals
		t.Errorf("unmatched = %d, want 3 (org_77 has no domain)", r.Unmatched)
	}
}

func TestDomainProperty(t *testing.T) { storetest.Each(t, testDomainProperty) }

func testDomainProperty(t *testing.T, st *store.Store) {
	s := settings()
	s.Options = map[string]string{"page_size": "4", "domain_property": "domain"}
	r := connectortest.Sync(t, st, connectortest.Point(s, connectortest.NewServer(t, newFake()), &connectortest.Waits{}))
	if r.Failed() {
		t.Fatal(r.Error)
	}
	all, _ := st.Customers(context.Background())
	var domains []string
	for _, c := range all {
		domains = append(domains, c.Domain)
	}
	// Only the two groups with a domain property are placed; the others have none.
	if len(domains) != 2 {
		t.Fatalf("customers %v, want acme.io and seventyseven.com", domains)
	}
	if got := usage(t, st, "seventyseven.com"); got["product_events_30d"] != 3 || got["usage_trend"] != 3 {
		t.Errorf("seventyseven.com usage = %v, want 3 events and trend 3", got)
	}
}

func TestPagesShareOneAsOfAndResume(t *testing.T) {
	f := newFake()
	s := connectortest.Point(settings(), connectortest.NewServer(t, f), &connectortest.Waits{})
	// A pass that began an hour ago and committed two pages resumes at offset 6 with its own
	// as-of time, not the clock's.
	began := connectortest.Clock.Add(-time.Hour)
	sink := connectortest.Collect(t, s, connectors.EncodeCursor(cursor{AsOf: began.Unix(), Offset: 6}))
	qs := f.seen()
	if len(qs) != 2 || !strings.HasSuffix(qs[0], "LIMIT 3 OFFSET 6") || !strings.HasSuffix(qs[1], "LIMIT 3 OFFSET 9") {
		t.Fatalf("queries = %q, want offsets 6 and 9", qs)
	}
	for _, q := range qs {
		if !strings.Contains(q, "fromUnixTimestamp("+itoa(began.Unix())+")") {
			t.Errorf("query %q is not anchored at the pass's as-of time", q)
		}
	}
	for _, sg := range sink.All().Signals {
		if !sg.ObservedAt.Equal(began) {
			t.Errorf("%s observed at %s, want the pass's as-of %s", sg.Name, sg.ObservedAt, began)
		}
	}
	if got := sink.Pages[len(sink.Pages)-1].Cursor; got != "{}" {
		t.Errorf("cursor after the last page = %s, want {} (next run starts a new pass)", got)
	}
}

func TestStalePassStartsOver(t *testing.T) {
	f := newFake()
	s := connectortest.Point(settings(), connectortest.NewServer(t, f), &connectortest.Waits{})
	old := connectortest.Clock.Add(-25 * time.Hour)
	connectortest.Collect(t, s, connectors.EncodeCursor(cursor{AsOf: old.Unix(), Offset: 6}))
	if q := f.seen()[0]; !strings.HasSuffix(q, "OFFSET 0") || !strings.Contains(q, itoa(connectortest.Clock.Unix())) {
		t.Errorf("first query %q, want a new pass from offset 0 at the current clock", q)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestQuery(t *testing.T) {
	at := time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)
	c := &Connector{groupIndex: 2, domainProp: "website", pageSize: 500}
	q := c.query(at, 1000)
	for _, want := range []string{
		"SELECT $group_2 AS account, any(group_2.properties.website) AS domain,",
		"uniqExactIf(person_id, timestamp >= fromUnixTimestamp(1794808800) - INTERVAL 30 DAY) AS active_users",
		"countIf(timestamp < fromUnixTimestamp(1794808800) - INTERVAL 30 DAY) AS events_prev_30d",
		"WHERE timestamp >= fromUnixTimestamp(1794808800) - INTERVAL 60 DAY AND timestamp < fromUnixTimestamp(1794808800) AND $group_2 != ''",
		"GROUP BY account ORDER BY account ASC LIMIT 500 OFFSET 1000",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %q:\n%s", want, q)
		}
	}
}

func TestMapRows(t *testing.T) {
	at := connectortest.Clock
	c := &Connector{}
	resp := queryResponse{
		Columns: []string{"events_prev_30d", "account", "events_30d", "active_users"}, // any order
		Results: [][]any{
			{float64(4), "Acme.io", float64(6), float64(2)},
			{"0", "org_1.5", "7", "1"}, // counts as strings; a key that is no domain
			{float64(1), "", float64(1), float64(1)},
			{float64(1), "x.com", "lots", float64(1)},
		},
	}
	page, err := c.mapRows(resp, at)
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Signal{
		{Customer: connectors.Ref{ExternalID: "Acme.io", Domain: "acme.io"}, Name: "active_users", Value: 2, ObservedAt: at},
		{Customer: connectors.Ref{ExternalID: "Acme.io", Domain: "acme.io"}, Name: "product_events_30d", Value: 6, ObservedAt: at},
		{Customer: connectors.Ref{ExternalID: "Acme.io", Domain: "acme.io"}, Name: "usage_trend", Value: 1.5, ObservedAt: at},
		{Customer: connectors.Ref{ExternalID: "org_1.5"}, Name: "active_users", Value: 1, ObservedAt: at},
		{Customer: connectors.Ref{ExternalID: "org_1.5"}, Name: "product_events_30d", Value: 7, ObservedAt: at},
	}
	if !reflect.DeepEqual(page.Signals, want) {
		t.Errorf("signals:\n%+v\nwant\n%+v", page.Signals, want)
	}
	if len(page.Problems) != 2 {
		t.Errorf("problems = %v, want 2 (empty key, unreadable count)", page.Problems)
	}
	if _, err := c.mapRows(queryResponse{Columns: []string{"account"}}, at); err == nil || !strings.Contains(err.Error(), "active_users") {
		t.Errorf("missing columns: %v, want an error naming the column", err)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	ok := connectors.Settings{Name: "usage", Type: "posthog", APIKey: "k", ProjectID: "1"}
	with := func(k, v string) connectors.Settings {
		s := ok
		s.Options = map[string]string{k: v}
		return s
	}
	tests := []struct {
		name string
		s    connectors.Settings
		want string
	}{
		{"ErrKeyAndProjectRequired", connectors.Settings{Name: "usage", Type: "posthog"}, "needs api_key, project_id"},
		{"ErrProjectIDIsAPath", func() connectors.Settings { s := ok; s.ProjectID = "1/../2"; return s }(), "project_id"},
		{"ErrGroupIndex", with("group_index", "5"), "group_index"},
		{"ErrDomainPropertyInjection", with("domain_property", "domain) FROM persons --"), "domain_property"},
		{"ErrPageSize", with("page_size", "50001"), "page_size"},
		{"ErrUnknownOption", with("group_type", "company"), `unknown option "group_type"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := connectors.New(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
