package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// The daemon re-scores only customers a sync touched: a second sync that changes one
// customer's signal, another's attributes and a third's contact must name exactly those, and
// ScanInputsOf must hand over their current inputs as a full read would.
func TestChangedCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := t0
		s.Now = func() time.Time { return clock }
		ref := func(n string) connectors.Ref { return connectors.Ref{ExternalID: n, Domain: n + ".example.com"} }
		var first connectors.Page
		for _, n := range []string{"a", "b", "c", "d"} {
			first.Customers = append(first.Customers, connectors.Customer{Ref: ref(n), Name: n, Attributes: map[string]string{"plan": "growth"}})
			first.Signals = append(first.Signals, connectors.Signal{Customer: ref(n), Name: "nps", Value: 8, ObservedAt: t0})
			first.Contacts = append(first.Contacts, connectors.Contact{Customer: ref(n), Email: "jo@" + n + ".example.com"})
		}
		commit(t, s, "crm", first)
		all, err := s.ChangedCustomers(ctx, time.Time{})
		if err != nil || len(all) != 4 {
			t.Fatalf("changed since the beginning = %v (err %v), want all 4", all, err)
		}

		clock = t0.Add(time.Hour)
		commit(t, s, "crm", connectors.Page{
			Signals:   []connectors.Signal{{Customer: connectors.Ref{ExternalID: "a"}, Name: "nps", Value: 3, ObservedAt: clock}},
			Customers: []connectors.Customer{{Ref: connectors.Ref{ExternalID: "b"}, Attributes: map[string]string{"plan": "enterprise"}}},
			Contacts:  []connectors.Contact{{Customer: connectors.Ref{ExternalID: "c"}, Email: "jo@c.example.com", OptedOut: true}},
		})
		changed, err := s.ChangedCustomers(ctx, clock)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{} // customer id -> external name
		for _, n := range []string{"a", "b", "c", "d"} {
			c, err := s.FindCustomer(ctx, n+".example.com")
			if err != nil {
				t.Fatal(err)
			}
			ids[c.ID] = n
		}
		var names []string
		for _, id := range changed {
			names = append(names, ids[id])
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"a", "b", "c"}) {
			t.Fatalf("changed since the second sync = %v, want a (signal), b (attributes), c (contact)", names)
		}

		type inputs struct {
			plan       string
			reach      [2]int
			nps        float64
			observedAt time.Time
		}
		got := map[string]*inputs{}
		err = s.ScanInputsOf(ctx, append(changed, "no-such-customer", changed[0]), store.CustomerInputs{
			Attributes: func(id string, attrs map[string]string) error {
				got[ids[id]] = &inputs{plan: attrs["plan"]}
				return nil
			},
			Reach: func(id string, n, ok int) error {
				got[ids[id]].reach = [2]int{n, ok}
				return nil
			},
			Latest: func(id, source string, vals []store.LatestValue) error {
				for _, v := range vals {
					if v.Name == "nps" {
						got[ids[id]].nps, got[ids[id]].observedAt = v.Value, v.ObservedAt.UTC()
					}
				}
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]inputs{
			"a": {plan: "growth", reach: [2]int{1, 1}, nps: 3, observedAt: clock},
			"b": {plan: "enterprise", reach: [2]int{1, 1}, nps: 8, observedAt: t0},
			"c": {plan: "growth", reach: [2]int{1, 0}, nps: 8, observedAt: t0},
		}
		if len(got) != len(want) {
			t.Fatalf("read %d customers, want %d", len(got), len(want))
		}
		for n, w := range want {
			if g := got[n]; g == nil || *g != w {
				t.Errorf("inputs of %s = %+v, want %+v", n, g, w)
			}
		}
	})
}
