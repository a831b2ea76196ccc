// Package shortlist turns scored customers into the weekly list a CSM reviews: it drops
// customers a human already decided on, names the person to recruit at each account, cuts the
// list to size, and writes it as text or JSON. It knows nothing of Slack: the Slack adapter
// (internal/slack) renders a Shortlist as Block Kit.
//
// Build is pure (no database, no network, no clock: callers pass now); Make reads the store
// and saves the week's list.
package shortlist

import (
	"fmt"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/scoring"
)

// Candidate is one scored customer, as scoring hands it over.
type Candidate struct {
	Customer advocate.Customer
	Contacts []advocate.Contact
	Score    float64
	Eligible bool
	Reasons  []string
	Caution  string
	// LastAsked is when the customer was last asked to advocate by any campaign (an enrollment
	// or an approval); zero when never. Policy.AskFatigue holds them back for a while after.
	LastAsked time.Time
}

// Entry is one line of the shortlist: the account, the person to recruit there, and why.
type Entry struct {
	Rank     int               `json:"rank"`
	Customer advocate.Customer `json:"customer"`
	Contact  advocate.Contact  `json:"contact"`
	Score    float64           `json:"score"`
	Reasons  []string          `json:"reasons"`
	Caution  string            `json:"caution,omitempty"`
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

	// Stale is one line for the whole list when every candidate's data is stale, said once in
	// the header instead of in each entry's caution.
	Stale string `json:"stale,omitempty"`

	// Size is the size the list was cut to (the policy's), so a short list can say it is short.
	Size int `json:"size"`
	// Ineligible is why scored customers are not eligible, most common reason first (from the
	// score run), so an empty or short list can say why instead of staying silent.
	Ineligible scoring.FailureCounts `json:"ineligible,omitempty"`
}

// Why explains an empty or short list in one sentence for the CLI and Slack; "" when the list
// is full. It is the one place these words are chosen.
func (s Shortlist) Why() string {
	switch {
	case len(s.Entries) >= s.Size && s.Size > 0:
		return ""
	case s.Considered == 0:
		return "No customer has been scored yet: run `advocate sync`, then `advocate score`."
	case s.Eligible == 0:
		return fmt.Sprintf("None of the %d scored customers is eligible%s.", s.Considered, s.failures())
	case len(s.Entries) == 0:
		return "Every eligible customer is held back: " + s.heldBack() + "."
	}
	why := fmt.Sprintf("Only %d of %d places filled: %d of %d scored customers are eligible", len(s.Entries), s.Size, s.Eligible, s.Considered)
	if held := s.heldBack(); held != "" {
		why += " and " + held
	}
	return why + s.failures() + "."
}

// failures words the most common reasons customers are not eligible: "; 300 fail tenure_days
// >= 90 (tenure_days missing)".
func (s Shortlist) failures() string {
	if len(s.Ineligible) == 0 {
		return ""
	}
	return "; " + s.Ineligible.String()
}

// heldBack words the eligible customers the list leaves out.
func (s Shortlist) heldBack() string {
	var parts []string
	if s.Decided > 0 {
		parts = append(parts, fmt.Sprintf("%d decided earlier (approved, skipped or snoozed)", s.Decided))
	}
	if s.Asked > 0 {
		parts = append(parts, fmt.Sprintf("%d asked by a campaign recently", s.Asked))
	}
	if s.Excluded > 0 {
		parts = append(parts, fmt.Sprintf("%d without a contact we may email", s.Excluded))
	}
	return strings.Join(parts, ", ")
}

// Build picks this week's shortlist. cands must arrive sorted by score, best first (scoring
// sorts them); Build keeps that order. decisions is keyed by customer ID.
//
// A customer is listed when it is eligible, no earlier decision holds it back (approve: never
// again; skip: until At+SkipCooldown; snooze: until Until), no campaign asked it within
// AskFatigue, and it has a contact we may email.
// Every candidate is counted, including those below the size cut, so the counts describe the
// whole population rather than where the loop happened to stop.
func Build(now time.Time, p advocate.Policy, cands []Candidate, decisions map[string]advocate.Decision) Shortlist {
	p = p.WithDefaults()
	s := Shortlist{Week: advocate.Week(now), Entries: []Entry{}, Considered: len(cands), Size: p.Size}
	for _, c := range cands {
		if !c.Eligible {
			continue
		}
		s.Eligible++
		if d, ok := decisions[c.Customer.ID]; ok && d.Holds(p, now) {
			s.Decided++
			continue
		}
		if p.AskFatigue > 0 && !c.LastAsked.IsZero() && now.Sub(c.LastAsked) < p.AskFatigue {
			s.Asked++
			continue
		}
		contact, ok := advocate.PickContact(c.Contacts)
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
