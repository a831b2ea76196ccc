package syncer

import (
	"time"

	"github.com/advocate-hq/advocate/internal/backoff"
)

// Bounds of RetryDelay.
const (
	BaseBackoff   = time.Minute    // the wait after one failed run
	MaxBackoff    = 6 * time.Hour  // the longest wait backoff alone makes
	MaxRetryAfter = 24 * time.Hour // the longest vendor Retry-After honoured
	periodsCap    = 8              // backoff never exceeds this many schedule periods
)

// RetryDelay is how long a connector waits before its next scheduled attempt after failures
// consecutive failed runs: BaseBackoff·2^(failures-1) (backoff.Exponential), capped at 8
// schedule periods or MaxBackoff, whichever is smaller (period 0: MaxBackoff), and never less
// than the vendor's Retry-After (itself capped at MaxRetryAfter). No failures, no wait. It is a
// pure function so the policy can be read and tested apart from the store.
func RetryDelay(failures int, period, retryAfter time.Duration) time.Duration {
	if failures < 1 {
		return 0
	}
	limit := MaxBackoff
	if period > 0 && periodsCap*period < limit {
		limit = periodsCap * period
	}
	d := backoff.Exponential(BaseBackoff, limit, failures)
	if retryAfter > d {
		d = min(retryAfter, MaxRetryAfter)
	}
	return d
}
