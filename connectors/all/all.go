// Package all registers every built-in connector type; import it for its side effect.
package all

import (
	_ "github.com/advocate-hq/advocate/connectors/csvfile" // type csv
	_ "github.com/advocate-hq/advocate/connectors/webhook" // type webhook
)
