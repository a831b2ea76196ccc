package scoring

import (
	"math"
	"time"
)

// AttrCustomerSince is the attribute tenure_days is derived from.
const AttrCustomerSince = "customer_since"

// Derive fills derived signals the customer lacks, in place (c.Signals is allocated if nil):
//   - tenure_days: whole days from the customer_since attribute (YYYY-MM-DD, read as UTC
//     midnight, or RFC 3339) to now; a date in the future gives 0. An unparseable date leaves
//     tenure_days missing.
//
// A signal that is already present is never overwritten: a source's own figure wins.
// Score derives the same values internally without modifying its input.
func Derive(now time.Time, c *Customer) {
	if c == nil {
		return
	}
	if _, ok := c.Signals[TenureDays]; ok {
		return
	}
	if d, ok := tenureDays(now, c.Attributes[AttrCustomerSince]); ok {
		if c.Signals == nil {
			c.Signals = make(map[string]float64, 1)
		}
		c.Signals[TenureDays] = d
	}
}

// tenureDays parses since and returns the whole days elapsed until now.
func tenureDays(now time.Time, since string) (float64, bool) {
	if since == "" {
		return 0, false
	}
	t, ok := parseDate(since)
	if !ok {
		pt, err := time.Parse(time.RFC3339, since)
		if err != nil {
			return 0, false
		}
		t = pt
	}
	days := math.Floor(now.Sub(t).Hours() / 24)
	return max(days, 0), true
}

// parseDate reads YYYY-MM-DD without time.Parse: Score may call it for every customer.
func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(b string) (int, bool) {
		n := 0
		for i := 0; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return 0, false
			}
			n = n*10 + int(b[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 2025-02-30 normalises to March: reject it
		return time.Time{}, false
	}
	return t, true
}
