package rewardful

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the API secret with one affiliate from GET /v1/affiliates?limit=1: Rewardful has
// no "who am I" call, and this list is what the lookup before each create reads.
func (c *Client) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.http, "Rewardful", "api_key",
		connectors.Request{Path: "/v1/affiliates", Query: url.Values{"limit": {"1"}}}, nil)
}
