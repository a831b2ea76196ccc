package shortlist

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
)

var now = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) // Monday of 2026-W47

func cand(id string, score float64, contacts ...advocate.Contact) Candidate {
	return Candidate{
		Customer: advocate.Customer{ID: id, Name: "Co " + id, Domain: id + ".example", Owner: "csm@acme.io"},
		Contacts: contacts,
		Score:    score,
		Eligible: true,
		Reasons:  []string{"NPS 10 (promoter)"},
	}
}

func person(name, role string) advocate.Contact {
	return advocate.Contact{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@x.example", Role: role}
}

func ids(s Shortlist) []string {
	var out []string
	for _, e := range s.Entries {
		out = append(out, e.Customer.ID)
	}
	return out
}

func TestBuild(t *testing.T) {
	ann := person("Ann Lee", "Engineer")
	ineligible := cand("ineligible", 99, ann)
	ineligible.Eligible = false

	tests := []struct {
		name      string
		policy    advocate.Policy
		cands     []Candidate
		decisions map[string]advocate.Decision
		want      []string
		// counts
		eligible, decided, excluded, more int
	}{
		{
			name:     "OK keeps score order and drops ineligible",
			cands:    []Candidate{ineligible, cand("a", 90, ann), cand("b", 80, ann)},
			want:     []string{"a", "b"},
			eligible: 2,
		},
		{
			name:      "ApprovedNeverAgain",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]advocate.Decision{"a": {Kind: advocate.Approve, At: now.AddDate(-3, 0, 0)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:      "SkipHeldDuringCooldown",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]advocate.Decision{"a": {Kind: advocate.Skip, At: now.Add(-advocate.Weeks(advocate.DefaultCooldownWeeks) + time.Second)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:      "SkipReturnsWhenCooldownEnds",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]advocate.Decision{"a": {Kind: advocate.Skip, At: now.Add(-advocate.Weeks(advocate.DefaultCooldownWeeks))}},
			want:      []string{"a", "b"},
			eligible:  2,
		},
		{
			name:      "SkipCooldownFromPolicy",
			policy:    advocate.Policy{SkipCooldown: 7 * 24 * time.Hour},
			cands:     []Candidate{cand("a", 90, ann)},
			decisions: map[string]advocate.Decision{"a": {Kind: advocate.Skip, At: now.AddDate(0, 0, -8)}},
			want:      []string{"a"},
			eligible:  1,
		},
		{
			name:      "SnoozeHeldUntilUntil",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]advocate.Decision{"a": {Kind: advocate.Snooze, At: now.AddDate(0, 0, -40), Until: now.Add(time.Hour)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:      "SnoozeExpired",
			cands:     []Candidate{cand("a", 90, ann)},
			decisions: map[string]advocate.Decision{"a": {Kind: advocate.Snooze, At: now.AddDate(0, 0, -2), Until: now.Add(-time.Hour)}},
			want:      []string{"a"},
			eligible:  1,
		},
		{
			name:      "SnoozeWithoutUntilLasts30Days",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]advocate.Decision{"a": {Kind: advocate.Snooze, At: now.AddDate(0, 0, -29)}, "b": {Kind: advocate.Snooze, At: now.AddDate(0, 0, -31)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:     "NoReachableContactExcluded",
			cands:    []Candidate{cand("a", 90, advocate.Contact{Name: "Out", Email: "out@a.example", OptedOut: true}, advocate.Contact{Name: "No Mail"}), cand("b", 80, ann), cand("c", 70)},
			want:     []string{"b"},
			eligible: 3, excluded: 2,
		},
		{
			name:     "SizeCutCountsTheRest",
			policy:   advocate.Policy{Size: 2},
			cands:    []Candidate{cand("a", 90, ann), cand("b", 80, ann), cand("c", 70, ann), cand("d", 60, ann)},
			want:     []string{"a", "b"},
			eligible: 4, more: 2,
		},
		{
			name:     "DefaultSize",
			cands:    manyCands(25),
			want:     ids(Shortlist{Entries: entriesFor(manyCands(20))}),
			eligible: 25, more: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if p == (advocate.Policy{}) {
				p = advocate.DefaultPolicy()
			}
			s := Build(now, p, tt.cands, tt.decisions)
			if got := ids(s); !slices.Equal(got, tt.want) {
				t.Errorf("entries = %v, want %v", got, tt.want)
			}
			for i, e := range s.Entries {
				if e.Rank != i+1 {
					t.Errorf("entry %d has rank %d, want %d", i, e.Rank, i+1)
				}
			}
			if s.Week != "2026-W47" {
				t.Errorf("week = %q", s.Week)
			}
			if s.Considered != len(tt.cands) || s.Eligible != tt.eligible || s.Decided != tt.decided || s.Excluded != tt.excluded || s.More != tt.more {
				t.Errorf("counts considered=%d eligible=%d decided=%d excluded=%d more=%d, want %d %d %d %d %d",
					s.Considered, s.Eligible, s.Decided, s.Excluded, s.More,
					len(tt.cands), tt.eligible, tt.decided, tt.excluded, tt.more)
			}
		})
	}
}

func manyCands(n int) []Candidate {
	var out []Candidate
	for i := range n {
		out = append(out, cand(string(rune('A'+i)), float64(100-i), person("Ann Lee", "")))
	}
	return out
}

func entriesFor(cs []Candidate) []Entry {
	var out []Entry
	for _, c := range cs {
		out = append(out, Entry{Customer: c.Customer})
	}
	return out
}

func TestByOwner(t *testing.T) {
	s := Shortlist{Entries: []Entry{
		{Rank: 1, Customer: advocate.Customer{ID: "a", Owner: "bo@acme.io"}},
		{Rank: 2, Customer: advocate.Customer{ID: "b", Owner: "al@acme.io"}},
		{Rank: 3, Customer: advocate.Customer{ID: "c", Owner: "bo@acme.io"}},
		{Rank: 4, Customer: advocate.Customer{ID: "d", Owner: ""}},
	}}
	groups := s.ByOwner()
	var got []string
	for _, g := range groups {
		var rs []string
		for _, e := range g.Entries {
			rs = append(rs, e.Customer.ID)
		}
		got = append(got, g.Owner+":"+strings.Join(rs, ","))
	}
	want := []string{"bo@acme.io:a,c", "al@acme.io:b", ":d"}
	if !slices.Equal(got, want) {
		t.Errorf("groups = %v, want %v", got, want)
	}
}

// The --json contract: field names other tools rely on, and [] rather than null.
func TestShortlistJSONContract(t *testing.T) {
	empty, err := json.Marshal(Build(now, advocate.Policy{}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(empty), `"entries":[]`) {
		t.Errorf("empty shortlist JSON = %s, want entries []", empty)
	}
	s := Build(now, advocate.Policy{}, []Candidate{{
		Customer: advocate.Customer{ID: "c1", Name: "Acme", Domain: "acme.io", Owner: "dana@acme.io"},
		Contacts: []advocate.Contact{{Name: "Ann", Email: "ann@acme.io", Role: "CTO"}},
		Score:    91.25, Eligible: true,
	}}, nil)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Week    string `json:"week"`
		Entries []struct {
			Rank     int               `json:"rank"`
			Customer map[string]string `json:"customer"`
			Contact  map[string]any    `json:"contact"`
			Score    float64           `json:"score"`
			Reasons  []string          `json:"reasons"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	e := doc.Entries[0]
	if doc.Week != "2026-W47" || e.Rank != 1 || e.Customer["owner"] != "dana@acme.io" || e.Customer["domain"] != "acme.io" ||
		e.Contact["email"] != "ann@acme.io" || e.Contact["role"] != "CTO" || e.Score != 91.25 || e.Reasons == nil {
		t.Errorf("unexpected JSON: %s", b)
	}
}

func TestAskFatigueAndCaution(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	contact := []advocate.Contact{{Name: "Jo", Email: "jo@a.io", Champion: true}}
	cands := []Candidate{
		{Customer: advocate.Customer{ID: "asked"}, Contacts: contact, Eligible: true, LastAsked: now.AddDate(0, 0, -30)},
		{Customer: advocate.Customer{ID: "long-ago"}, Contacts: contact, Eligible: true, LastAsked: now.AddDate(0, 0, -120)},
		{Customer: advocate.Customer{ID: "never"}, Contacts: contact, Eligible: true},
	}
	s := Build(now, advocate.Policy{AskFatigue: 90 * 24 * time.Hour}, cands, nil)
	if len(s.Entries) != 2 || s.Asked != 1 || s.Entries[0].Customer.ID != "long-ago" {
		t.Errorf("with a 90-day window: %+v", s)
	}
	if s := Build(now, advocate.Policy{}, cands, nil); len(s.Entries) != 3 {
		t.Errorf("fatigue off: %d entries, want 3", len(s.Entries))
	}

	tests := []struct {
		name string
		ev   Evidence
		want string
	}{
		{"Fine", Evidence{Newest: now.Add(-time.Hour), Signals: map[string]float64{"nps": 10}, Confidence: 0.9}, ""},
		{"Stale", Evidence{Newest: now.AddDate(0, 0, -20), Confidence: 0.9}, "data is stale: newest signal is 20 days old"},
		{"Warnings", Evidence{Newest: now, Confidence: 0.9, Signals: map[string]float64{"escalations_90d": 1, "usage_trend": 0.5}},
			"1 escalation in the last 90 days; usage down 50% on the previous 30 days"},
		{"LittleData", Evidence{Newest: now, Confidence: 0.3}, "scored on little data (confidence 30%)"},
	}
	for _, tt := range tests {
		if got := Caution(now, 0, tt.ev); got != tt.want {
			t.Errorf("%s: Caution = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSharedStaleness(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		newest []time.Time
		want   string
	}{
		{"every entry stale: one line with the range", []time.Time{now.Add(-17 * day), now.Add(-19 * day), now.Add(-18 * day)},
			"Data is stale for every candidate: their newest signals are 17 to 19 days old. Check the connectors (advocate status)."},
		{"same age", []time.Time{now.Add(-20 * day), now.Add(-20 * day)},
			"Data is stale for every candidate: their newest signals are 20 days old. Check the connectors (advocate status)."},
		{"one fresh entry: each stale entry says it itself", []time.Time{now.Add(-17 * day), now.Add(-time.Hour)}, ""},
		{"one entry: nothing to share", []time.Time{now.Add(-30 * day)}, ""},
		{"no data on record is said per entry", []time.Time{{}, now.Add(-30 * day)}, ""},
	}
	for _, tc := range tests {
		if got := sharedStaleness(now, 0, tc.newest); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
