package zendesk

import "github.com/advocate-hq/advocate/connectors"

// Zendesk reports the plan's per-minute limit and what is left of it on every response.
func init() {
	connectors.RegisterLimitReader("zendesk", connectors.HeaderLimit("X-Rate-Limit", "X-Rate-Limit-Remaining", "minute"))
}
