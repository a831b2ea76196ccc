package connectors

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how a connector retries a failed request. It is data, so each vendor can
// tune it and tests can read it.
type RetryPolicy struct {
	MaxAttempts  int           // including the first; default 6
	BaseDelay    time.Duration // first backoff; default 1s
	MaxDelay     time.Duration // cap on one wait; default 2m
	MaxTotalWait time.Duration // cap on all waits of one request; default 10m
}

// WithDefaults fills zero fields.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 2 * time.Minute
	}
	if p.MaxTotalWait <= 0 {
		p.MaxTotalWait = 10 * time.Minute
	}
	return p
}

// Backoff is the wait before retry number attempt (1 = the first retry): the server's
// Retry-After when it sent one, else BaseDelay·2^(attempt-1) capped at MaxDelay, with jitter in
// [-20%, +20%] drawn from jitter (a number in [0,1); tests pass a constant). Retry-After is
// honoured as sent, even above MaxDelay: the server knows when it will take us back.
func Backoff(p RetryPolicy, attempt int, retryAfter time.Duration, jitter float64) time.Duration {
	p = p.WithDefaults()
	if retryAfter > 0 {
		return retryAfter
	}
	d := float64(p.BaseDelay) * math.Pow(2, float64(attempt-1))
	d = math.Min(d, float64(p.MaxDelay))
	d *= 0.8 + 0.4*jitter
	return time.Duration(d)
}

// Retryable reports whether a response status is worth retrying: rate limits and server-side
// failures. 4xx other than 408/425/429 mean the request itself is wrong; retrying repeats it.
func Retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500 && status != http.StatusNotImplemented
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date. It also accepts the
// epoch-seconds reset headers some vendors send instead (X-RateLimit-Reset, RateLimit-Reset) when
// the value is clearly a Unix time.
func ParseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(h, 64); err == nil && n >= 0 {
		if n > 1e9 { // a Unix timestamp, not a delay
			d := time.Unix(int64(n), 0).Sub(now)
			return max(d, 0), true
		}
		return time.Duration(n * float64(time.Second)), true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// nextWait decides what follows failed attempt number attempt, having waited waited so far:
// the wait before the next try, or, when the policy says stop, why (giveUp is then non-empty).
// It is pure so the retry policy can be read and tested apart from HTTP.
func nextWait(p RetryPolicy, attempt int, waited, retryAfter time.Duration, jitter float64) (wait time.Duration, giveUp string) {
	if attempt >= p.MaxAttempts {
		return 0, fmt.Sprintf("gave up after %d attempts", attempt)
	}
	wait = Backoff(p, attempt, retryAfter, jitter)
	if waited+wait > p.MaxTotalWait {
		return 0, fmt.Sprintf("gave up: waiting %s more would exceed %s", wait.Round(time.Second), p.MaxTotalWait)
	}
	return wait, ""
}
