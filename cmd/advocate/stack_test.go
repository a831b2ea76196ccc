package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// vendorFake answers each path with the JSON stored for it in testdata/stack/<file>: the
// responses a vendor gives for a small account, as its API documents them (one page each).
// A bare-array answer (Delighted) is the first page; later pages are empty, which ends paging.
func vendorFake(t *testing.T, file string) *httptest.Server {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "stack", file))
	if err != nil {
		t.Fatal(err)
	}
	var routes map[string]json.RawMessage
	if err := json.Unmarshal(b, &routes); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := routes[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"no route %s in the fake"}`, r.URL.Path)
			return
		}
		if page, _ := strconv.Atoi(r.URL.Query().Get("page")); page > 1 && len(body) > 0 && body[0] == '[' {
			body = json.RawMessage("[]")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// stackConfig is a new user's config: the four vendors of a typical stack, nothing about
// scoring (the default weights and the default gate tenure_days >= 90).
func stackConfig(t *testing.T, dir string) string {
	t.Helper()
	cfg := fmt.Sprintf(`connectors:
  - {name: crm, type: hubspot, base_url: %q, token: "pat-test"}
  - {name: support, type: zendesk, base_url: %q, email: "ops@vendor.example", token: "zd-test"}
  - {name: billing, type: stripe, base_url: %q, api_key: "sk_test_stack"}
  - {name: nps, type: delighted, base_url: %q, api_key: "dl-test"}
`, vendorFake(t, "hubspot.json").URL, vendorFake(t, "zendesk.json").URL, vendorFake(t, "stripe.json").URL, vendorFake(t, "delighted.json").URL)
	path := filepath.Join(dir, "advocate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVendorStackShortlistsWithTheDefaults is issue 10 §1 as a new user meets it: HubSpot,
// Zendesk, Stripe and Delighted answering as the real APIs do, the default scoring config,
// sync → score → shortlist. The tenure gate is fed by the vendors' own customer-since dates
// and insights see the acquisition channels HubSpot records.
func TestVendorStackShortlistsWithTheDefaults(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "advocate.db")
			if engine == "postgres" {
				db = storetest.SchemaDSN(t)
			}
			g := []string{"--config", stackConfig(t, dir), "--db", db}
			cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
			mustOK(t, cmd("migrate"))
			mustOK(t, cmd("sync"))
			mustOK(t, cmd("score"))

			since, total, eligible := customerSince(t, mustOK(t, cmd("export", "--format", "json")).stdout)
			var sl struct {
				Entries []struct {
					Customer struct{ Domain string }
					Contact  struct{ Email string }
				}
			}
			decode(t, mustOK(t, cmd("shortlist", "--json")).stdout, &sl)
			if len(sl.Entries) == 0 {
				t.Fatalf("empty shortlist with the default config; customer_since by domain: %v", since)
			}
			for _, e := range sl.Entries {
				d, ok := since[e.Customer.Domain]
				if tenure := fixedNow.Sub(d).Hours() / 24; !ok || tenure < 90 {
					t.Errorf("%s shortlisted with tenure %.0f days (customer_since %v), want >= 90", e.Customer.Domain, tenure, d)
				}
			}
			// The seven customers of 90 days or more are shortlisted: Globex by its first won
			// deal, the others by HubSpot's customer date. Pied Piper and Soylent are too new;
			// Vandelay has no date in any tool.
			if len(sl.Entries) != 7 {
				t.Errorf("%d shortlisted, want the 7 customers of 90 days or more: %+v", len(sl.Entries), sl.Entries)
			}
			if total != 10 || eligible != 7 {
				t.Errorf("%d customers, %d eligible; want 10 and 7", total, eligible)
			}
			t.Logf("%d customers, %d with a customer_since, %d eligible, %d shortlisted", total, len(since), eligible, len(sl.Entries))

			var ins struct {
				Top      int `json:"top"`
				Insights []struct {
					Key, Value string
					Top        int
				} `json:"insights"`
			}
			decode(t, mustOK(t, cmd("insights", "--json")).stdout, &ins)
			channels := map[string]int{}
			for _, in := range ins.Insights {
				if in.Key == "acquisition_channel" {
					channels[in.Value] = in.Top
				}
			}
			if channels["organic_search"] != 3 || channels["referral"] != 3 {
				t.Errorf("insights by acquisition channel = %v (top %d), want organic_search 3 and referral 3 among the top", channels, ins.Top)
			}
		})
	}
}

// customerSince reads each exported customer's customer_since by domain, and counts the
// customers and the eligible ones.
func customerSince(t *testing.T, export string) (since map[string]time.Time, total, eligible int) {
	t.Helper()
	var ex struct {
		Customers []struct {
			Domain     string            `json:"domain"`
			Attributes map[string]string `json:"attributes"`
			Eligible   bool              `json:"eligible"`
		} `json:"customers"`
	}
	decode(t, export, &ex)
	since = map[string]time.Time{}
	for _, c := range ex.Customers {
		if d, err := time.Parse(time.DateOnly, c.Attributes["customer_since"]); err == nil {
			since[c.Domain] = d
		}
		if c.Eligible {
			eligible++
		}
	}
	return since, len(ex.Customers), eligible
}
