package custify

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
)

func settings() connectors.Settings {
	return connectors.Settings{Name: "cs", Type: "custify", Token: fakeToken, Options: map[string]string{"page_size": "3"}}
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFake() },
		MinRequests: 4, // ten companies in pages of three
		Check:       checkStore,
	})
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// checkStore asserts what a user sees after a full sync of newFake.
func checkStore(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	all := connectortest.Customers(t, st)
	if len(all) != 10 {
		t.Errorf("%d customers, want 10", len(all))
	}
	health := func(c advocate.Customer) (advocate.SignalValue, bool) {
		v, ok := connectortest.Latest(t, st, c.ID)["health_score"]
		return v, ok
	}
	for _, tc := range []struct {
		domain string
		want   float64 // -1: no health score
		at     time.Time
	}{
		{"acme.io", 82, ts("2026-10-10T08:00:00Z")},       // the score's own updated_at
		{"globex.com", 45, time.UnixMilli(1791000000000)}, // the company's updated_at, in ms
		{"initech.io", 67.5, ts("2026-10-09T10:30:00Z")},  // website "www.initech.io"
		{"hooli.xyz", 0, ts("2026-10-08T00:00:00Z")},      // a 0 is a score
		{"stark.com", 55, ts("2026-10-06T00:00:00Z")},     // the workspace's only score
		{"soylent.com", 91, ts("2026-10-05T09:00:00Z")},   // a bare number
		{"umbrella.co", -1, time.Time{}},                  // no score at all
		{"piedpiper.com", -1, time.Time{}},                // a null score
		{"wayne.com", -1, time.Time{}},                    // two scores, none global: ambiguous
	} {
		c, err := st.FindCustomer(ctx, tc.domain)
		if err != nil {
			t.Errorf("%s: %v", tc.domain, err)
			continue
		}
		v, ok := health(c)
		switch {
		case tc.want < 0 && ok:
			t.Errorf("%s has health_score %v, want none", tc.domain, v.Value)
		case tc.want >= 0 && (!ok || v.Value != tc.want || !v.ObservedAt.Equal(tc.at)):
			t.Errorf("%s health_score = %v (%v) at %s, want %v at %s", tc.domain, v.Value, ok, v.ObservedAt, tc.want, tc.at.UTC())
		}
	}
	acme := connectortest.Find(t, st, "acme.io")
	if acme.Name != "Acme" || acme.Owner != "dana@vendor.com" || acme.Attributes["plan"] != "Pro" || acme.Attributes["industry"] != "Software" {
		t.Errorf("acme.io = %+v, want name Acme, owner dana@vendor.com, plan Pro, industry Software", acme)
	}
	i := slices.IndexFunc(all, func(c advocate.Customer) bool { return c.Name == "Local Bakery" })
	if i < 0 {
		t.Fatal("the company without a website is missing")
	}
	if v, ok := health(all[i]); all[i].Domain != "" || !ok || v.Value != 70 {
		t.Errorf("company without a website: domain %q, health %v (%v); want no domain and 70", all[i].Domain, v.Value, ok)
	}
}

func TestPagesAndCursor(t *testing.T) {
	f := newFake()
	s := connectortest.Point(settings(), connectortest.NewServer(t, f), &connectortest.Waits{})
	sink := connectortest.Collect(t, s, `{"page":3}`) // resume a pass that committed pages 1 and 2
	var pages []string
	for _, q := range f.seen() {
		if q.Get("itemsPerPage") != "3" {
			t.Errorf("itemsPerPage = %q, want 3", q.Get("itemsPerPage"))
		}
		pages = append(pages, q.Get("page"))
	}
	// total = 10: page 4 holds the last company, so the pass ends without asking for page 5.
	if want := []string{"3", "4"}; !reflect.DeepEqual(pages, want) {
		t.Errorf("pages requested = %v, want %v", pages, want)
	}
	var cursors []string
	for _, p := range sink.Pages {
		cursors = append(cursors, p.Cursor)
	}
	if want := []string{`{"page":4}`, `{}`}; !reflect.DeepEqual(cursors, want) {
		t.Errorf("cursors = %v, want %v (a finished pass starts over next run)", cursors, want)
	}
}

