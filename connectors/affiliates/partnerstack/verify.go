package partnerstack

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the public and secret keys with one partnership from GET
// /api/v2/partnerships?limit=1, the cheapest authenticated Vendor API call. A test key answers
// too: the keys are separate per environment, so doctor cannot tell them apart.
func (c *Client) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.http, "PartnerStack", "public_key and api_key",
		connectors.Request{Path: "/api/v2/partnerships", Query: url.Values{"limit": {"1"}}}, nil)
}
