package zendesk

import (
	"context"
	"net/http"

	"github.com/advocate-hq/advocate/connectors"
)

// Verify checks email and token with GET /api/v2/users/me.json, the cheapest authenticated
// Zendesk call. Zendesk answers a request it cannot tie to a user with the anonymous user (id
// null) rather than always with 401, so an answer without an id counts as rejected too.
func (c *Connector) Verify(ctx context.Context) error {
	var me struct {
		User struct {
			ID *int64 `json:"id"`
		} `json:"user"`
	}
	if err := connectors.Verify(ctx, c.api, "Zendesk", "token", connectors.Request{Path: "/api/v2/users/me.json"}, &me, c.s.Token); err != nil {
		return err
	}
	if me.User.ID == nil {
		return &connectors.CredentialError{Vendor: "Zendesk", Setting: "email and token", Status: http.StatusUnauthorized,
			Message: "answered as the anonymous user"}
	}
	return nil
}
