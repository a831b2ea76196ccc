package program

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Member is one affiliate of the program as Compute counts it: Advocate's own row and the
// outcomes that resolve to it (by platform and id, else by platform and email).
type Member struct {
	Platform, ID string
	Email        string // lowercased; "" when neither Advocate's row nor an outcome tells it
	Ours         bool   // Advocate made it (it has a row in the affiliates table)
	// Joined is when the affiliate started: the earliest of Advocate's created_at and the
	// platform's join date, or, when neither is known, its first outcome.
	Joined time.Time
	// JoinKnown is true when Joined is a recorded join date (Advocate's or the platform's), not
	// a first outcome standing in: only then does "referred within N days of joining" mean
	// anything.
	JoinKnown bool
	Referrals []time.Time // when each of its referrals was created, oldest first
}

// identify fills in what an outcome tells about its affiliate when nothing did before.
func (m *member) identify(platform, id, email string) {
	m.platform = cmp.Or(m.platform, platform)
	m.id = cmp.Or(m.id, id)
	m.email = cmp.Or(m.email, strings.ToLower(strings.TrimSpace(email)))
}

// Members lists the program's affiliates as Compute tells them apart, by platform, id and email.
func Members(in Inputs) []Member {
	ix := buildIndex(in)
	out := make([]Member, 0, len(ix.members))
	for _, m := range ix.members {
		refs := slices.Clone(m.referrals)
		slices.SortFunc(refs, time.Time.Compare)
		joined := cmp.Or(m.known, m.start)
		out = append(out, Member{Platform: m.platform, ID: m.id, Email: m.email, Ours: m.ours, Joined: joined, JoinKnown: !m.known.IsZero(), Referrals: refs})
	}
	slices.SortFunc(out, func(a, b Member) int {
		return cmp.Or(strings.Compare(a.Platform, b.Platform), strings.Compare(a.ID, b.ID), strings.Compare(a.Email, b.Email))
	})
	return out
}
