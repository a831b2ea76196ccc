package vitally

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
	return connectors.Settings{Name: "cs", Type: "vitally", Token: fakeToken, Options: map[string]string{"page_size": "3"}}
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFake() },
		MinRequests: 4, // ten accounts in pages of three
		Check:       checkStore,
		EmptyPage: func() http.Handler {
			f := newFake()
			f.emptyAt = 6
			return f
		},
	})
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
		domain, name string
		want         float64
		at           time.Time
	}{
		{"acme.io", "Acme", 82, at(10)},      // domain trait; 8.2 on Vitally's 0–10 scale
		{"globex.com", "Globex", 65, at(9)},  // externalId that is a domain
		{"initech.io", "Initech", 91, at(8)}, // website trait, normalised
		{"hooli.xyz", "Hooli", 0, at(6)},     // a 0 is a score
		{"piedpiper.com", "Pied Piper", 100, at(4)},
		{"stark.com", "Stark", 73, at(3)}, // 7.3 × 10 without float noise
	} {
		c, err := st.FindCustomer(ctx, tc.domain)
		if err != nil {
			t.Errorf("%s: %v", tc.domain, err)
			continue
		}
		v, ok := health(c)
		if c.Name != tc.name || !ok || v.Value != tc.want || !v.ObservedAt.Equal(tc.at) {
			t.Errorf("%s = %q health %v (%v) at %s, want %q health %v at %s", tc.domain, c.Name, v.Value, ok, v.ObservedAt, tc.name, tc.want, tc.at)
		}
	}
	umbrella := connectortest.Find(t, st, "umbrella.co")
	if _, ok := health(umbrella); ok {
		t.Error("umbrella.co has a health_score, but Vitally reported none")
	}
	i := slices.IndexFunc(all, func(c advocate.Customer) bool { return c.Name == "No Domain Ltd" })
	if i < 0 {
		t.Fatal("the account without a domain is missing")
	}
	if v, ok := health(all[i]); all[i].Domain != "" || !ok || v.Value != 50 {
		t.Errorf("account without a domain: domain %q, health %v (%v); want no domain and health 50", all[i].Domain, v.Value, ok)
	}
}

func TestIncrementalSyncStopsAtHighWaterMarkMinusOverlap(t *testing.T) {
	f := newFake()
	s := connectortest.Point(settings(), connectortest.NewServer(t, f), &connectortest.Waits{})
	first := connectortest.Collect(t, s, "")
	var cur cursor
	if err := json.Unmarshal([]byte(first.Cursor()), &cur); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cur, cursor{HWM: at(10)}) {
		t.Fatalf("cursor after a full pass = %s, want only hwm = newest updatedAt", first.Cursor())
	}
	for _, q := range f.seen() {
		if q.Get("sortBy") != "updatedAt" || q.Get("limit") != "3" {
			t.Errorf("query %v, want sortBy=updatedAt and limit=3", q)
		}
	}

	// Wayne's health improves: the account moves to the top of the list.
	f.touch("acc_9", 6.1, at(11))
	n := len(f.seen())
	second := connectortest.Collect(t, s, first.Cursor())
	if got := len(f.seen()) - n; got != 1 {
		t.Errorf("incremental sync made %d requests, want 1 (it stops at the first account older than the window)", got)
	}
	page := second.All()
	var got []string
	for _, sg := range page.Signals {
		got = append(got, sg.Customer.Domain)
	}
	// Acme (updated at the old high-water mark) is inside the overlap and is read again.
	if want := []string{"wayne.com", "acme.io"}; !reflect.DeepEqual(got, want) {
		t.Errorf("incremental signals for %v, want %v", got, want)
	}
	if page.Signals[0].Value != 61 || !page.Signals[0].ObservedAt.Equal(at(11)) {
		t.Errorf("wayne.com health = %v at %s, want 61 at %s", page.Signals[0].Value, page.Signals[0].ObservedAt, at(11))
	}
	if err := json.Unmarshal([]byte(second.Cursor()), &cur); err != nil || !cur.HWM.Equal(at(11)) || cur.InPass {
		t.Errorf("cursor after incremental = %s, want hwm %s and no pass in progress", second.Cursor(), at(11))
	}
}

