package advocate

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// DecisionKind is what a CSM pressed.
type DecisionKind string

// Decision kinds, as recorded by the Slack buttons, the CLI and the web.
const (
	Approve DecisionKind = "approve"
	Skip    DecisionKind = "skip"
	Snooze  DecisionKind = "snooze"
)

// ParseDecisionKind accepts the three kinds and nothing else.
func ParseDecisionKind(s string) (DecisionKind, error) {
	switch k := DecisionKind(s); k {
	case Approve, Skip, Snooze:
		return k, nil
	}
	return "", fmt.Errorf("unknown decision %q (want approve, skip or snooze)", s)
}

// Shortlist defaults: the config's defaults are these, and a Policy built in code gets them too.
const (
	DefaultShortlistSize = 20
	DefaultCooldownWeeks = 8  // a skipped customer returns after this many weeks
	DefaultSnoozeDays    = 30 // Snooze hides a customer this long
	DefaultAskFatigue    = 90 // days after any campaign asked a customer before they are asked again
	// DefaultStaleAfter is how old a customer's newest signal may be before the shortlist warns
	// that it was scored on old data.
	DefaultStaleAfter = 14 * 24 * time.Hour
)

// Policy is what shapes who may be asked this week.
type Policy struct {
	Size         int           // entries per week; <= 0 means DefaultShortlistSize
	SkipCooldown time.Duration // how long "skip" holds a customer back; < 0 means the default, 0 none
	Snooze       time.Duration // how long "snooze" holds a customer back when no date was given; <= 0 default
	// AskFatigue keeps a customer off the list for this long after any campaign asked them;
	// 0 turns the check off.
	AskFatigue time.Duration
	// StaleAfter is how old a candidate's newest signal may be before its caution line says
	// the data is stale; <= 0 means DefaultStaleAfter.
	StaleAfter time.Duration
}

// DefaultPolicy is the policy with every default.
func DefaultPolicy() Policy {
	return Policy{
		Size:         DefaultShortlistSize,
		SkipCooldown: Weeks(DefaultCooldownWeeks),
		Snooze:       Days(DefaultSnoozeDays),
		AskFatigue:   Days(DefaultAskFatigue),
		StaleAfter:   DefaultStaleAfter,
	}
}

// WithDefaults returns p with unset values replaced by the defaults.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	if p.Size <= 0 {
		p.Size = d.Size
	}
	if p.SkipCooldown < 0 {
		p.SkipCooldown = d.SkipCooldown
	}
	if p.Snooze <= 0 {
		p.Snooze = d.Snooze
	}
	if p.StaleAfter <= 0 {
		p.StaleAfter = d.StaleAfter
	}
	return p
}

// SnoozeDays is the snooze length in whole days, as the button label says it.
func (p Policy) SnoozeDays() int { return int(p.WithDefaults().Snooze / (24 * time.Hour)) }

// Days and Weeks turn config counts into durations.
func Days(n int) time.Duration  { return time.Duration(n) * 24 * time.Hour }
func Weeks(n int) time.Duration { return time.Duration(n) * 7 * 24 * time.Hour }

// Decision is the latest decision about one customer.
type Decision struct {
	Kind  DecisionKind
	At    time.Time
	Until time.Time // snooze only; zero means At + Policy.Snooze
}

// HoldsUntil reports until when the decision keeps the customer off the shortlist, and
// whether it does so forever. A decision of unknown kind holds nothing back: showing a
// customer again costs a CSM one click, silently hiding one forever costs an advocate.
func (d Decision) HoldsUntil(p Policy) (until time.Time, forever bool) {
	p = p.WithDefaults()
	switch d.Kind {
	case Approve:
		return time.Time{}, true
	case Skip:
		return d.At.Add(p.SkipCooldown), false
	case Snooze:
		if d.Until.IsZero() {
			return d.At.Add(p.Snooze), false
		}
		return d.Until, false
	default:
		return time.Time{}, false
	}
}

// Holds reports whether the decision keeps the customer off the shortlist at now.
func (d Decision) Holds(p Policy, now time.Time) bool {
	until, forever := d.HoldsUntil(p)
	return forever || now.Before(until)
}

// SnoozeUntil is when a snooze decided at now ends: days from now, else the policy's length.
func (p Policy) SnoozeUntil(now time.Time, days int) time.Time {
	if days > 0 {
		return now.AddDate(0, 0, days)
	}
	return now.Add(p.WithDefaults().Snooze)
}

// Week returns the ISO 8601 week of t, e.g. "2026-W47". The ISO year can differ from the
// calendar year around New Year (2027-01-01 is in 2026-W53).
func Week(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

var weekRE = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// ParseWeek checks that s names an ISO week that exists ("2026-W53" only in years that have
// 53 weeks) and returns the Monday it starts on.
func ParseWeek(s string) (time.Time, error) {
	m := weekRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("week %q: want YYYY-Www, e.g. 2026-W47", s)
	}
	year, _ := strconv.Atoi(m[1])
	week, _ := strconv.Atoi(m[2])
	// Dec 28 is always in the last ISO week of its year.
	_, last := time.Date(year, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	if week < 1 || week > last {
		return time.Time{}, fmt.Errorf("week %q: %d has weeks 01 to %02d", s, year, last)
	}
	// Jan 4 is always in week 1; step back to its Monday.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(week-1)), nil
}
