package connectortest

import (
	"context"
	"testing"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
)

// Customers lists the store's customers; an error fails the test.
func Customers(t testing.TB, st *store.Store) []advocate.Customer {
	t.Helper()
	all, err := st.Customers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// Find is the customer with this domain or id; not finding it fails the test.
func Find(t testing.TB, st *store.Store, domainOrID string) advocate.Customer {
	t.Helper()
	c, err := st.FindCustomer(context.Background(), domainOrID)
	if err != nil {
		t.Fatalf("customer %s: %v", domainOrID, err)
	}
	return c
}

// Latest is the customer's latest observation of each signal, by signal name; an error fails
// the test.
func Latest(t testing.TB, st *store.Store, customerID string) map[string]advocate.SignalValue {
	t.Helper()
	vals, err := st.LatestSignals(context.Background(), customerID)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]advocate.SignalValue, len(vals))
	for _, v := range vals {
		out[v.Name] = v
	}
	return out
}
