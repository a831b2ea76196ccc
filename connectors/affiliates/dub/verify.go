package dub

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the workspace key with one partner from GET /partners?pageSize=1. A key that
// works elsewhere in Dub but not here usually means the workspace lacks the plan the partner
// endpoints need (Advanced): Dub answers 403.
func (c *Client) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.http, "Dub", "api_key",
		connectors.Request{Path: "/partners", Query: url.Values{"page": {"1"}, "pageSize": {"1"}}}, nil)
}
