package salesforce_test

import (
	"context"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
)

// syncInto runs one recorded sync of the fake into st.
func syncInto(t *testing.T, st *store.Store, fake *fakeOrg) (*connectortest.Waits, string, connectors.Matching) {
	t.Helper()
	waits := &connectortest.Waits{}
	srv := connectortest.NewServer(t, fake)
	res := connectortest.Sync(t, st, connectortest.Point(settings(), srv, waits))
	return waits, res.Error, res.Matching
}

func TestAccountsWithoutWebsiteMatchedByContactsOrSkipped(t *testing.T) {
	connectortest.EachEngine(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		st := open(t)
		fake := newFakeOrg()
		_, errText, m := syncInto(t, st, fake)
		if errText != "" {
			t.Fatal(errText)
		}
		if want := (connectors.Matching{ByContactDomain: 1, Unmatched: 2}); m != want {
			t.Errorf("first sync matching = %+v, want %+v (Wayne by contacts; Initech and Solo skipped)", m, want)
		}
		// Solo Consulting gets a work contact later; the Account itself is not edited, so only
		// the re-read of skipped accounts can place it.
		fake.mu.Lock()
		fake.objects["Contact"] = append(fake.objects["Contact"], contactRec("003000000000012", "001J00000000009",
			"ops@soloconsulting.dev", "Ops", nil, false, "2026-11-01T10:00:00.000+0000"))
		fake.mu.Unlock()
		_, errText, m = syncInto(t, st, fake)
		if errText != "" {
			t.Fatal(errText)
		}
		if want := (connectors.Matching{ByContactDomain: 1, Unmatched: 1}); m != want {
			t.Errorf("second sync matching = %+v, want %+v (Solo now placed; Initech still skipped)", m, want)
		}
		solo, err := st.FindCustomer(context.Background(), "soloconsulting.dev")
		if err != nil {
			t.Fatalf("Solo Consulting not placed by its new work contact: %v", err)
		}
		if solo.Name != "Solo Consulting" || solo.Owner != "dana.lee@vendor.com" {
			t.Errorf("solo = %+v", solo)
		}
		wantSignals(t, st, "soloconsulting.dev", map[string]float64{"upsells_12m": 1, "health_score": 50})
		for _, c := range connectortest.Customers(t, st) {
			if c.Domain == "" {
				t.Errorf("customer without a domain stored: %+v", c)
			}
		}
	})
}

func TestRequestLimitExceededKinds(t *testing.T) {
	connectortest.EachEngine(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		clean := open(t)
		if _, errText, _ := syncInto(t, clean, newFakeOrg()); errText != "" {
			t.Fatal(errText)
		}
		want := connectortest.Dump(t, clean)

		t.Run("concurrency limit is retried", func(t *testing.T) {
			st := open(t)
			fake := newFakeOrg()
			fake.concurrentAt = map[int]bool{2: true, 5: true, 6: true}
			waits, errText, _ := syncInto(t, st, fake)
			if errText != "" {
				t.Fatalf("sync failed on a transient concurrency limit: %s", errText)
			}
			if len(waits.All()) != 3 {
				t.Errorf("waits = %v, want one backoff per concurrency-limit answer", waits.All())
			}
			if got := connectortest.Dump(t, st); got != want {
				t.Errorf("data after retried concurrency limits differs from a clean run")
			}
		})
		t.Run("daily limit stops the run and the next one completes", func(t *testing.T) {
			st := open(t)
			fake := newFakeOrg()
			fake.dailyLimit = 6
			waits, errText, _ := syncInto(t, st, fake)
			for _, s := range []string{"24-hour API request limit", "6 of 6 requests", "rolling 24-hour window", "TotalRequests"} {
				if !strings.Contains(errText, s) {
					t.Errorf("error %q does not say %q", errText, s)
				}
			}
			if strings.Contains(errText, "permission") || len(waits.All()) != 0 {
				t.Errorf("error %q, waits %v: the daily limit is neither a permission problem nor worth retrying", errText, waits.All())
			}
			fake.mu.Lock()
			fake.dailyLimit = 0 // the window rolled on
			fake.mu.Unlock()
			if _, errText, _ := syncInto(t, st, fake); errText != "" {
				t.Fatal(errText)
			}
			if got := connectortest.Dump(t, st); got != want {
				t.Errorf("data after a run stopped by the daily limit and resumed differs from a clean run")
			}
		})
	})
}
