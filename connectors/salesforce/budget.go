package salesforce

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
)

// Every Salesforce REST response carries the org's rolling 24-hour API usage as
// "Sforce-Limit-Info: api-usage=used/limit" (other entries, such as per-app-api-usage, may
// follow, separated by ";").
func init() { connectors.RegisterLimitReader("salesforce", readLimit) }

func readLimit(h http.Header) (connectors.Limit, bool) {
	for part := range strings.SplitSeq(h.Get("Sforce-Limit-Info"), ";") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), "api-usage=")
		if !ok {
			continue
		}
		usedText, limitText, ok := strings.Cut(v, "/")
		used, err1 := strconv.ParseInt(strings.TrimSpace(usedText), 10, 64)
		limit, err2 := strconv.ParseInt(strings.TrimSpace(limitText), 10, 64)
		if !ok || err1 != nil || err2 != nil || limit <= 0 {
			return connectors.Limit{}, false
		}
		return connectors.Limit{Remaining: max(limit-used, 0), Limit: limit, Window: "24h"}, true
	}
	return connectors.Limit{}, false
}
