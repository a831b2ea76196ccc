package delighted

import (
	"context"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the API key with GET /v1/metrics.json, the cheapest authenticated Delighted
// call (a handful of numbers, no responses).
func (c *Connector) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.client, "Delighted", "api_key", connectors.Request{Path: "/v1/metrics.json"}, nil)
}
