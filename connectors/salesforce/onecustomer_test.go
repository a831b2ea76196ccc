package salesforce_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	_ "github.com/advocate-hq/advocate/connectors/zendesk" // the support tool of the end-to-end case
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
)

// zendeskFake answers each path with the JSON testdata/zendesk.json holds for it: a Zendesk
// account, as its API documents the answers (one page each), whose organization Wayne
// Enterprises names the domain wayne.com.
func zendeskFake(t *testing.T) http.Handler {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "zendesk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var routes map[string]json.RawMessage
	if err := json.Unmarshal(b, &routes); err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := routes[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"InvalidEndpoint","description":"Not found: %s"}`, r.URL.Path)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

// Issue 17's done-when: a Salesforce Account without a Website (its contacts at wayne.com) and
// the support tool's organization for wayne.com become exactly one customer, with the
// Salesforce owner, upsells and the ticket signals, whichever source syncs first; the Account
// with free-mail contacts only (Solo Consulting) becomes no customer, and no customer lacks a
// domain.
func TestAccountWithoutWebsiteAndSupportToolAreOneCustomer(t *testing.T) {
	zendesk := connectors.Settings{Name: "support", Type: "zendesk", BaseURL: "https://acme.zendesk.com",
		Email: "ops@vendor.example", Token: "zd-test"}
	tests := []struct {
		name  string
		order []string
	}{
		{"CRMFirst", []string{"sfdc", "support"}},
		{"SupportFirst", []string{"support", "sfdc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			connectortest.EachEngine(t, func(t *testing.T, open func(testing.TB) *store.Store) {
				st := open(t)
				for _, name := range tt.order {
					s, fake := settings(), http.Handler(newFakeOrg())
					if name == "support" {
						s, fake = zendesk, zendeskFake(t)
					}
					r := connectortest.Sync(t, st, connectortest.Point(s, connectortest.NewServer(t, fake), &connectortest.Waits{}))
					if r.Failed() {
						t.Fatalf("sync %s: %s", name, r.Error)
					}
				}
				custs := connectortest.Customers(t, st)
				var wayne []advocate.Customer
				for _, c := range custs {
					if c.Domain == "" {
						t.Errorf("customer without a domain: %+v", c)
					}
					if c.Name == "Solo Consulting" {
						t.Errorf("Solo Consulting (no Website, free-mail contacts only) became a customer: %+v", c)
					}
					if c.Domain == "wayne.com" || c.Name == "Wayne Enterprises" {
						wayne = append(wayne, c)
					}
				}
				if len(wayne) != 1 {
					t.Fatalf("Wayne Enterprises is %d customers %+v, want exactly one", len(wayne), wayne)
				}
				if w := wayne[0]; w.Domain != "wayne.com" || w.Owner != "sam@vendor.com" {
					t.Errorf("wayne = %+v, want wayne.com owned by the Account's owner sam@vendor.com", w)
				}
				// Salesforce's upsells and health, Zendesk's tickets (2 of 3 rated: 1 good).
				wantSignals(t, st, "wayne.com", map[string]float64{"upsells_12m": 1, "health_score": 88,
					"tickets_90d": 3, "escalations_90d": 2, "tickets_open": 1, "csat": 50})
				if slices.ContainsFunc(custs, func(c advocate.Customer) bool { return c.Domain == "gmail.com" }) {
					t.Errorf("a customer at a free-mail domain: %+v", custs)
				}
			})
		})
	}
}
