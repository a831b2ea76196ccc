package stripe_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	_ "github.com/advocate-hq/advocate/connectors/stripe"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
)

func settings() connectors.Settings {
	return connectors.Settings{Name: "billing", Type: "stripe", APIKey: "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
		Options: map[string]string{"domain_metadata_key": "company_domain"}}
}

// want is what a full pass over the fake account publishes, per company, in dollars. A missing
// key means "not published".
var want = map[string]map[string]float64{
	// cus_A1 + cus_A2: 1200 + 1200 + 49.99 paid (in_9 is open); 100 + 2×1200/12 + 10×4.33 (past_due counts).
	// seats: the quantities of the licensed items of active subscriptions (1 + 2 + 1).
	"acme.io": {"ltv": 2449.99, "mrr": 343.3, "seats": 4},
	// matched by metadata (owner@gmail.com alone gives no domain); 300/3 months; metered item adds 0.
	"globex.com": {"ltv": 300, "mrr": 100, "seats": 1},
	"initech.de": {"seats": 1},                          // euro only: no money in usd; seats are not money
	"hooli.xyz":  {"ltv": 0, "mrr": 0},                  // no paid invoice; trialing does not count
	"tiered.io":  {"ltv": 250, "seats": 5},              // tiered price: no unit amount, so no mrr
	"many.io":    {"ltv": 110, "mrr": 110, "seats": 11}, // 11 items, one more than Stripe embeds
	"sakura.jp":  {"mrr": 0},                            // yen invoices only; no subscription
	// cus_D (Dee Freelance, free mail, no metadata) has no domain: skipped, not stored.
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFakeStripe() },
		MinRequests: 8,
		Check:       checkStore,
	})
}

func checkStore(t *testing.T, st *store.Store) {
	t.Helper()
	all := connectortest.Customers(t, st)
	byKey := map[string]advocate.Customer{}
	for _, c := range all {
		byKey[c.Domain] = c
		if c.Domain == "" {
			t.Errorf("customer without a domain stored: %+v", c)
		}
	}
	if len(all) != len(want) {
		t.Errorf("%d customers stored, want %d (two Stripe customers of acme.io are one; the deleted one is none): %+v", len(all), len(want), all)
	}
	if byKey["acme.io"].Name != "Acme Inc" {
		t.Errorf("acme.io name = %q, want Acme Inc", byKey["acme.io"].Name)
	}
	for key, sigs := range want {
		c, ok := byKey[key]
		if !ok {
			t.Errorf("customer %s not stored", key)
			continue
		}
		got := map[string]float64{}
		for name, s := range connectortest.Latest(t, st, c.ID) {
			got[name] = s.Value
			if !s.ObservedAt.Equal(connectortest.Clock) {
				t.Errorf("%s %s observed at %s, want the run's clock", key, name, s.ObservedAt)
			}
		}
		if !reflect.DeepEqual(got, sigs) {
			t.Errorf("%s signals = %v, want %v", key, got, sigs)
		}
	}
}

// memSink keeps every committed page.
type memSink struct{ connectortest.Sink }

// signals is the last value of each company's signals, keyed "domain or id/signal".
func (m *memSink) signals() map[string]float64 {
	out := map[string]float64{}
	for _, s := range m.All().Signals {
		key := s.Customer.Domain
		if key == "" {
			key = s.Customer.ExternalID
		}
		out[key+"/"+s.Name] = s.Value
	}
	return out
}

