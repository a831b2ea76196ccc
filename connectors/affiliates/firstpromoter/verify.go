package firstpromoter

import (
	"context"
	"net/url"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the API key and account_id with one promoter from GET
// /api/v2/company/promoters?per_page=1; FirstPromoter has no cheaper authenticated call. A
// wrong ACCOUNT-ID is refused like a wrong key.
func (c *Client) Verify(ctx context.Context) error {
	return connectors.Verify(ctx, c.http, "FirstPromoter", "api_key and account_id",
		connectors.Request{Path: "/promoters", Query: url.Values{"page": {"1"}, "per_page": {"1"}}}, nil)
}
