package backoff_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/backoff"
)

func TestExponential(t *testing.T) {
	const m, h = time.Minute, time.Hour
	for _, c := range []struct {
		base, limit time.Duration
		failures    int
		want        time.Duration
	}{
		{m, h, 0, 0},
		{m, h, -3, 0},
		{m, h, 1, m},
		{m, h, 2, 2 * m},
		{m, h, 3, 4 * m},
		{m, h, 6, 32 * m},
		{m, h, 7, h}, // 64m is past the cap
		{m, h, 40, h},
		{m, h, 1000, h}, // no overflow
		{time.Second, 30 * time.Second, 6, 30 * time.Second},
		{0, h, 3, h}, // no base: the cap
	} {
		if got := backoff.Exponential(c.base, c.limit, c.failures); got != c.want {
			t.Errorf("Exponential(%s, %s, %d) = %s, want %s", c.base, c.limit, c.failures, got, c.want)
		}
	}
}

// Jitter stays within ±10%, is the same for the same key, and spreads different keys.
func TestJitter(t *testing.T) {
	const d = time.Hour
	seen := map[time.Duration]bool{}
	for i := range 200 {
		key := fmt.Sprintf("row-%d/1", i)
		got := backoff.Jitter(d, key)
		if got < d*9/10 || got > d*11/10 {
			t.Fatalf("Jitter(%s, %q) = %s, outside ±10%%", d, key, got)
		}
		if again := backoff.Jitter(d, key); again != got {
			t.Fatalf("Jitter(%s, %q) = %s then %s", d, key, got, again)
		}
		seen[got] = true
	}
	if len(seen) < 150 {
		t.Errorf("200 keys gave only %d different waits", len(seen))
	}
}
