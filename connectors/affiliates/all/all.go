// Package all registers every affiliate-platform client; import it for its side effect.
package all

import (
	_ "github.com/advocate-hq/advocate/connectors/affiliates/dub"           // platform dub
	_ "github.com/advocate-hq/advocate/connectors/affiliates/firstpromoter" // platform firstpromoter
	_ "github.com/advocate-hq/advocate/connectors/affiliates/partnerstack"  // platform partnerstack
	_ "github.com/advocate-hq/advocate/connectors/affiliates/rewardful"     // platform rewardful
)
