package salesforce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
)

// Salesforce answers two different limits with one error code, REQUEST_LIMIT_EXCEEDED (HTTP
// 403, body [{"message","errorCode"}]):
//
//   - the org's total API request allocation, counted over a rolling 24 hours ("TotalRequests
//     Limit exceeded."; Sforce-Limit-Info api-usage=used/limit shows used at or past limit).
//     Retrying does not help for hours: the run stops and says so.
//   - concurrency limits on long-running requests ("ConcurrentRequests (Concurrent API
//     Requests) Limit exceeded.", ConcurrentPerOrgLongTxn): they clear as other requests finish,
//     so the shared client backs off and retries them.
const errRequestLimit = "REQUEST_LIMIT_EXCEEDED"

// sfError is one element of Salesforce's error array.
type sfError struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

// apiUsage reads Sforce-Limit-Info ("api-usage=18/5000"); ok is false when absent or unreadable.
func apiUsage(h http.Header) (used, limit int, ok bool) {
	for part := range strings.SplitSeq(h.Get("Sforce-Limit-Info"), ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || k != "api-usage" {
			continue
		}
		u, l, found := strings.Cut(v, "/")
		a, err1 := strconv.Atoi(strings.TrimSpace(u))
		b, err2 := strconv.Atoi(strings.TrimSpace(l))
		if found && err1 == nil && err2 == nil && b > 0 {
			return a, b, true
		}
	}
	return 0, 0, false
}

// concurrencyLimit reports whether a response is REQUEST_LIMIT_EXCEEDED for a concurrency limit
// (transient) rather than the daily allocation. A message naming a concurrency limit decides;
// otherwise a header showing allocation left does ("TotalRequests" or no header: daily).
func concurrencyLimit(resp *http.Response, body []byte) bool {
	if resp.StatusCode != http.StatusForbidden {
		return false
	}
	var errs []sfError
	if json.Unmarshal(body, &errs) != nil {
		return false
	}
	for _, e := range errs {
		if e.ErrorCode != errRequestLimit {
			continue
		}
		switch {
		case strings.Contains(e.Message, "Concurrent"):
			return true
		case strings.Contains(e.Message, "TotalRequests"):
			return false
		}
		used, limit, ok := apiUsage(resp.Header)
		return ok && used < limit
	}
	return false
}

// limitError turns a REQUEST_LIMIT_EXCEEDED the client gave up on into an error a person can
// act on; other errors pass through.
func limitError(err error, resp *http.Response) error {
	var se *connectors.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden || !strings.Contains(se.Message, errRequestLimit) {
		return err
	}
	where := fmt.Sprintf("connector %s: %s %s", se.Connector, se.Method, se.Endpoint)
	if strings.Contains(se.Message, "Concurrent") {
		return fmt.Errorf("%s: Salesforce's limit on concurrent long-running requests for the org was still reached after retries (%s); "+
			"other integrations are holding requests open — the next run resumes from the last committed page", where, se.Message)
	}
	usage := "the org's allocation"
	if resp != nil {
		if used, limit, ok := apiUsage(resp.Header); ok {
			usage = fmt.Sprintf("%d of %d requests", used, limit)
		}
	}
	return fmt.Errorf("%s: Salesforce's 24-hour API request limit for the org is used up (%s used; %s). "+
		"Salesforce counts requests over a rolling 24-hour window, so capacity returns as requests made 24 hours ago age out; "+
		"raise the org's allocation or wait, and the next run resumes from the last committed page", where, usage, se.Message)
}
