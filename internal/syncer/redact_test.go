package syncer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// echoing fails the way Stripe does on a bad key: the vendor's message quotes the key, masked.
type echoing struct{}

func (echoing) Sync(context.Context, string, connectors.Sink) error {
	return &connectors.StatusError{Connector: "billing", Status: 401,
		Message: "Invalid API Key provided: sk_test_********************wxyz"}
}

// TestStoredErrorsHoldNoCredentials: a vendor's error text that quotes a key (even masked) or
// the configured secret never reaches sync_state.last_error (what status shows) or the result.
func TestStoredErrorsHoldNoCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := &syncer.Syncer{Store: st, Build: func(connectors.Settings) (connectors.Connector, error) { return echoing{}, nil }}
		r := s.One(ctx, connectors.Settings{Name: "billing", Type: "stripe", APIKey: "sk_test_4eC39HqLyjWDarjtT1zdp7dcwxyz"})
		if !r.Failed() || strings.Contains(r.Error, "sk_test") {
			t.Errorf("result error = %q", r.Error)
		}
		states, err := st.SyncStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := states["billing"].LastError; got == "" || strings.Contains(got, "sk_test") || !strings.Contains(got, "[REDACTED]") {
			t.Errorf("stored last_error = %q, want the key redacted", got)
		}
	})
}
