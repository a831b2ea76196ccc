package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestProgramData: three customers shortlisted over two weeks, acme and initech approved
// (globex skipped), jo's invite sent (hank's still pending), acme joined through Advocate and
// initech is already a partner; both have a referral (acme's by affiliate id, initech's by its
// contact's email), and a referral of an affiliate matching no customer counts for nobody.
func TestProgramData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		jo, hank := outboxFixture(t, s)
		commit(t, s, "crm", connectors.Page{
			Customers: []connectors.Customer{{Ref: connectors.Ref{Domain: "initech.com"}, Name: "Initech", Attributes: map[string]string{"is_partner": "yes"}}},
			Contacts:  []connectors.Contact{{Customer: connectors.Ref{Domain: "initech.com"}, Email: "pat@initech.com"}},
		})
		initech, _ := s.FindCustomer(ctx, "initech.com")
		acme, globex := jo.CustomerID, hank.CustomerID

		empty, err := s.ProgramData(ctx)
		if err != nil || empty.Funnel != (store.ProgramFunnel{}) || len(empty.Affiliates)+len(empty.Referrals)+len(empty.Commissions) != 0 {
			t.Fatalf("empty program = %+v, %v", empty, err)
		}

		run, err := s.SaveScoreRun(ctx, "h", nil)
		if err != nil {
			t.Fatal(err)
		}
		for week, ids := range map[string][]string{"2026-W10": {acme, globex}, "2026-W11": {acme, initech.ID}} {
			var es []store.ShortlistEntry
			for i, id := range ids {
				es = append(es, store.ShortlistEntry{CustomerID: id, Rank: i + 1, ContactEmail: "x@y.io"})
			}
			if _, err := s.SaveShortlist(ctx, week, run.ID, es); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []store.Decision{{CustomerID: acme, Kind: "approve"}, {CustomerID: acme, Kind: "approve"},
			{CustomerID: initech.ID, Kind: "approve"}, {CustomerID: globex, Kind: "skip"}} {
			d.DecidedAt, d.Via = t0, "cli"
			if _, err := s.RecordDecision(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range []store.OutboxEmail{email(jo, 0), email(jo, 1), email(hank, 0)} {
			if _, err := s.EnqueueEmail(ctx, m, t0); err != nil {
				t.Fatal(err)
			}
		}
		for _, key := range []string{email(jo, 0).Key, email(jo, 1).Key} {
			if _, err := s.DB().ExecContext(ctx, s.DB().Rebind("UPDATE outbox SET status = 'sent', sent_at = ? WHERE key = ?"), t0, key); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "jo@acme.io", CustomerID: acme, AffiliateID: "a1"}); err != nil {
			t.Fatal(err)
		}
		refs := []store.AffiliateReferral{
			{ID: "r1", AffiliateID: "a1", Status: "lead", CreatedAt: t0},
			{ID: "r2", AffiliateID: "p9", AffiliateEmail: "Pat@Initech.com", Status: "converted", CreatedAt: t0, ConvertedAt: t0.Add(time.Hour)},
			{ID: "r3", AffiliateID: "z1", AffiliateEmail: "z@else.io", Status: "lead", CreatedAt: t0},
		}
		coms := []store.AffiliateCommission{{ID: "c1", AffiliateID: "p9", AmountMinor: 900, Currency: "USD", Status: "due", CreatedAt: t0}}
		if err := s.SaveAffiliateOutcomes(ctx, "dub", refs, coms); err != nil {
			t.Fatal(err)
		}

		d, err := s.ProgramData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.ProgramFunnel{Shortlisted: 3, Approved: 2, Invited: 1, Joined: 2, FirstReferral: 2}); d.Funnel != want {
			t.Fatalf("funnel = %+v, want %+v", d.Funnel, want)
		}
		if len(d.Affiliates) != 1 || d.Affiliates[0].AffiliateID != "a1" || len(d.Referrals) != 3 || d.Referrals[1].AffiliateEmail != "pat@initech.com" ||
			!d.Referrals[1].ConvertedAt.Equal(t0.Add(time.Hour)) || len(d.Commissions) != 1 || d.Commissions[0].AmountMinor != 900 {
			t.Fatalf("program data = %+v", d)
		}
	})
}

// TestProgramCustomers: only customers with a billing value are read, each with its values
// from every source, its acquisition channel, and whether a referral's customer email is one
// of its contacts (compared lowercased).
func TestProgramCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acme, initech, globex := connectors.Ref{Domain: "acme.io"}, connectors.Ref{Domain: "initech.com"}, connectors.Ref{Domain: "globex.com"}
		commit(t, s, "crm", connectors.Page{
			Customers: []connectors.Customer{
				{Ref: acme, Attributes: map[string]string{"acquisition_channel": "paid_search"}},
				{Ref: initech, Attributes: map[string]string{"acquisition_channel": "organic_search"}},
				{Ref: globex},
			},
			Contacts: []connectors.Contact{{Customer: initech, Email: "Pat@Initech.com"}, {Customer: acme, Email: "jo@acme.io"}},
			Signals: []connectors.Signal{{Customer: initech, Name: "ltv", Value: 900, ObservedAt: t0},
				{Customer: globex, Name: "nps", Value: 9, ObservedAt: t0}},
		})
		commit(t, s, "billing", connectors.Page{Signals: []connectors.Signal{
			{Customer: acme, Name: "ltv", Value: 1200, ObservedAt: t0}, {Customer: acme, Name: "mrr", Value: 0, ObservedAt: t0},
			{Customer: initech, Name: "ltv", Value: 1000, ObservedAt: t0},
		}})

		none, err := s.ProgramCustomers(ctx, "acquisition_channel", "churned")
		if err != nil || len(none) != 0 {
			t.Fatalf("customers with a signal nobody has = %+v, %v", none, err)
		}
		refs := []store.AffiliateReferral{
			{ID: "r1", AffiliateID: "a1", CustomerEmail: "PAT@initech.com", Status: "converted", CreatedAt: t0},
			{ID: "r2", AffiliateID: "a1", CustomerEmail: "nobody@else.io", Status: "lead", CreatedAt: t0},
		}
		if err := s.SaveAffiliateOutcomes(ctx, "dub", refs, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.ProgramCustomers(ctx, "acquisition_channel", "ltv", "mrr")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("program customers = %+v, want acme and initech (globex has no billing value)", got)
		}
		byDomain := map[string]store.ProgramCustomer{}
		for _, c := range got {
			cu, _ := s.FindCustomer(ctx, c.ID)
			byDomain[cu.Domain] = c
		}
		a, i := byDomain["acme.io"], byDomain["initech.com"]
		if a.AcquisitionChannel != "paid_search" || a.Referred || len(a.Values) != 2 {
			t.Errorf("acme = %+v, want paid_search, not referred, ltv and mrr from billing", a)
		}
		if i.AcquisitionChannel != "organic_search" || !i.Referred || len(i.Values) != 2 {
			t.Errorf("initech = %+v, want organic_search, referred, ltv from crm and billing", i)
		}
		for _, v := range i.Values {
			if v.Name != "ltv" || (v.Source == "crm") != (v.Value == 900) {
				t.Errorf("initech value %+v", v)
			}
		}
	})
}
