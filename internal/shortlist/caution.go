package shortlist

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// Evidence is what the caution line looks at for one candidate.
type Evidence struct {
	Signals    map[string]float64 // the current value of each signal
	Newest     time.Time          // newest observation of any signal; zero when none
	Confidence float64            // 0..1, share of the weighted evidence present; < 0 unknown
}

// warnings are the signals that should make a CSM look twice before asking, even though the
// customer scored well overall. Order is the order they are listed in.
var warnings = []struct {
	signal string
	bad    func(v float64) bool
	say    func(v float64) string
}{
	{"escalations_90d", func(v float64) bool { return v >= 1 }, func(v float64) string {
		return plural(v, "escalation", "escalations") + " in the last 90 days"
	}},
	{"tickets_open", func(v float64) bool { return v >= 3 }, func(v float64) string { return plural(v, "open ticket", "open tickets") }},
	{"nps", func(v float64) bool { return v <= 6 }, func(v float64) string { return fmt.Sprintf("latest NPS answer %g (detractor)", v) }},
	{"health_score", func(v float64) bool { return v < 50 }, func(v float64) string { return fmt.Sprintf("health score %g", v) }},
	{"usage_trend", func(v float64) bool { return v < 0.8 }, func(v float64) string {
		return fmt.Sprintf("usage down %.0f%% on the previous 30 days", math.Round((1-v)*100))
	}},
}

func plural(v float64, one, many string) string {
	if v == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%g %s", v, many)
}

// Caution says in one line why a CSM should double-check a candidate: data older than
// staleAfter (<= 0: advocate.DefaultStaleAfter), a warning signal, or a score resting on little
// evidence. "" when there is nothing to say.
func Caution(now time.Time, staleAfter time.Duration, ev Evidence) string {
	return joinCaution(Staleness(now, staleAfter, ev.Newest), signalCaution(ev))
}

// Staleness is the data-age part of the caution line: "" when the newest signal is recent.
func Staleness(now time.Time, staleAfter time.Duration, newest time.Time) string {
	if staleAfter <= 0 {
		staleAfter = advocate.DefaultStaleAfter
	}
	switch {
	case newest.IsZero():
		return "no signal data on record"
	case now.Sub(newest) > staleAfter:
		return fmt.Sprintf("data is stale: newest signal is %d days old", ageDays(now, newest))
	}
	return ""
}

func ageDays(now, t time.Time) int { return int(now.Sub(t).Hours() / 24) }

// signalCaution is the part about the candidate's own signals and evidence.
func signalCaution(ev Evidence) string {
	var parts []string
	for _, w := range warnings {
		if v, ok := ev.Signals[w.signal]; ok && w.bad(v) {
			parts = append(parts, w.say(v))
		}
	}
	if ev.Confidence >= 0 && ev.Confidence < 0.5 {
		parts = append(parts, fmt.Sprintf("scored on little data (confidence %.0f%%)", ev.Confidence*100))
	}
	return strings.Join(parts, "; ")
}

func joinCaution(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

// sharedStaleness words the data age once for the whole list when every entry's data is stale
// ("every candidate's newest signal is 17 to 19 days old"), so the header says it instead of
// each of twenty entries; "" when some entry's data is fresh (then each stale entry says so).
func sharedStaleness(now time.Time, staleAfter time.Duration, newest []time.Time) string {
	if len(newest) < 2 {
		return ""
	}
	lo, hi := -1, -1
	for _, t := range newest {
		if t.IsZero() || Staleness(now, staleAfter, t) == "" {
			return ""
		}
		d := ageDays(now, t)
		if lo < 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
	}
	if lo == hi {
		return fmt.Sprintf("Data is stale for every candidate: their newest signals are %d days old. Check the connectors (advocate status).", lo)
	}
	return fmt.Sprintf("Data is stale for every candidate: their newest signals are %d to %d days old. Check the connectors (advocate status).", lo, hi)
}

// ScoreChange rounds the change from prev to cur to one decimal, as the message shows it.
func ScoreChange(cur, prev float64) float64 { return math.Round((cur-prev)*10) / 10 }
