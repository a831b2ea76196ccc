package intercom

import "github.com/advocate-hq/advocate/connectors"

// Intercom reports the app's limit and what is left of it on every authenticated response;
// the limit is spread over 10-second windows (X-RateLimit-Reset is when the current one ends,
// which the shared client waits for on a 429).
func init() {
	connectors.RegisterLimitReader("intercom", connectors.HeaderLimit("X-RateLimit-Limit", "X-RateLimit-Remaining", "10s"))
}
