package advocate

import (
	"slices"
	"testing"
	"time"
)

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

func TestParseWeek(t *testing.T) {
	tests := []struct {
		in      string
		monday  string
		wantErr bool
	}{
		{"2026-W47", "2026-11-16", false},
		{"2026-W53", "2026-12-28", false},
		{"2027-W01", "2027-01-04", false},
		{"2025-W53", "", true}, // 2025 has 52 ISO weeks
		{"9999-W99", "", true},
		{"2026-W00", "", true},
		{"2026-47", "", true},
	}
	for _, tc := range tests {
		got, err := ParseWeek(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseWeek(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && got.Format(time.DateOnly) != tc.monday {
			t.Errorf("ParseWeek(%q) = %s, want %s", tc.in, got.Format(time.DateOnly), tc.monday)
		}
		if err == nil && Week(got) != tc.in {
			t.Errorf("Week(ParseWeek(%q)) = %s", tc.in, Week(got))
		}
	}
}

func TestDecisionHolds(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	def := DefaultPolicy()
	tests := []struct {
		name string
		p    Policy
		d    Decision
		want bool
	}{
		{"approve holds forever", def, Decision{Kind: Approve, At: now.AddDate(-3, 0, 0)}, true},
		{"skip holds for the cooldown", def, Decision{Kind: Skip, At: now.AddDate(0, 0, -55)}, true},
		{"skip ends after the cooldown", def, Decision{Kind: Skip, At: now.AddDate(0, 0, -56)}, false},
		{"cooldown_weeks: 0 lets a skipped customer return", Policy{SkipCooldown: 0}, Decision{Kind: Skip, At: now.Add(-time.Minute)}, false},
		{"snooze without a date lasts the policy's snooze", Policy{Snooze: Days(10)}, Decision{Kind: Snooze, At: now.AddDate(0, 0, -9)}, true},
		{"snooze until a date", def, Decision{Kind: Snooze, At: now.AddDate(0, 0, -40), Until: now.Add(time.Hour)}, true},
		{"unknown kinds hold nothing", def, Decision{Kind: "maybe", At: now}, false},
	}
	for _, tc := range tests {
		if got := tc.d.Holds(tc.p, now); got != tc.want {
			t.Errorf("%s: Holds = %v, want %v", tc.name, got, tc.want)
		}
	}
}
