package shortlist_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/scoring"
)

// Make over a stored run: the list follows rank among eligible customers with a contact and
// no decision in force, shows each customer's name and stored reasons, and its counts say why
// the others are not on it (decided, no contact, more than the size, which gates failed).
func TestMakeFromStoredRun(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		names := []string{"a", "x", "b", "c", "y", "d", "e", "z"} // in rank order
		var p connectors.Page
		for _, n := range names {
			ref := connectors.Ref{Domain: n + ".io"}
			p.Customers = append(p.Customers, connectors.Customer{Ref: ref, Name: "Co " + n, Owner: "csm@vendor.io"})
			if n != "e" {
				p.Contacts = append(p.Contacts, connectors.Contact{Customer: ref, Email: "champ@" + n + ".io", Name: "Champ " + n, Role: "VP"})
			}
		}
		if _, err := st.CommitPage(ctx, "crm", 0, p); err != nil {
			t.Fatal(err)
		}
		id := map[string]string{}
		for _, n := range names {
			c, err := st.FindCustomer(ctx, n+".io")
			if err != nil {
				t.Fatal(err)
			}
			id[n] = c.ID
		}
		gates := map[string][]string{"x": {"nps >= 7 (nps 5)"}, "y": {"nps >= 7 (nps 5)"}, "z": {"health_score >= 50 (health 20)", "nps >= 7 (nps 5)"}}
		var scores []store.Score
		for i, n := range names {
			scores = append(scores, store.Score{CustomerID: id[n], Rank: i + 1, Score: 90 - float64(i), Confidence: 0.8,
				Eligible: gates[n] == nil, FailedGates: gates[n], Reasons: []string{fmt.Sprintf("reason of %s", n)}})
		}
		if _, err := st.SaveScoreRun(ctx, "m", scores); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RecordDecision(ctx, store.Decision{CustomerID: id["c"], Kind: "skip", DecidedBy: "csm@vendor.io", Week: "2026-W46", Via: "cli"}); err != nil {
			t.Fatal(err)
		}

		sl, posted, err := shortlist.Make(ctx, st, advocate.Policy{Size: 2, SkipCooldown: 30 * 24 * time.Hour}, advocate.Sources{}, now, "2026-W47")
		if err != nil || posted {
			t.Fatalf("Make = posted %v, %v", posted, err)
		}
		var got []string
		for _, e := range sl.Entries {
			got = append(got, fmt.Sprintf("%d %s %s %s %.0f %v", e.Rank, e.Customer.Name, e.Customer.Owner, e.Contact.Email, e.Score, e.Reasons))
		}
		want := []string{"1 Co a csm@vendor.io champ@a.io 90 [reason of a]", "2 Co b csm@vendor.io champ@b.io 88 [reason of b]"}
		if !slices.Equal(got, want) {
			t.Errorf("entries:\n got  %q\n want %q", got, want)
		}
		if sl.Considered != 8 || sl.Eligible != 5 || sl.Decided != 1 || sl.Excluded != 1 || sl.More != 1 {
			t.Errorf("counts considered %d eligible %d decided %d excluded %d more %d, want 8 5 1 1 1",
				sl.Considered, sl.Eligible, sl.Decided, sl.Excluded, sl.More)
		}
		wantFailed := scoring.FailureCounts{{Reason: "nps >= 7 (nps 5)", Count: 3}, {Reason: "health_score >= 50 (health 20)", Count: 1}}
		if !slices.Equal(sl.Ineligible, wantFailed) {
			t.Errorf("ineligible = %+v, want %+v", sl.Ineligible, wantFailed)
		}
	})
}
