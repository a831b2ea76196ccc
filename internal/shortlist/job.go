package shortlist

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// Make builds the shortlist for week from the latest score run, the customers' contacts and
// the decisions in force, and stores it. A week whose shortlist was already posted is not
// rebuilt: the posted one is returned with posted=true, so nobody is asked twice.
//
// src is the current-value rule: the caution line reads the same values the score used.
func Make(ctx context.Context, st *store.Store, p advocate.Policy, src advocate.Sources, now time.Time, week string) (sl Shortlist, posted bool, err error) {
	run, err := st.LatestScoreRun(ctx)
	if err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}
	// A large base is a million scores: read only what choosing needs (eligible customers in
	// rank order, failed gates counted by distinct list), then the full rows, customers and
	// contacts of the few listed.
	ranked, err := st.EligibleOfRun(ctx, run.ID)
	if err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}
	contacts, err := st.Contacts(ctx, "")
	if err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}
	stored, err := st.LatestDecisions(ctx)
	if err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}
	decisions := make(map[string]advocate.Decision, len(stored))
	for id, d := range stored {
		dd := advocate.Decision{Kind: advocate.DecisionKind(d.Kind), At: d.DecidedAt}
		if d.Until != nil {
			dd.Until = *d.Until
		}
		decisions[id] = dd
	}
	asked, err := st.LastAsked(ctx)
	if err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}
	// Build skips ineligible candidates, so only the eligible are handed over; Considered
	// counts everyone the run scored.
	cands := make([]Candidate, len(ranked))
	for i, r := range ranked {
		cands[i] = Candidate{Customer: advocate.Customer{ID: r.CustomerID}, Contacts: contacts[r.CustomerID],
			Score: r.Score, Eligible: true, LastAsked: asked[r.CustomerID]}
	}
	sl = Build(now, p, cands, decisions)
	sl.Week, sl.Considered = week, run.Customers
	confidence, err := fillEntries(ctx, st, run.ID, sl.Entries)
	if err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}
	gates, err := st.GateFailuresOfRun(ctx, run.ID)
	if err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}
	failed := make([][]string, 0, run.Customers-len(ranked))
	for _, g := range gates {
		for range g.Customers {
			failed = append(failed, g.Gates)
		}
	}
	sl.Ineligible = scoring.CountFailures(failed, 3)
	if sl.Stale, err = annotate(ctx, st, p, src, now, run, confidence, sl.Entries); err != nil {
		return sl, false, fmt.Errorf("shortlist: %w", err)
	}

	entries := make([]store.ShortlistEntry, len(sl.Entries))
	for i, e := range sl.Entries {
		entries[i] = store.ShortlistEntry{CustomerID: e.Customer.ID, Rank: e.Rank, Score: e.Score, ContactEmail: e.Contact.Email,
			ContactName: e.Contact.Name, ContactRole: e.Contact.Role, Reasons: e.Reasons, Caution: e.Caution}
	}
	if _, err := st.SaveShortlist(ctx, week, run.ID, entries); errors.Is(err, store.ErrShortlistPosted) {
		prev, err := Stored(ctx, st, week)
		return prev, true, err
	} else if err != nil {
		return sl, false, err
	}
	return sl, false, nil
}

// fillEntries completes the listed entries, which Build made from ids and scores alone, with
// their customer and reasons from the run, and returns their confidence by customer id.
func fillEntries(ctx context.Context, st *store.Store, runID int64, entries []Entry) (map[string]float64, error) {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.Customer.ID
	}
	full, err := st.ScoresOfRunFor(ctx, runID, ids)
	if err != nil {
		return nil, err
	}
	confidence := make(map[string]float64, len(entries))
	for i := range entries {
		e := &entries[i]
		c, err := st.FindCustomer(ctx, e.Customer.ID)
		if err != nil {
			return nil, err
		}
		sc := full[c.ID]
		e.Customer, e.Reasons = c, nonNil(sc.Reasons)
		confidence[c.ID] = sc.Confidence
	}
	return confidence, nil
}

// lastWeek is how far back "last week's score" is looked up: a little under seven days, so a
// weekly scoring run that started a few minutes later than the week before still counts.
const lastWeek = 7*24*time.Hour - 12*time.Hour

// annotate adds what only the listed entries need, so a large customer base costs nothing
// extra: the score change since last week and the caution line.
//
// It returns the staleness line the whole list shares, if any (see sharedStaleness).
func annotate(ctx context.Context, st *store.Store, p advocate.Policy, src advocate.Sources, now time.Time, run store.ScoreRun, confidence map[string]float64, entries []Entry) (string, error) {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.Customer.ID
	}
	prev, err := st.ScoresBefore(ctx, run.CreatedAt.Add(-lastWeek), ids)
	if err != nil {
		return "", err
	}
	evs := make([]Evidence, len(entries))
	newest := make([]time.Time, len(entries))
	for i := range entries {
		e := &entries[i]
		if ps, ok := prev[e.Customer.ID]; ok {
			d := ScoreChange(e.Score, ps)
			e.Change = &d
		}
		current, err := src.CurrentSignals(ctx, st, e.Customer.ID, now)
		if err != nil {
			return "", err
		}
		ev := Evidence{Signals: map[string]float64{}, Confidence: confidence[e.Customer.ID]}
		for name, v := range current {
			if !v.Stale { // stale values are missing to the score; the staleness line covers them
				ev.Signals[name] = v.Value
			}
			if v.ObservedAt.After(ev.Newest) {
				ev.Newest = v.ObservedAt
			}
		}
		evs[i], newest[i] = ev, ev.Newest
	}
	shared := sharedStaleness(now, p.StaleAfter, newest)
	for i := range entries {
		stale := ""
		if shared == "" {
			stale = Staleness(now, p.StaleAfter, evs[i].Newest)
		}
		entries[i].Caution = joinCaution(stale, signalCaution(evs[i]))
	}
	return shared, nil
}

// Stored reads a week's stored shortlist back in the shape Build returns.
func Stored(ctx context.Context, st *store.Store, week string) (Shortlist, error) {
	s, err := st.GetShortlist(ctx, week)
	if err != nil {
		return Shortlist{}, err
	}
	out := Shortlist{Week: week}
	ids := make([]string, len(s.Entries))
	for i, e := range s.Entries {
		ids[i] = e.CustomerID
	}
	// The change since last week, as Make worked it out: the list was made right after its
	// score run, so its creation time stands in for the run's.
	prev, err := st.ScoresBefore(ctx, s.CreatedAt.Add(-lastWeek), ids)
	if err != nil {
		return out, err
	}
	for _, e := range s.Entries {
		c, err := st.FindCustomer(ctx, e.CustomerID)
		if err != nil {
			return out, err
		}
		entry := Entry{Rank: e.Rank, Score: e.Score, Reasons: e.Reasons, Caution: e.Caution,
			Customer: c,
			Contact:  advocate.Contact{CustomerID: c.ID, Name: e.ContactName, Email: e.ContactEmail, Role: e.ContactRole}}
		if ps, ok := prev[c.ID]; ok {
			d := ScoreChange(e.Score, ps)
			entry.Change = &d
		}
		out.Entries = append(out.Entries, entry)
	}
	return out, nil
}