func TestResumesFromVitallyCursor(t *testing.T) {
	f := newFake()
	s := connectortest.Point(settings(), connectortest.NewServer(t, f), &connectortest.Waits{})
	mid := connectors.EncodeCursor(cursor{InPass: true, From: encodeCursor(6, false), Max: at(10)})
	sink := connectortest.Collect(t, s, mid)
	if q := f.seen()[0]; q.Get("from") != encodeCursor(6, false) {
		t.Errorf("first request after resume = %v, want from=<the stored cursor>", q)
	}
	if got := len(sink.All().Customers); got != 4 {
		t.Errorf("resumed pass read %d accounts, want the last 4", got)
	}
	if !strings.Contains(sink.Cursor(), `"hwm":"2026-10-10T12:00:00Z"`) {
		t.Errorf("final cursor = %s, want hwm carried over from the pass", sink.Cursor())
	}
}

func TestRateLimitHeadersAreHonoured(t *testing.T) {
	f := newFake()
	f.limited = 1
	waits := &connectortest.Waits{}
	s := connectortest.Point(settings(), connectortest.NewServer(t, f), waits)
	connectortest.Collect(t, s, "")
	if w := waits.All(); len(w) != 1 || w[0] != 23*time.Second {
		t.Errorf("waits = %v, want one wait of RateLimit-Reset = 23s", w)
	}
}

func TestDomainOption(t *testing.T) {
	tests := []struct {
		name   string
		option string
		a      account
		want   string
	}{
		{"DomainTrait", "", account{Traits: map[string]any{"domain": "Acme.io", "website": "other.com"}}, "acme.io"},
		{"WebsiteTrait", "", account{Traits: map[string]any{"website": "https://www.acme.io/home"}}, "acme.io"},
		{"ExternalIDIsDomain", "", account{ExternalID: "acme.io"}, "acme.io"},
		{"ExternalIDIsNotDomain", "", account{ExternalID: "acct_1.5"}, ""},
		{"NumericExternalID", "", account{ExternalID: "12.34"}, ""},
		{"NonStringTrait", "", account{Traits: map[string]any{"domain": 12}}, ""},
		{"ConfiguredTrait", "company_domain", account{Traits: map[string]any{"company_domain": "initech.io", "domain": "wrong.com"}}, "initech.io"},
		{"ConfiguredTraitMissingDoesNotFallBack", "company_domain", account{ExternalID: "acme.io", Traits: map[string]any{"domain": "acme.io"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Connector{domainTrait: tc.option}
			if got := c.domain(tc.a); got != tc.want {
				t.Errorf("domain = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMapAccount(t *testing.T) {
	now := time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)
	c := &Connector{now: func() time.Time { return now }}
	tests := []struct {
		name     string
		a        account
		signals  []connectors.Signal
		problems int
	}{
		{"ScaledToHundred", account{ID: "a", HealthScore: health(8.25), UpdatedAt: at(2)},
			[]connectors.Signal{{Customer: connectors.Ref{ExternalID: "a"}, Name: "health_score", Value: 82.5, ObservedAt: at(2)}}, 0},
		{"NoUpdatedAtUsesClock", account{ID: "a", HealthScore: health(5)},
			[]connectors.Signal{{Customer: connectors.Ref{ExternalID: "a"}, Name: "health_score", Value: 50, ObservedAt: now}}, 0},
		{"NullScoreNoSignal", account{ID: "a", UpdatedAt: at(2)}, nil, 0},
		{"OutOfScaleIsAProblem", account{ID: "a", HealthScore: health(73), UpdatedAt: at(2)}, nil, 1},
		{"NoIDIsAProblem", account{Name: "Ghost"}, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var page connectors.Page
			c.mapAccount(tc.a, &page)
			if !reflect.DeepEqual(page.Signals, tc.signals) || len(page.Problems) != tc.problems {
				t.Errorf("signals %+v problems %v; want %+v and %d problems", page.Signals, page.Problems, tc.signals, tc.problems)
			}
		})
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		s    connectors.Settings
		want string
	}{
		{"ErrTokenRequired", connectors.Settings{Name: "cs", Type: "vitally"}, "needs token"},
		{"ErrPageSize", connectors.Settings{Name: "cs", Type: "vitally", Token: "t", Options: map[string]string{"page_size": "0"}}, "page_size"},
		{"ErrEmptyDomainTrait", connectors.Settings{Name: "cs", Type: "vitally", Token: "t", Options: map[string]string{"domain_trait": " "}}, "domain_trait"},
		{"ErrUnknownOption", connectors.Settings{Name: "cs", Type: "vitally", Token: "t", Options: map[string]string{"health": "x"}}, `unknown option "health"`},
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
