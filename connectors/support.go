package connectors

import (
	"encoding/json"
	"fmt"
	"time"
)

// SupportCounts are one customer's help-desk numbers over the counting window. Every help desk
// (Intercom, Zendesk) counts the same things, so they become the same signals.
type SupportCounts struct {
	Tickets, Open, Escalations int
	// Rated tickets had a satisfaction rating; Satisfied of them a good one.
	Rated, Satisfied int
}

// SupportSignals are the help-desk observations for one customer: tickets_90d, tickets_open and
// escalations_90d always (a customer with no tickets has 0 of each), csat only when some
// ticket was rated (a percentage of good ratings; without ratings there is nothing to report).
func SupportSignals(ref Ref, c SupportCounts, at time.Time) []Signal {
	out := []Signal{
		{Customer: ref, Name: "tickets_90d", Value: float64(c.Tickets), ObservedAt: at},
		{Customer: ref, Name: "tickets_open", Value: float64(c.Open), ObservedAt: at},
		{Customer: ref, Name: "escalations_90d", Value: float64(c.Escalations), ObservedAt: at},
	}
	if c.Rated > 0 {
		out = append(out, Signal{Customer: ref, Name: "csat", Value: 100 * float64(c.Satisfied) / float64(c.Rated), ObservedAt: at})
	}
	return out
}

// TextOrNumber reads a JSON string, or a JSON number kept as its text: vendors document some
// ids and timestamps as strings but some clients see them as numbers. what names the value in
// the error ("id", "timestamp").
func TextOrNumber(b []byte, what string) (string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", fmt.Errorf("%s %s is neither a string nor a number", what, b)
	}
	return n.String(), nil
}
