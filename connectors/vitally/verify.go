package vitally

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the token with one account from GET /resources/accounts?limit=1, the list the
// sync reads.
func (c *Connector) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.client, "Vitally", "token",
		connectors.Request{Path: "/resources/accounts", Query: url.Values{"limit": {"1"}}}, nil)
}
