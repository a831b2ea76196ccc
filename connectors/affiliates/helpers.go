package affiliates

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"golang.org/x/time/rate"
)

// HTTPClient builds the shared HTTP client (retries, Retry-After, bounded waits) for a
// platform: the configured base URL or the platform's default, plus the API's path prefix;
// auth on every request; pacing at the platform's documented rate unless the settings
// override it.
func (s Settings) HTTPClient(platform, defaultBase, prefix string, auth func(*http.Request), documented *rate.Limiter) *connectors.Client {
	return &connectors.Client{
		Connector: platform,
		BaseURL:   strings.TrimRight(cmp.Or(s.BaseURL, defaultBase), "/") + prefix,
		Auth:      auth,
		HTTP:      s.HTTP,
		Limiter:   cmp.Or(s.Limiter, documented),
		Sleep:     s.Sleep,
		Now:       s.Now,
		Log:       s.Log,
	}
}

// PageSizeOr is the configured page size, or most (the platform's maximum) when unset or
// above it.
func (s Settings) PageSizeOr(most int) int {
	if s.PageSize <= 0 || s.PageSize > most {
		return most
	}
	return s.PageSize
}

// RequireEmail returns the person's trimmed email, or an error naming the platform: every
// platform keys affiliates by email, and one without cannot be found again.
func RequireEmail(platform string, p Person) (string, error) {
	email := strings.TrimSpace(p.Email)
	if email == "" {
		return "", fmt.Errorf("affiliates %s: an email is required to find or create an affiliate", platform)
	}
	return email, nil
}

// HasStatus reports whether err is an HTTP answer with one of statuses.
func HasStatus(err error, statuses ...int) bool {
	var se *connectors.StatusError
	if !errors.As(err, &se) {
		return false
	}
	for _, s := range statuses {
		if se.Status == s {
			return true
		}
	}
	return false
}

// CreateOrFind runs create; when it fails with an answer a duplicate email may use (dup), it
// looks the person up again: another replica may have created them since our lookup, or our
// own create succeeded and its answer was lost. Only a hit counts as found (created false);
// otherwise the create's error is returned as it was. Platforms whose duplicate answer is
// undocumented pass every plausible status rather than trust a message text.
func CreateOrFind[T any](platform string, create func() (T, error), lookup func() (T, bool, error), dup ...int) (T, bool, error) {
	v, err := create()
	if err == nil {
		return v, true, nil
	}
	var zero T
	if !HasStatus(err, dup...) {
		return zero, false, fmt.Errorf("affiliates %s: create affiliate: %w", platform, err)
	}
	found, ok, lerr := lookup()
	if lerr != nil {
		return zero, false, lerr
	}
	if !ok {
		return zero, false, fmt.Errorf("affiliates %s: create affiliate: %w", platform, err)
	}
	return found, false, nil
}

// Walk drives an outcome walk: it decodes the cursor (start normalizes it; an empty cursor is
// the zero state), then asks step for one page at a time, hands each page to sink with the
// cursor to resume after it, and stops after the page step marks done (whose cursor then
// starts the next pass).
func Walk[C any](ctx context.Context, platform, cursor string, start func(C) C,
	step func(context.Context, C) (page OutcomePage, next C, done bool, err error), sink func(OutcomePage) error) error {
	var st C
	if err := DecodeCursor(platform, cursor, &st); err != nil {
		return err
	}
	st = start(st)
	for {
		page, next, done, err := step(ctx, st)
		if err != nil {
			return err
		}
		if page.Cursor, err = EncodeCursor(platform, next); err != nil {
			return err
		}
		if err := sink(page); err != nil {
			return err
		}
		if done {
			return nil
		}
		st = next
	}
}

// ParseTime reads an RFC 3339 time; empty, null or unreadable is the zero time (a missing
// conversion date, say), never an error that would stop a sync.
func ParseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
