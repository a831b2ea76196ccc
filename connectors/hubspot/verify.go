package hubspot

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the token with the cheapest call the sync depends on: one company from the list
// endpoint (scope crm.objects.companies.read). `advocate doctor` calls it.
func (c *Connector) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.api, "HubSpot", "token",
		connectors.Request{Path: "/crm/v3/objects/companies", Query: url.Values{"limit": {"1"}, "archived": {"false"}}}, nil, c.s.Token)
}
