package hubspot

import "github.com/advocate-hq/advocate/connectors"

// HubSpot reports the account's daily cap and what is left of it on (non-search) responses.
func init() {
	connectors.RegisterLimitReader("hubspot", connectors.HeaderLimit("X-HubSpot-RateLimit-Daily", "X-HubSpot-RateLimit-Daily-Remaining", "day"))
}
