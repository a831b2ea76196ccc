package intercom

import (
	"context"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the token with GET /me (the admin the token belongs to), the cheapest
// authenticated Intercom call.
func (c *Connector) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.api, "Intercom", "token", connectors.Request{Path: "/me"}, nil, c.s.Token)
}
