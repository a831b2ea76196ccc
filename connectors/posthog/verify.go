package posthog

import (
	"context"
	"net/http"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks the personal API key and project_id with the smallest HogQL query, SELECT 1, on
// the endpoint the sync uses. The project endpoint (GET /api/projects/{id}/) would need the
// project:read scope, which a key made for Advocate (query:read) does not have; a wrong
// project_id answers 404 here, a wrong key 401, a key without query:read 403.
func (c *Connector) Verify(ctx context.Context) error {
	body := map[string]any{"query": map[string]any{"kind": "HogQLQuery", "query": "SELECT 1"}}
	return connectors.Verify(ctx, c.client, "PostHog", "api_key",
		connectors.Request{Method: http.MethodPost, Path: c.path, Body: body}, nil)
}
