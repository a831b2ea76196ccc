package connectors

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Limit is how much of a vendor's API limit was left when the vendor last said so (in a
// response header). Window names the limit's period: "day" (a calendar-day cap, HubSpot),
// "24h" (a rolling 24 hours, Salesforce), "minute" (Zendesk) or "10s" (Intercom spreads its
// per-minute limit over 10-second windows).
type Limit struct {
	Remaining int64  `json:"remaining"`
	Limit     int64  `json:"limit"`
	Window    string `json:"window"`
}

// String reads "1234/10000 left today".
func (l Limit) String() string {
	return fmt.Sprintf("%d/%d left %s", l.Remaining, l.Limit, windowText(l.Window))
}

func windowText(w string) string {
	switch w {
	case "day":
		return "today"
	case "24h":
		return "in 24 h"
	case "minute":
		return "this minute"
	case "10s":
		return "this 10 s window"
	case "":
		return "this window"
	}
	return "per " + w
}

// LimitReader reads a vendor's remaining-limit headers from one response; ok is false when
// the response carries none.
type LimitReader func(h http.Header) (l Limit, ok bool)

var (
	limitMu      sync.RWMutex
	limitReaders = map[string]LimitReader{}
)

// RegisterLimitReader sets how responses of a connector type report the vendor's limit. Each
// vendor package registers its reader in an init function; a type without one reports calls
// only.
func RegisterLimitReader(typ string, r LimitReader) {
	limitMu.Lock()
	defer limitMu.Unlock()
	limitReaders[typ] = r
}

func limitReader(typ string) LimitReader {
	limitMu.RLock()
	defer limitMu.RUnlock()
	return limitReaders[typ]
}

// HeaderLimit reads the common pair of headers: the limit and what is left of it, as integers.
func HeaderLimit(limitHeader, remainingHeader, window string) LimitReader {
	return func(h http.Header) (Limit, bool) {
		lim, err1 := strconv.ParseInt(strings.TrimSpace(h.Get(limitHeader)), 10, 64)
		rem, err2 := strconv.ParseInt(strings.TrimSpace(h.Get(remainingHeader)), 10, 64)
		if err1 != nil || err2 != nil || lim <= 0 {
			return Limit{}, false
		}
		return Limit{Remaining: max(rem, 0), Limit: lim, Window: window}, true
	}
}

// Budget is one run's use of a vendor API: the requests sent (each retry counts: the vendor
// counts it too) and the limit the vendor last reported. The syncer gives each run a fresh
// one through Runtime.Budget; a nil Budget counts nothing.
type Budget struct {
	mu    sync.Mutex
	calls int
	limit *Limit
}

// Call counts one request sent.
func (b *Budget) Call() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
}

// Saw records the limit a response reported; the newest wins.
func (b *Budget) Saw(l Limit) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.limit = &l
	b.mu.Unlock()
}

// Calls is the number of requests sent so far.
func (b *Budget) Calls() int {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}

// Limit is the limit last reported, or nil when the vendor reported none.
func (b *Budget) Limit() *Limit {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.limit == nil {
		return nil
	}
	l := *b.limit
	return &l
}

// Summary reads "12 API calls; 1234/10000 left today", or "" when no call was made.
func (b *Budget) Summary() string { return BudgetSummary(b.Calls(), b.Limit()) }

// BudgetSummary is Summary for figures read back from a run record.
func BudgetSummary(calls int, l *Limit) string {
	if calls == 0 && l == nil {
		return ""
	}
	s := fmt.Sprintf("%d API calls", calls)
	if calls == 1 {
		s = "1 API call"
	}
	if l != nil {
		s += "; " + l.String()
	}
	return s
}
