package metrics

import (
	"context"
	"sync"
	"time"
)

// cached holds the last good result of a store read made at scrape time. Gauges read from the
// database rather than pushed by jobs are right on every replica (a job runs on one replica
// cluster-wide) and right after a restart. A read is bounded by timeout and its result kept for
// ttl, so frequent scrapes and several Prometheus servers cost one read per ttl; a failed read
// keeps the last good values (and calls fail) and is retried after ttl too, not at every scrape.
type cached[T any] struct {
	read    func(ctx context.Context) (T, error)
	now     func() time.Time
	fail    func()
	ttl     time.Duration
	timeout time.Duration

	mu     sync.Mutex // one read at a time; scrapes in between share its result
	last   T
	ok     bool
	readAt time.Time
}

// current returns the cached values, reading them again when they are older than ttl or were
// invalidated; ok is false until a read succeeded.
func (c *cached[T]) current() (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.readAt.IsZero() && now.Sub(c.readAt) < c.ttl {
		return c.last, c.ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	v, err := c.read(ctx)
	c.readAt = now
	if err != nil {
		c.fail()
		return c.last, c.ok
	}
	c.last, c.ok = v, true
	return v, true
}

// invalidate makes the next scrape read again (a job just changed what the gauges show).
func (c *cached[T]) invalidate() {
	c.mu.Lock()
	c.readAt = time.Time{}
	c.mu.Unlock()
}
