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
	if staleAfter <= 0 {
		staleAfter = advocate.DefaultStaleAfter
	}
	var parts []string
	switch {
	case ev.Newest.IsZero():
		parts = append(parts, "no signal data on record")
	case now.Sub(ev.Newest) > staleAfter:
		parts = append(parts, fmt.Sprintf("data is stale: newest signal is %d days old", int(now.Sub(ev.Newest).Hours()/24)))
	}
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

// ScoreChange rounds the change from prev to cur to one decimal, as the message shows it.
func ScoreChange(cur, prev float64) float64 { return math.Round((cur-prev)*10) / 10 }