func TestMapCompany(t *testing.T) {
	now := ts("2026-11-16T06:00:00Z")
	ref := connectors.Ref{ExternalID: "c1", Domain: "acme.io"}
	tests := []struct {
		name     string
		option   string
		json     string
		signals  []connectors.Signal
		problems int
		unpicked []string
	}{
		{"GlobalObject", "", `{"id":"c1","domain":"acme.io","metrics":{"health_scores":{"global":{"value":80,"updated_at":"2026-10-01T00:00:00Z"},"s1":{"value":5}}}}`,
			[]connectors.Signal{{Customer: ref, Name: "health_score", Value: 80, ObservedAt: ts("2026-10-01T00:00:00Z")}}, 0, nil},
		{"ConfiguredKey", "s1", `{"id":"c1","domain":"acme.io","metrics":{"health_scores":{"global":80,"s1":{"value":5}}}}`,
			[]connectors.Signal{{Customer: ref, Name: "health_score", Value: 5, ObservedAt: now}}, 0, nil},
		{"ConfiguredKeyMissing", "s2", `{"id":"c1","domain":"acme.io","metrics":{"health_scores":{"global":80}}}`, nil, 0, nil},
		{"AmbiguousWithoutGlobal", "", `{"id":"c1","domain":"acme.io","metrics":{"health_scores":{"b":1,"a":2}}}`, nil, 0, []string{"a", "b"}},
		{"UnixSecondsUpdatedAt", "", `{"id":"c1","website":"https://www.acme.io/","updated_at":1790000000,"metrics":{"health_scores":{"global":{"value":12}}}}`,
			[]connectors.Signal{{Customer: ref, Name: "health_score", Value: 12, ObservedAt: time.Unix(1790000000, 0).UTC()}}, 0, nil},
		{"OutOfScaleIsAProblem", "", `{"id":"c1","domain":"acme.io","metrics":{"health_scores":{"global":140}}}`, nil, 1, nil},
		{"UnreadableIsAProblem", "", `{"id":"c1","domain":"acme.io","metrics":{"health_scores":{"global":"high"}}}`, nil, 1, nil},
		{"NoIDIsAProblem", "", `{"name":"Ghost","metrics":{"health_scores":{"global":50}}}`, nil, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var co company
			if err := json.Unmarshal([]byte(tc.json), &co); err != nil {
				t.Fatal(err)
			}
			c := &Connector{scoreKey: tc.option, now: func() time.Time { return now }}
			var page connectors.Page
			unpicked := c.mapCompany(co, &page)
			if !reflect.DeepEqual(page.Signals, tc.signals) || len(page.Problems) != tc.problems || !reflect.DeepEqual(unpicked, tc.unpicked) {
				t.Errorf("signals %+v, problems %v, unpicked %v; want %+v, %d problems, unpicked %v",
					page.Signals, page.Problems, unpicked, tc.signals, tc.problems, tc.unpicked)
			}
		})
	}
}

func TestOwnerMustBeAnEmail(t *testing.T) {
	c := &Connector{now: time.Now}
	var page connectors.Page
	c.mapCompany(company{ID: "c1", OwnersCSM: "64abc000000000000000beef"}, &page)
	c.mapCompany(company{ID: "c2", OwnersCSM: []any{"a@b.com"}}, &page)
	for _, cu := range page.Customers {
		if cu.Owner != "" {
			t.Errorf("company %s owner = %q, want none (not an email address)", cu.ExternalID, cu.Owner)
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		s    connectors.Settings
		want string
	}{
		{"ErrTokenRequired", connectors.Settings{Name: "cs", Type: "custify"}, "needs token"},
		{"ErrPageSize", connectors.Settings{Name: "cs", Type: "custify", Token: "t", Options: map[string]string{"page_size": "501"}}, "page_size"},
		{"ErrEmptyHealthScore", connectors.Settings{Name: "cs", Type: "custify", Token: "t", Options: map[string]string{"health_score": ""}}, "health_score"},
		{"ErrUnknownOption", connectors.Settings{Name: "cs", Type: "custify", Token: "t", Options: map[string]string{"segment": "x"}}, `unknown option "segment"`},
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
