package main

// Output a person reads: table cells that keep their columns, and times said the way people
// say them ("3 days ago"). --json keeps the exact values.

import (
	"fmt"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// cellWidth is the widest a name, domain or address may be in a table column before it is cut
// with "…": one long company name must not push every other column off the screen.
const cellWidth = 40

// cell is s clipped to cellWidth for a table column.
func cell(s string) string { return advocate.Clip(s, cellWidth) }

// ago says how long before now t was: "just now", "5 minutes ago", "3 hours ago",
// "3 days ago"; a time in the future reads "in 2 hours".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in " + humanDuration(-d)
	}
	if d < time.Minute {
		return "just now"
	}
	return humanDuration(d) + " ago"
}

// due says when something planned happens: its time and how far from now ("due now" once reached).
func due(now, t time.Time) string {
	at := t.Local().Format("2006-01-02 15:04")
	if !t.After(now) {
		return at + " (due now)"
	}
	return at + " (in " + humanDuration(t.Sub(now)) + ")"
}

// humanDuration rounds d down to its largest whole unit: "45 seconds", "5 minutes", "3 hours",
// "3 days", "7 weeks" (up to 12), then "5 months" and "2 years" (30- and 365-day units).
func humanDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		return plural(int(d/time.Second), "second")
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 2*day:
		return plural(int(d/time.Hour), "hour")
	case d < 14*day:
		return plural(int(d/day), "day")
	case d < 12*7*day:
		return plural(int(d/(7*day)), "week")
	case d < 365*day:
		return plural(int(d/(30*day)), "month")
	}
	return plural(int(d/(365*day)), "year")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
