package connectors

import (
	"errors"
	"net/http"
	"time"
)

// RetryAfter reports how long the vendor asked to be left alone when err ends in a rate limit
// or overload (429 or 503) that carried a Retry-After (or X-RateLimit-Reset) hint, so a caller
// scheduling the next run can honour it. ok is false for any other error.
func RetryAfter(err error) (wait time.Duration, ok bool) {
	var se *StatusError
	if !errors.As(err, &se) {
		return 0, false
	}
	if se.Status != http.StatusTooManyRequests && se.Status != http.StatusServiceUnavailable {
		return 0, false
	}
	return se.RetryAfter, se.RetryAfter > 0
}