// TestInterruptedAnywhereEqualsCleanPass fails the pass at every request in turn, resumes from
// the cursor the failed run committed last, and expects exactly the clean pass's values: the
// running totals in the cursor must neither lose nor double-count a page.
func TestInterruptedAnywhereEqualsCleanPass(t *testing.T) {
	clean := &memSink{}
	fake := newFakeStripe()
	if err := connectortest.Connect(t, settings(), connectortest.NewServer(t, fake)).Sync(context.Background(), "", clean); err != nil {
		t.Fatal(err)
	}
	wantSignals := clean.signals()
	requests := len(fake.paths())
	for n := 1; n <= requests; n++ {
		srv := connectortest.NewServer(t, newFakeStripe())
		c := connectortest.Connect(t, settings(), srv)
		srv.FailAt(n, connectortest.Fault{Status: 400, Body: `{"error":{"type":"invalid_request_error","message":"boom"}}`})
		sink := &memSink{}
		if err := c.Sync(context.Background(), "", sink); err == nil {
			t.Fatalf("request %d failed but the sync did not", n)
		}
		if err := c.Sync(context.Background(), sink.Cursor(), sink); err != nil {
			t.Fatalf("resume after failing request %d: %v", n, err)
		}
		if got := sink.signals(); !reflect.DeepEqual(got, wantSignals) {
			t.Errorf("failing request %d then resuming published %v, want %v", n, got, wantSignals)
		}
	}
	if got := wantSignals["acme.io/ltv"]; got != 2449.99 {
		t.Errorf("acme.io ltv = %v", got)
	}
}

func TestEveryRunIsAFullPassAndRequestsAreWellFormed(t *testing.T) {
	fake := newFakeStripe()
	c := connectortest.Connect(t, settings(), connectortest.NewServer(t, fake))
	first := &memSink{}
	if err := c.Sync(context.Background(), "", first); err != nil {
		t.Fatal(err)
	}
	n := len(fake.paths())
	second := &memSink{}
	if err := c.Sync(context.Background(), first.Cursor(), second); err != nil {
		t.Fatal(err)
	}
	paths := fake.paths()
	if len(paths) != 2*n || !reflect.DeepEqual(second.signals(), first.signals()) {
		t.Errorf("second run made %d requests (first %d) and published %v, want a full pass with the same values", len(paths)-n, n, second.signals())
	}
	for _, p := range []string{
		"/v1/invoices?expand%5B%5D=data.customer&limit=100&status=paid",
		"/v1/invoices?expand%5B%5D=data.customer&limit=100&starting_after=in_3&status=paid",
		"/v1/subscriptions?expand%5B%5D=data.customer&limit=100",
		"/v1/subscription_items?limit=100&subscription=sub_8",
		"/v1/subscription_items?limit=100&starting_after=si_M02&subscription=sub_8",
		"/v1/customers?limit=100",
	} {
		if !slices.Contains(paths, p) {
			t.Errorf("no request %s in %q", p, paths)
		}
	}
	for _, p := range paths {
		if strings.Contains(p, "/v1/events") {
			t.Errorf("request to %s: upsells cannot be computed from 30 days of events", p)
		}
	}
}

func TestReportingCurrencyOption(t *testing.T) {
	tests := []struct {
		currency string
		want     map[string]float64
	}{
		// Yen have no minor unit: 500000 is ¥500,000. Companies with usd money are partial.
		{"jpy", map[string]float64{"sakura.jp/ltv": 500000, "sakura.jp/mrr": 0, "hooli.xyz/ltv": 0, "hooli.xyz/mrr": 0}},
		{"EUR", map[string]float64{"initech.de/ltv": 500, "initech.de/mrr": 99, "hooli.xyz/ltv": 0, "hooli.xyz/mrr": 0, "sakura.jp/mrr": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.currency, func(t *testing.T) {
			s := settings()
			s.Options["currency"] = tt.currency
			sink := &memSink{}
			if err := connectortest.Connect(t, s, connectortest.NewServer(t, newFakeStripe())).Sync(context.Background(), "", sink); err != nil {
				t.Fatal(err)
			}
			got := sink.signals()
			for k, v := range got {
				if strings.HasPrefix(k, "acme.io/") && k != "acme.io/seats" { // seats are not money
					t.Errorf("%s = %v published, but acme.io pays in usd only", k, v)
				}
			}
			for k, v := range tt.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (published %v), want %v", k, g, ok, v)
				}
			}
		})
	}
}

