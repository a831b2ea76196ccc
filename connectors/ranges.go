package connectors

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Range is the set of values a canonical signal can take. Min and Max are inclusive; Max is
// +Inf for a signal with no upper bound.
type Range struct {
	Min, Max float64
}

var unbounded = Range{0, math.Inf(1)}

// SignalRanges is the one table of canonical signals (DESIGN.md) and their valid values: NPS
// answers 0–10, scores 0–100, and counts, money, ratios and durations never negative. Every path
// that takes values from outside (the push API, CSV files; the store as a last line) checks
// against it, so an `nps` of 1e308 never makes a promoter. A signal not listed may take any
// finite value.
var SignalRanges = map[string]Range{
	"nps":                {0, 10},
	"health_score":       {0, 100},
	"csat":               {0, 100},
	"active_users":       unbounded,
	"seats":              unbounded,
	"product_events_30d": unbounded,
	"usage_trend":        unbounded, // last 30 days over the previous 30: a ratio
	"ltv":                unbounded, // major units
	"mrr":                unbounded,
	"upsells_12m":        unbounded,
	"tickets_90d":        unbounded,
	"tickets_open":       unbounded,
	"escalations_90d":    unbounded,
	"retention_cost":     unbounded,
	"tenure_days":        unbounded,
	"referrals_made":     unbounded,
}

// CheckValue reports why v is not a valid value of signal name, or nil. Any value must be
// finite.
func CheckValue(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s must be a finite number, got %g", name, v)
	}
	r, ok := SignalRanges[name]
	switch {
	case !ok || (v >= r.Min && v <= r.Max):
		return nil
	case math.IsInf(r.Max, 1):
		return fmt.Errorf("%s must be at least %g, got %g", name, r.Min, v)
	}
	return fmt.Errorf("%s must be between %g and %g, got %g", name, r.Min, r.Max, v)
}

// Observation times outside [EarliestObservation, now+MaxObservationAhead] are not real: a zero
// time (0001-01-01) from a missing field, or a date typed with the wrong century.
var EarliestObservation = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxObservationAhead is how far past now an observation may be dated (clock skew, time zones).
const MaxObservationAhead = 24 * time.Hour

// CheckObservedAt reports why t is not a plausible observation time at now, or nil.
func CheckObservedAt(t, now time.Time) error {
	switch {
	case t.Before(EarliestObservation):
		return fmt.Errorf("%s is before 1970", t.UTC().Format(time.RFC3339))
	case t.After(now.Add(MaxObservationAhead)):
		return fmt.Errorf("%s is more than a day in the future", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// CheckText reports a NUL byte in s, which no database stores in text (Postgres refuses it).
func CheckText(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte")
	}
	return nil
}
