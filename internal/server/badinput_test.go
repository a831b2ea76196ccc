package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/advocate-hq/advocate/connectors/webhook"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// sig is a payload of one good signal and then one more, as given.
func sig(name, value, at string) string {
	return `{"customers":[{"domain":"acme.io","name":"Acme"}],"signals":[
		{"customer":{"domain":"acme.io"},"name":"health_score","value":88,"observed_at":"2026-11-16T08:00:00Z"},
		{"customer":{"domain":"acme.io"},"name":"` + name + `","value":` + value + `,"observed_at":"` + at + `"}]}`
}

// Bad input gets a clear error and nothing is half-written: every payload below is refused whole,
// naming the JSON path. Before, each was stored (a 1e308 NPS made a promoter), stored in part
// (the year-1 observation was skipped, the other kept) or answered 500 (NUL on Postgres).
func TestPushRejectsBadInputWhole(t *testing.T) {
	const at = "2026-11-16T08:00:00Z"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newServer(t, st)
		for _, tc := range []struct {
			name, body, want string
			status           int
		}{
			{"huge nps", sig("nps", "1e308", at), "signals[1].value: nps must be between 0 and 10, got 1e+308", 422},
			{"negative nps", sig("nps", "-5", at), "signals[1].value: nps must be between 0 and 10, got -5", 422},
			{"negative health", sig("health_score", "-1.7e308", at), "signals[1].value: health_score must be between 0 and 100, got -1.7e+308", 422},
			{"negative count", sig("tickets_90d", "-1", at), "signals[1].value: tickets_90d must be at least 0, got -1", 422},
			{"negative mrr", sig("mrr", "-0.5", at), "signals[1].value: mrr must be at least 0, got -0.5", 422},
			{"year one", sig("nps", "9", "0001-01-01T00:00:00Z"), "signals[1].observed_at: 0001-01-01T00:00:00Z is before 1970", 422},
			{"next year", sig("nps", "9", "2027-11-16T08:00:00Z"), "signals[1].observed_at: 2027-11-16T08:00:00Z is more than a day in the future", 422},
			{"NUL in a name", `{"customers":[{"domain":"acme.io","name":"Ac\u0000me"}]}`, "customers[0].name: contains a NUL byte", 422},
			{"NUL in an attribute", `{"customers":[{"domain":"acme.io","attributes":{"plan":"x\u0000"}}]}`, "customers[0].attributes.plan: contains a NUL byte", 422},
			{"NUL in a contact", `{"contacts":[{"customer":{"external_id":"a\u0000"},"email":"jo@acme.io","role":"\u0000"}]}`, "contacts[0].role: contains a NUL byte", 422},
			{"oversized", `{"customers":[{"domain":"acme.io","name":"` + strings.Repeat("x", webhook.MaxBodyBytes) + `"}]}`, "larger than", 413},
		} {
			code, body := post(t, srv.URL+"/api/v1/signals", "pushtok", tc.body)
			got := fmt.Sprint(body["error"], body["problems"])
			if code != tc.status || !strings.Contains(got, tc.want) {
				t.Errorf("%s: %d %s, want %d naming %q", tc.name, code, got, tc.status, tc.want)
			}
		}
		if n, _ := st.Counts(context.Background()); n["customers"] != 0 || n["signals"] != 0 || n["contacts"] != 0 {
			t.Errorf("rejected requests stored data: %v", n)
		}
	})
}

// Replicas (or one server's handlers) taking concurrent first pushes for a new domain answer
// every one and create the customer once. Each round, 8 pushers released at once first mention
// a new domain. Before, Postgres answered 500 (duplicate key on customers_pkey) to most.
func TestConcurrentFirstPushesCreateOneCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newServer(t, st)
		const pushers, rounds = 8, 10
		var fails []string
		var mu sync.Mutex
		for i := range rounds {
			start := make(chan struct{})
			var wg sync.WaitGroup
			for p := range pushers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := fmt.Sprintf(`{"customers":[{"domain":"new%d.example","name":"New","attributes":{"k%d":"v"}}],
						"contacts":[{"customer":{"domain":"new%d.example"},"email":"p%d@new%d.example"}],
						"signals":[{"customer":{"domain":"new%d.example"},"name":"nps","value":%d,"observed_at":"2026-11-16T08:00:00Z"}]}`, i, p, i, p, i, i, p)
					req, _ := http.NewRequest("POST", srv.URL+"/api/v1/signals", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer pushtok")
					<-start
					resp, err := http.DefaultClient.Do(req)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						fails = append(fails, err.Error())
						return
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						fails = append(fails, resp.Status)
					}
				}()
			}
			close(start)
			wg.Wait()
		}
		if len(fails) > 0 {
			t.Errorf("%d of %d pushes failed, want 0: %v", len(fails), pushers*rounds, fails[:min(3, len(fails))])
		}
		cs, err := st.Customers(context.Background())
		if err != nil || len(cs) != rounds {
			t.Fatalf("%d customers (err %v), want exactly one per domain: %d", len(cs), err, rounds)
		}
		for _, c := range cs {
			if len(c.Attributes) != pushers {
				t.Errorf("%s attributes = %v, want every pusher's", c.Domain, c.Attributes)
			}
		}
	})
}
