package shortlist

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) // Monday of 2026-W47

func cand(id string, score float64, contacts ...Contact) Candidate {
	return Candidate{
		Customer: Customer{ID: id, Name: "Co " + id, Domain: id + ".example", Owner: "csm@acme.io"},
		Contacts: contacts,
		Score:    score,
		Eligible: true,
		Reasons:  []string{"NPS 10 (promoter)"},
	}
}

func person(name, role string) Contact {
	return Contact{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@x.example", Role: role}
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
		policy    Policy
		cands     []Candidate
		decisions map[string]Decision
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
			decisions: map[string]Decision{"a": {Kind: Approve, At: now.AddDate(-3, 0, 0)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:      "SkipHeldDuringCooldown",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]Decision{"a": {Kind: Skip, At: now.Add(-DefaultSkipCooldown + time.Second)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:      "SkipReturnsWhenCooldownEnds",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]Decision{"a": {Kind: Skip, At: now.Add(-DefaultSkipCooldown)}},
			want:      []string{"a", "b"},
			eligible:  2,
		},
		{
			name:      "SkipCooldownFromPolicy",
			policy:    Policy{SkipCooldown: 7 * 24 * time.Hour},
			cands:     []Candidate{cand("a", 90, ann)},
			decisions: map[string]Decision{"a": {Kind: Skip, At: now.AddDate(0, 0, -8)}},
			want:      []string{"a"},
			eligible:  1,
		},
		{
			name:      "SnoozeHeldUntilUntil",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]Decision{"a": {Kind: Snooze, At: now.AddDate(0, 0, -40), Until: now.Add(time.Hour)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:      "SnoozeExpired",
			cands:     []Candidate{cand("a", 90, ann)},
			decisions: map[string]Decision{"a": {Kind: Snooze, At: now.AddDate(0, 0, -2), Until: now.Add(-time.Hour)}},
			want:      []string{"a"},
			eligible:  1,
		},
		{
			name:      "SnoozeWithoutUntilLasts30Days",
			cands:     []Candidate{cand("a", 90, ann), cand("b", 80, ann)},
			decisions: map[string]Decision{"a": {Kind: Snooze, At: now.AddDate(0, 0, -29)}, "b": {Kind: Snooze, At: now.AddDate(0, 0, -31)}},
			want:      []string{"b"},
			eligible:  2, decided: 1,
		},
		{
			name:     "NoReachableContactExcluded",
			cands:    []Candidate{cand("a", 90, Contact{Name: "Out", Email: "out@a.example", OptedOut: true}, Contact{Name: "No Mail"}), cand("b", 80, ann), cand("c", 70)},
			want:     []string{"b"},
			eligible: 3, excluded: 2,
		},
		{
			name:     "SizeCutCountsTheRest",
			policy:   Policy{Size: 2},
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
			s := Build(now, tt.policy, tt.cands, tt.decisions)
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

func TestPickContact(t *testing.T) {
	tests := []struct {
		name     string
		contacts []Contact
		want     string // email; "" = nobody
	}{
		{"ChampionBeatsSeniority", []Contact{
			{Name: "Cee", Email: "ceo@x", Role: "CEO"},
			{Name: "Champ", Email: "champ@x", Role: "Engineer", Champion: true},
		}, "champ@x"},
		{"OptedOutChampionFallsBackToSeniority", []Contact{
			{Name: "Champ", Email: "champ@x", Role: "CTO", Champion: true, OptedOut: true},
			{Name: "Mgr", Email: "mgr@x", Role: "Support Manager"},
			{Name: "Dir", Email: "dir@x", Role: "Director of Support"},
		}, "dir@x"},
		{"DirectorIsNotCTO", []Contact{
			{Name: "Dir", Email: "dir@x", Role: "Director"},
			{Name: "Vp", Email: "vp@x", Role: "VP Engineering"},
		}, "vp@x"},
		{"VicePresidentIsVPNotPresident", []Contact{
			{Name: "Vice", Email: "vice@x", Role: "Vice President, Sales"},
			{Name: "Chief", Email: "chief@x", Role: "Chief Revenue Officer"},
		}, "chief@x"},
		{"HeadBeatsLeadBeatsManager", []Contact{
			{Name: "M", Email: "m@x", Role: "manager"},
			{Name: "L", Email: "l@x", Role: "Tech Lead"},
			{Name: "H", Email: "h@x", Role: "Head of CS"},
		}, "h@x"},
		{"SameRoleByName", []Contact{
			{Name: "zoe", Email: "zoe@x"},
			{Name: "Adam", Email: "adam@x"},
			{Name: "", Email: "anon@x"},
		}, "adam@x"},
		{"NoEmailIsUnreachable", []Contact{
			{Name: "Boss", Role: "CEO"},
			{Name: "Bob", Email: "bob@x"},
		}, "bob@x"},
		{"NobodyReachable", []Contact{
			{Name: "Out", Email: "out@x", OptedOut: true, Champion: true},
			{Name: "Blank", Email: "  "},
		}, ""},
		{"NoContacts", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PickContact(tt.contacts)
			if tt.want == "" {
				if ok {
					t.Fatalf("picked %+v, want nobody", got)
				}
				return
			}
			if !ok || got.Email != tt.want {
				t.Fatalf("picked %q (ok=%v), want %q", got.Email, ok, tt.want)
			}
			// Input order must not change the choice.
			rev := slices.Clone(tt.contacts)
			slices.Reverse(rev)
			if again, _ := PickContact(rev); again.Email != tt.want {
				t.Errorf("reversed input picked %q, want %q", again.Email, tt.want)
			}
		})
	}
}

func TestWeek(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), "2026-W47"},
		{time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), "2026-W53"},
		{time.Date(2027, 1, 3, 23, 59, 0, 0, time.UTC), "2026-W53"}, // Sunday still in the old ISO year
		{time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), "2027-W01"},
		{time.Date(2024, 12, 30, 0, 0, 0, 0, time.UTC), "2025-W01"}, // Monday already in the new ISO year
		{time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), "2026-W02"},
	}
	for _, tt := range tests {
		if got := Week(tt.t); got != tt.want {
			t.Errorf("Week(%s) = %q, want %q", tt.t.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestByOwner(t *testing.T) {
	s := Shortlist{Entries: []Entry{
		{Rank: 1, Customer: Customer{ID: "a", Owner: "bo@acme.io"}},
		{Rank: 2, Customer: Customer{ID: "b", Owner: "al@acme.io"}},
		{Rank: 3, Customer: Customer{ID: "c", Owner: "bo@acme.io"}},
		{Rank: 4, Customer: Customer{ID: "d", Owner: ""}},
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
	empty, err := json.Marshal(Build(now, Policy{}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(empty), `"entries":[]`) {
		t.Errorf("empty shortlist JSON = %s, want entries []", empty)
	}
	s := Build(now, Policy{}, []Candidate{{
		Customer: Customer{ID: "c1", Name: "Acme", Domain: "acme.io", Owner: "dana@acme.io"},
		Contacts: []Contact{{Name: "Ann", Email: "ann@acme.io", Role: "CTO"}},
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
	contact := []Contact{{Name: "Jo", Email: "jo@a.io", Champion: true}}
	cands := []Candidate{
		{Customer: Customer{ID: "asked"}, Contacts: contact, Eligible: true, LastAsked: now.AddDate(0, 0, -30)},
		{Customer: Customer{ID: "long-ago"}, Contacts: contact, Eligible: true, LastAsked: now.AddDate(0, 0, -120)},
		{Customer: Customer{ID: "never"}, Contacts: contact, Eligible: true},
	}
	s := Build(now, Policy{AskFatigue: 90 * 24 * time.Hour}, cands, nil)
	if len(s.Entries) != 2 || s.Asked != 1 || s.Entries[0].Customer.ID != "long-ago" {
		t.Errorf("with a 90-day window: %+v", s)
	}
	if s := Build(now, Policy{}, cands, nil); len(s.Entries) != 3 {
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
