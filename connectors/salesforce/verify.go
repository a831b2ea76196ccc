package salesforce

import (
	"context"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks instance_url and the access token with GET /services/data/{version}/limits/,
// an authenticated call that reads no records (the version list at /services/data/ needs no
// token, so it would prove nothing). An expired session answers 401 INVALID_SESSION_ID.
func (c *Connector) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.client, "Salesforce", "access_token",
		connectors.Request{Path: "/services/data/" + c.version + "/limits/"}, nil)
}
