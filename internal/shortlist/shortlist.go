// Package shortlist turns scored customers into the weekly list a CSM reviews: it drops
// customers a human already decided on, names the person to recruit at each account, cuts the
// list to size, and renders it as Slack Block Kit messages.
//
// The package is pure: no database, no network, no clock (callers pass now).
package shortlist

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Defaults applied by Policy.WithDefaults.
const (
	DefaultSize         = 20
	DefaultSkipCooldown = 8 * 7 * 24 * time.Hour
	// SnoozeDuration is how long the Slack "Snooze 30 days" button holds a customer back. It is
	// also the fallback for a snooze decision recorded without an Until.
	SnoozeDuration = 30 * 24 * time.Hour
)

// Customer is the account as the shortlist shows it. Owner is the CSM's email.
type Customer struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Owner  string `json:"owner"`
}

// Contact is a person at a customer who could be recruited.
type Contact struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Champion bool   `json:"champion,omitempty"`
	OptedOut bool   `json:"opted_out,omitempty"`
}

// Candidate is one scored customer, as scoring hands it over.
type Candidate struct {
	Customer Customer
	Contacts []Contact
	Score    float64
	Eligible bool
	Reasons  []string
	Caution  string
	// LastAsked is when the customer was last asked to advocate by any campaign (an enrollment
	// or an approval); zero when never. Policy.AskFatigue holds them back for a while after.
	LastAsked time.Time
}

// DecisionKind is what a CSM pressed.
type DecisionKind string

// Decision kinds, as recorded by the Slack buttons and the approve/skip/snooze commands.
const (
	Approve DecisionKind = "approve"
	Skip    DecisionKind = "skip"
	Snooze  DecisionKind = "snooze"
)

// Decision is the latest decision about one customer.
type Decision struct {
	Kind  DecisionKind
	At    time.Time
	Until time.Time // snooze only
}

// holdsUntil reports until when the decision keeps the customer off the shortlist, and whether
// it does so forever. A decision of unknown kind holds nothing back: showing a customer again
// costs a CSM one click, silently hiding one forever costs an advocate.
func (d Decision) holdsUntil(p Policy) (until time.Time, forever bool) {
	switch d.Kind {
	case Approve:
		return time.Time{}, true
	case Skip:
		return d.At.Add(p.SkipCooldown), false
	case Snooze:
		if d.Until.IsZero() {
			return d.At.Add(SnoozeDuration), false
		}
		return d.Until, false
	default:
		return time.Time{}, false
	}
}

// Policy shapes the shortlist.
type Policy struct {
	Size         int           // entries per week; <= 0 means DefaultSize
	SkipCooldown time.Duration // how long "skip" holds a customer back; <= 0 means DefaultSkipCooldown
	// AskFatigue keeps a customer off the list for this long after any campaign asked them
	// (Candidate.LastAsked); 0 turns the check off. Config default: 90 days.
	AskFatigue time.Duration
	// StaleAfter is how old a candidate's newest signal may be before its caution line says the
	// data is stale; <= 0 means DefaultStaleAfter.
	StaleAfter time.Duration
}

// WithDefaults returns p with zero values replaced by the defaults.
func (p Policy) WithDefaults() Policy {
	if p.Size <= 0 {
		p.Size = DefaultSize
	}
	if p.SkipCooldown <= 0 {
		p.SkipCooldown = DefaultSkipCooldown
	}
	return p
}

// Entry is one line of the shortlist: the account, the person to recruit there, and why.
type Entry struct {
	Rank     int      `json:"rank"`
	Customer Customer `json:"customer"`
	Contact  Contact  `json:"contact"`
	Score    float64  `json:"score"`
	Reasons  []string `json:"reasons"`
	Caution  string   `json:"caution,omitempty"`
	// Change is the score change since last week; nil when there is no score that old.
	Change *float64 `json:"score_change,omitempty"`
}

// Shortlist is one week's list plus the counts that explain how it was cut, so a CSM can tell
// "nobody qualified" from "everyone was already decided".
type Shortlist struct {
	Week    string  `json:"week"`
	Entries []Entry `json:"entries"`

	Considered int `json:"considered"` // candidates handed in
	Eligible   int `json:"eligible"`   // of those, passed every scoring gate
	Decided    int `json:"decided"`    // eligible but held back by an earlier approve/skip/snooze
	Asked      int `json:"asked"`      // eligible, undecided, but asked by a campaign within the ask-fatigue window
	Excluded   int `json:"excluded"`   // eligible, undecided, but no contact we may email
	More       int `json:"more"`       // eligible and reachable, but below the size cut
}

