package email

// Customer-safe copy: the highlights an email may say about a customer, and the check that
// nothing a CSM reads (scores, NPS, health, tickets, revenue…) reaches one.
//
// The scoring reasons ("health score 97 (top 2%)", "NPS is 11 months old — treated as
// missing") are notes for the CSM in Slack, the CLI and the web. An email says only what the
// customer would be glad to read about themselves, as plain facts, or nothing. This file is
// the one rule set for that; the drip, the Slack preview, the demo and the LLM prompt all ask it.

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// MaxHighlights is how many highlights an email carries at most.
const MaxHighlights = 3

// Thresholds of the highlight rules.
const (
	// minTenure is how long a customer has been with us before "with us since" is worth saying.
	minTenure = 180 * 24 * time.Hour
	// growthTrend is the usage_trend (last 30 days / the 30 before) that reads as "grew".
	growthTrend = 1.10
	// minTeam is the smallest active team worth naming; a growing team is named from minGrowingTeam.
	minTeam, minGrowingTeam = 10, 5
)

// Highlights returns up to MaxHighlights short, positive, absolute facts about the customer
// that an email may tell them, from its attributes and the current, fresh values of its
// signals (read through advocate.Sources: stale values must not be passed). In order:
//
//   - tenure (customer_since, else tenure_days), from six months: "You have been with us since March 2022"
//   - a growing team (usage_trend ≥ 1.10 with at least 5 active_users): "Your team's use of us grew
//     over the last month, to 48 active users"; a steady one of at least 10: "48 people on your team use us"
//   - upgrades (upsells_12m): "You moved up to the Scale plan in the past year" (one, with a
//     plan attribute), "You upgraded your plan in the past year", "You upgraded twice in the past year"
//
// Nothing else: never a score, rank, NPS, health, satisfaction, ticket, revenue or staleness.
// No highlight is better than a made-up one, so a customer without these facts gets none.
func Highlights(c advocate.Customer, signals map[string]float64, now time.Time) []string {
	var out []string
	if h := tenureHighlight(c.Attributes, signals, now); h != "" {
		out = append(out, h)
	}
	if h := teamHighlight(signals); h != "" {
		out = append(out, h)
	}
	if h := upgradeHighlight(c.Attributes, signals); h != "" {
		out = append(out, h)
	}
	if len(out) > MaxHighlights {
		out = out[:MaxHighlights]
	}
	return out
}

// CurrentHighlights reads one customer's current signals through src (stale values count as
// missing, as they do to the score) and returns its Highlights.
func CurrentHighlights(ctx context.Context, src advocate.Sources, r advocate.SignalReader, c advocate.Customer, now time.Time) ([]string, error) {
	cur, err := src.CurrentSignals(ctx, r, c.ID, now)
	if err != nil {
		return nil, fmt.Errorf("email: highlights of %s: %w", c.Label(), err)
	}
	fresh := make(map[string]float64, len(cur))
	for name, v := range cur {
		if !v.Stale {
			fresh[name] = v.Value
		}
	}
	return Highlights(c, fresh, now), nil
}

// CustomerSince is when the customer started with us: the customer_since attribute
// (YYYY-MM-DD), else now minus the tenure_days signal. ok is false when neither is known.
func CustomerSince(attrs map[string]string, signals map[string]float64, now time.Time) (time.Time, bool) {
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(attrs["customer_since"])); err == nil {
		return t, true
	}
	if d, ok := signals["tenure_days"]; ok && d > 0 {
		return now.AddDate(0, 0, -int(d)), true
	}
	return time.Time{}, false
}

func tenureHighlight(attrs map[string]string, signals map[string]float64, now time.Time) string {
	since, ok := CustomerSince(attrs, signals, now)
	if !ok || now.Sub(since) < minTenure {
		return ""
	}
	return "You have been with us since " + since.Format("January 2006")
}

func teamHighlight(signals map[string]float64) string {
	users, ok := signals["active_users"]
	if !ok {
		return ""
	}
	n := int(users)
	trend, hasTrend := signals["usage_trend"]
	switch {
	case hasTrend && trend >= growthTrend && n >= minGrowingTeam:
		return fmt.Sprintf("Your team's use of us grew over the last month, to %d active users", n)
	case hasTrend && trend < 1:
		return "" // fading: nothing to celebrate
	case n >= minTeam:
		return fmt.Sprintf("%d people on your team use us", n)
	}
	return ""
}

func upgradeHighlight(attrs map[string]string, signals map[string]float64) string {
	n := int(signals["upsells_12m"])
	switch {
	case n <= 0:
		return ""
	case n == 1:
		if plan := planName(attrs["plan"]); plan != "" {
			return "You moved up to the " + plan + " plan in the past year"
		}
		return "You upgraded your plan in the past year"
	case n == 2:
		return "You upgraded twice in the past year"
	}
	if n < len(smallNumbers) {
		return "You upgraded " + smallNumbers[n] + " times in the past year"
	}
	return "You upgraded " + strconv.Itoa(n) + " times in the past year"
}

var smallNumbers = []string{"zero", "once", "twice", "three", "four", "five", "six", "seven", "eight", "nine"}

// planName is a plan attribute as a customer knows it ("scale" -> "Scale"), or "" when it
// does not look like a plan's name (an id, a price, free text).
func planName(raw string) string {
	p := strings.TrimSpace(raw)
	if p == "" || len(p) > 30 || strings.ContainsAny(p, "0123456789_$€£") {
		return ""
	}
	r := []rune(p)
	r[0] = unicode.ToUpper(r[0])
	p = string(r)
	if strings.HasSuffix(strings.ToLower(p), " plan") {
		p = p[:len(p)-len(" plan")]
	}
	return p
}

// internalTerms are what a CSM reads and a customer never does: scoring and its explanations,
// satisfaction and support metrics, money, data quality. Whole words, any case.
var internalTerms = regexp.MustCompile(`(?i)\b(` +
	`scor(e|es|ed|ing)|rank(s|ed|ing)?|percentiles?|` +
	`nps|net promoter|promoters?|passives?|detractors?|` +
	`health|healthy|health[ _]score|csat|satisfaction score|` +
	`tickets?|escalat(e|es|ed|ion|ions)|` +
	`ltv|lifetime value|mrr|arr|revenue|retention cost|retention|` +
	`confidence|stale|staleness|missing` +
	`)\b`)

// percentileRE is a number that ranks the customer against others: "top 2%", "bottom 10 %",
// "97th percentile".
var percentileRE = regexp.MustCompile(`(?i)\b(top|bottom)\s+\d+(\.\d+)?\s*(%|percent\b)|\b\d+(st|nd|rd|th)\s+percentile\b`)

// InternalTerm returns the first word or number in text that must never reach a customer (a
// score, rank or percentile, NPS or its class, health, CSAT, tickets, escalations, LTV, MRR,
// revenue, retention cost, confidence, staleness, "missing"), or "" when text is customer-safe.
// Rendered emails, LLM paragraphs and edited templates are all held to it.
func InternalTerm(text string) string {
	if m := percentileRE.FindString(text); m != "" {
		return m
	}
	return internalTerms.FindString(text)
}
