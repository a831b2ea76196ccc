package custify

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the token with one company from GET /company/all (page 1, one item), the list
// the sync reads; Custify documents no cheaper authenticated call.
func (c *Connector) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.client, "Custify", "token",
		connectors.Request{Path: "/company/all", Query: url.Values{"page": {"1"}, "itemsPerPage": {"1"}}}, nil)
}
