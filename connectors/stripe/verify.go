package stripe

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the API key with one customer from GET /v1/customers?limit=1. GET /v1/balance
// would be as cheap, but a restricted key (rk_…) made for Advocate need not read balances;
// customers it must read.
func (c *Connector) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.client, "Stripe", "api_key",
		connectors.Request{Path: "/v1/customers", Query: url.Values{"limit": {"1"}}}, nil)
}
