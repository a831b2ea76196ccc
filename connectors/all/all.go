// Package all registers every built-in connector type; import it for its side effect.
package all

import (
	_ "github.com/advocate-hq/advocate/connectors/csvfile"    // type csv
	_ "github.com/advocate-hq/advocate/connectors/custify"    // type custify
	_ "github.com/advocate-hq/advocate/connectors/delighted"  // type delighted
	_ "github.com/advocate-hq/advocate/connectors/hubspot"    // type hubspot
	_ "github.com/advocate-hq/advocate/connectors/intercom"   // type intercom
	_ "github.com/advocate-hq/advocate/connectors/posthog"    // type posthog
	_ "github.com/advocate-hq/advocate/connectors/salesforce" // type salesforce
	_ "github.com/advocate-hq/advocate/connectors/stripe"     // type stripe
	_ "github.com/advocate-hq/advocate/connectors/vitally"    // type vitally
	_ "github.com/advocate-hq/advocate/connectors/webhook"    // type webhook
	_ "github.com/advocate-hq/advocate/connectors/zendesk"    // type zendesk
)
