package advocate

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// PickContact chooses the person to ask at an account: a champion we may email, else the most
// senior contact we may email (by role keywords), then by name, then by address, so the choice
// never depends on the order contacts arrive in. It reports false when nobody at the account is
// reachable (opted out, or no email address). The shortlist, the Slack preview, the web and the
// drip's preview all ask this function.
func PickContact(contacts []Contact) (Contact, bool) {
	var best Contact
	found := false
	for _, c := range contacts {
		if !Reachable(c) {
			continue
		}
		if !found || betterContact(c, best) {
			best, found = c, true
		}
	}
	return best, found
}

// Reachable reports whether we may email c: it has an address and did not opt out.
func Reachable(c Contact) bool {
	e := strings.TrimSpace(c.Email)
	return !c.OptedOut && e != "" && strings.Contains(e, "@")
}

// FindContact returns the contact with address email (case-insensitive).
func FindContact(contacts []Contact, email string) (Contact, bool) {
	i := slices.IndexFunc(contacts, func(c Contact) bool { return strings.EqualFold(c.Email, email) })
	if i < 0 {
		return Contact{}, false
	}
	return contacts[i], true
}

// betterContact reports whether a should be asked rather than b.
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