// Week returns the ISO 8601 week of t, e.g. "2026-W47". The ISO year can differ from the
// calendar year around New Year (2027-01-01 is in 2026-W53).
func Week(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Build picks this week's shortlist. cands must arrive sorted by score, best first (scoring
// sorts them); Build keeps that order. decisions is keyed by customer ID.
//
// A customer is listed when it is eligible, no earlier decision holds it back (approve: never
// again; skip: until At+SkipCooldown; snooze: until Until), no campaign asked it within
// AskFatigue, and it has a contact we may email.
// Every candidate is counted, including those below the size cut, so the counts describe the
// whole population rather than where the loop happened to stop.
func Build(now time.Time, p Policy, cands []Candidate, decisions map[string]Decision) Shortlist {
	p = p.WithDefaults()
	s := Shortlist{Week: Week(now), Entries: []Entry{}, Considered: len(cands)}
	for _, c := range cands {
		if !c.Eligible {
			continue
		}
		s.Eligible++
		if d, ok := decisions[c.Customer.ID]; ok {
			until, forever := d.holdsUntil(p)
			if forever || now.Before(until) {
				s.Decided++
				continue
			}
		}
		if p.AskFatigue > 0 && !c.LastAsked.IsZero() && now.Sub(c.LastAsked) < p.AskFatigue {
			s.Asked++
			continue
		}
		contact, ok := PickContact(c.Contacts)
		if !ok {
			s.Excluded++
			continue
		}
		if len(s.Entries) >= p.Size {
			s.More++
			continue
		}
		e := Entry{
			Rank:     len(s.Entries) + 1,
			Customer: c.Customer,
			Contact:  contact,
			Score:    c.Score,
			Reasons:  nonNil(c.Reasons),
			Caution:  c.Caution,
		}
		s.Entries = append(s.Entries, e)
	}
	return s
}

// nonNil keeps JSON output as [] rather than null, which scripts reading --json expect.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PickContact chooses the person to recruit: a champion we may email, else the most senior
// contact we may email (by role keywords), then by name. It reports false when nobody at the
// account is reachable (opted out, or no email address).
func PickContact(contacts []Contact) (Contact, bool) {
	var best Contact
	found := false
	for _, c := range contacts {
		if !reachable(c) {
			continue
		}
		if !found || betterContact(c, best) {
			best, found = c, true
		}
	}
	return best, found
}

func reachable(c Contact) bool {
	e := strings.TrimSpace(c.Email)
	return !c.OptedOut && e != "" && strings.Contains(e, "@")
}

// betterContact reports whether a should be recruited rather than b.
func betterContact(a, b Contact) bool {
	if a.Champion != b.Champion {
		return a.Champion
	}
	if sa, sb := Seniority(a.Role), Seniority(b.Role); sa != sb {
		return sa < sb
	}
	if c := cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
		// Contacts without a name sort last: a named person makes a better invitation.
		if a.Name == "" || b.Name == "" {
			return a.Name != ""
		}
		return c < 0
	}
	// Same name (or none): fall back to the address so the choice never depends on input order.
	return strings.ToLower(a.Email) < strings.ToLower(b.Email)
}

// seniorityWords maps role words to a tier; lower is more senior. Whole words are matched so
// that "Director" does not count as "CTO".
var seniorityWords = map[string]int{
	"chief": 0, "ceo": 0, "cto": 0, "coo": 0, "cfo": 0, "cmo": 0, "cro": 0, "cpo": 0, "cio": 0,
	"founder": 0, "cofounder": 0, "president": 0,
	"vp": 1, "svp": 1, "evp": 1, "avp": 1, "vice": 1,
	"head":     2,
	"director": 3,
	"lead":     4, "leader": 4, "principal": 4,
	"manager": 5,
}

// Seniority ranks a job title: 0 for C-level and founders, 1 VP, 2 head, 3 director, 4 lead,
// 5 manager, 6 anything else. "Vice President" counts as VP, not as president.
func Seniority(role string) int {
	words := strings.FieldsFunc(strings.ToLower(role), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	tier := 6
	vice := slices.Contains(words, "vice")
	for _, w := range words {
		t, ok := seniorityWords[w]
		if !ok {
			continue
		}
		if w == "president" && vice {
			t = 1
		}
		tier = min(tier, t)
	}
	return tier
}

// OwnerGroup is one CSM's part of the shortlist.
type OwnerGroup struct {
	Owner   string
	Entries []Entry
}

// ByOwner groups the entries by CSM. Owners are ordered by their best-ranked entry, entries
// within a group by rank, so the top of the message stays the top of the list.
func (s Shortlist) ByOwner() []OwnerGroup {
	var groups []OwnerGroup
	index := map[string]int{}
	for _, e := range s.Entries {
		i, ok := index[e.Customer.Owner]
		if !ok {
			i = len(groups)
			index[e.Customer.Owner] = i
			groups = append(groups, OwnerGroup{Owner: e.Customer.Owner})
		}
		groups[i].Entries = append(groups[i].Entries, e)
	}
	return groups
}
