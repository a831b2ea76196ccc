// Package backoff is the one rule for how long work retried from the store waits: a failing
// connector's next scheduled sync (syncer), an email's next SMTP attempt (outbox), an
// affiliate platform's next create (affiliates). The delay doubles per failure up to a cap;
// Jitter spreads it by ±10% from a key, so replicas retrying many rows do not stampede and a
// test can still predict the schedule. Pure functions, like river's retrypolicy; the state they
// are applied to (attempts, next attempt) lives in the store, like miniflux's next_check_at.
//
// (connectors.Backoff, for retries inside one HTTP request, stays in connectors: that package
// imports nothing from internal/.)
package backoff

import (
	"fmt"
	"hash/fnv"
	"time"
)

// Exponential is the wait after failures consecutive failures: base·2^(failures-1), capped at
// limit. No failures, no wait. A shift that would overflow is the cap.
func Exponential(base, limit time.Duration, failures int) time.Duration {
	if failures < 1 {
		return 0
	}
	if shift := failures - 1; shift < 63 {
		if d := base << shift; d > 0 && d>>shift == base && d < limit {
			return d
		}
	}
	return limit
}

// Jitter is d moved by up to ±10%, by an amount derived from key (say a row's id and attempt):
// the same key always gives the same wait.
func Jitter(d time.Duration, key string) time.Duration {
	h := fnv.New32a()
	fmt.Fprint(h, key)
	frac := float64(h.Sum32()%2001)/10000 - 0.1 // -0.1 .. +0.1
	return d + time.Duration(float64(d)*frac)
}