func TestSkippedMoneyIsLogged(t *testing.T) {
	var buf bytes.Buffer
	s := settings()
	s.Runtime.Log = slog.New(slog.NewTextHandler(&buf, nil))
	if err := connectortest.Connect(t, s, connectortest.NewServer(t, newFakeStripe())).Sync(context.Background(), "", &memSink{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stripe pass complete", "connector=billing", "currency=usd", "invoices_other_currency_skipped=2",
		"subscriptions_other_currency_skipped=1", "items_without_unit_amount_skipped=1", "deleted_customer_objects_skipped=1"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), "sk_test_") {
		t.Error("the API key reached the log")
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		edit func(*connectors.Settings)
		want string
	}{
		{"ErrKeyRequired", func(s *connectors.Settings) { s.APIKey = "" }, "needs api_key"},
		{"ErrCurrency", func(s *connectors.Settings) { s.Options["currency"] = "dollars" }, "three-letter currency"},
		{"ErrMetadataKeyEmpty", func(s *connectors.Settings) { s.Options["domain_metadata_key"] = " " }, "domain_metadata_key is empty"},
		{"ErrAPIVersion", func(s *connectors.Settings) { s.Options["api_version"] = "latest" }, "api_version"},
		{"ErrUnknownOption", func(s *connectors.Settings) { s.Options["upsell_types"] = "x" }, `unknown option "upsell_types"`},
		{"ErrBaseURL", func(s *connectors.Settings) { s.BaseURL = "api.stripe.com" }, "base_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings()
			tt.edit(&s)
			if _, err := connectors.New(s); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBaseURLWithV1AndPinnedVersion(t *testing.T) {
	fake := newFakeStripe()
	var version string
	srv := connectortest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version = r.Header.Get("Stripe-Version")
		fake.ServeHTTP(w, r)
	}))
	s := settings()
	s.Options["api_version"] = "2024-06-20"
	s = connectortest.Point(s, srv, &connectortest.Waits{})
	s.BaseURL = srv.URL + "/v1/"
	c, err := connectors.New(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(context.Background(), "", &memSink{}); err != nil {
		t.Fatalf("base_url ending in /v1: %v", err)
	}
	if version != "2024-06-20" {
		t.Errorf("Stripe-Version = %q, want the pinned version", version)
	}
}

func TestResumePointDeletedRestartsThePass(t *testing.T) {
	clean := &memSink{}
	if err := connectortest.Connect(t, settings(), connectortest.NewServer(t, newFakeStripe())).Sync(context.Background(), "", clean); err != nil {
		t.Fatal(err)
	}
	fake := newFakeStripe()
	c := connectortest.Connect(t, settings(), connectortest.NewServer(t, fake))
	// A run stopped in the customers phase after cus_GONE, which was deleted before the resume;
	// its half-built totals must not survive the restart.
	cursor := `{"phase":"customers","after":"cus_GONE","totals":{"d:acme.io":{"l":1}}}`
	sink := &memSink{}
	if err := c.Sync(context.Background(), cursor, sink); err != nil {
		t.Fatal(err)
	}
	if got, want := sink.signals(), clean.signals(); !reflect.DeepEqual(got, want) {
		t.Errorf("after a restart published %v, want %v", got, want)
	}
	if p := fake.paths(); !strings.Contains(p[1], "/v1/invoices") {
		t.Errorf("requests %q: want the pass to start over with invoices", p)
	}
}

// A customer without domain metadata takes its email's domain (counted as matched by contact
// domain); one with a free-mail address and no metadata is skipped and counted, not stored
// under its Stripe id where no other source could meet it.
func TestCustomersWithoutDomainMatchedByEmailOrSkipped(t *testing.T) {
	connectortest.EachEngine(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		st := open(t)
		var waits connectortest.Waits
		res := connectortest.Sync(t, st, connectortest.Point(settings(), connectortest.NewServer(t, newFakeStripe()), &waits))
		if res.Failed() {
			t.Fatal(res.Error)
		}
		// By email: A1, A2 (acme.io), E, F, T, M, J; G has metadata; D is free mail only.
		if want := (connectors.Matching{ByContactDomain: 7, Unmatched: 1}); res.Matching != want {
			t.Errorf("matching = %+v, want %+v", res.Matching, want)
		}
	})
}
