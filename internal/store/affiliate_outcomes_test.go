package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func TestAffiliateOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return t0 }
		refs := []store.AffiliateReferral{
			{ID: "r1", AffiliateID: "a1", AffiliateEmail: "Ann@Acme.io", CustomerEmail: "x@y.io", Status: "lead", CreatedAt: t0.Add(-time.Hour)},
			{ID: "r2", AffiliateID: "a1", Status: "converted", CreatedAt: t0, ConvertedAt: t0.Add(time.Minute)},
		}
		coms := []store.AffiliateCommission{{ID: "c1", AffiliateID: "a1", AffiliateEmail: "ann@acme.io", ReferralID: "r2", AmountMinor: 1250, Currency: "USD", Status: "paid", CreatedAt: t0}}
		for range 2 { // saving the same page again changes nothing
			if err := s.SaveAffiliateOutcomes(ctx, "dub", refs, coms); err != nil {
				t.Fatal(err)
			}
		}
		// A later report with no email keeps the known one and takes the new status.
		refs[0].AffiliateEmail, refs[0].Status = "", "cancelled"
		if err := s.SaveAffiliateOutcomes(ctx, "dub", refs[:1], nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.AffiliateReferrals(ctx, "dub")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "r1" || got[0].AffiliateEmail != "ann@acme.io" || got[0].Status != "cancelled" || !got[0].ConvertedAt.IsZero() ||
			!got[1].ConvertedAt.Equal(t0.Add(time.Minute)) || !got[1].CreatedAt.Equal(t0) {
			t.Fatalf("referrals = %+v", got)
		}
		gc, err := s.AffiliateCommissions(ctx, "dub")
		if err != nil {
			t.Fatal(err)
		}
		if len(gc) != 1 || gc[0].AmountMinor != 1250 || gc[0].Currency != "USD" || gc[0].Status != "paid" || gc[0].ReferralID != "r2" {
			t.Fatalf("commissions = %+v", gc)
		}
		if other, _ := s.AffiliateReferrals(ctx, "rewardful"); len(other) != 0 {
			t.Fatalf("other platform sees %v", other)
		}

		// Contacts by email, and an added identity that a page can name the customer by.
		_, err = s.CommitPage(ctx, "crm", 0, connectors.Page{
			Customers: []connectors.Customer{{Ref: connectors.Ref{Domain: "acme.io"}, Name: "Acme"}},
			Contacts:  []connectors.Contact{{Customer: connectors.Ref{Domain: "acme.io"}, Email: "ann@acme.io"}}})
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.CustomerOfContactEmail(ctx, " ANN@acme.io")
		if err != nil || id == "" {
			t.Fatalf("customer of ann: %q %v", id, err)
		}
		if _, err := s.CustomerOfContactEmail(ctx, "nobody@x.io"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("nobody: %v", err)
		}
		for range 2 {
			if err := s.AddIdentity(ctx, "affiliates", id, id); err != nil {
				t.Fatal(err)
			}
		}
		pr, err := s.CommitPage(ctx, "affiliates", 0, connectors.Page{Signals: []connectors.Signal{{Customer: connectors.Ref{ExternalID: id}, Name: "referrals_made", Value: 2, ObservedAt: t0}}})
		if err != nil || pr.Signals != 1 || pr.Unmatched != 0 || pr.CustomersCreated != 0 {
			t.Fatalf("commit by identity: %+v %v", pr, err)
		}
		if err := s.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "ann@acme.io", CustomerID: id, AffiliateID: "a1", Links: []string{"https://dub.sh/a"}}); err != nil {
			t.Fatal(err)
		}
		if as, err := s.AffiliatesOnPlatform(ctx, "dub"); err != nil || len(as) != 1 || as[0].AffiliateID != "a1" {
			t.Fatalf("affiliates on dub: %+v %v", as, err)
		}
	})
}

// TestPlatformAffiliates: the platform's affiliates are kept with their join dates, a re-sync
// changes nothing, a later listing without email or date keeps the known ones, and
// `advocate program` reads them for every platform.
func TestPlatformAffiliates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return t0 }
		affs := []store.PlatformAffiliate{
			{ID: "a2", Email: "Bob@Initech.io"},
			{ID: "a1", Email: "ann@acme.io", JoinedAt: t0.AddDate(-1, 0, 0)},
		}
		for range 2 {
			if err := s.SavePlatformAffiliates(ctx, "dub", affs); err != nil {
				t.Fatal(err)
			}
		}
		later := []store.PlatformAffiliate{{ID: "a1"}, {ID: "a2", JoinedAt: t0.AddDate(0, -2, 0)}}
		if err := s.SavePlatformAffiliates(ctx, "dub", later); err != nil {
			t.Fatal(err)
		}
		if err := s.SavePlatformAffiliates(ctx, "rewardful", []store.PlatformAffiliate{{ID: "r1", Email: "cy@z.io"}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.PlatformAffiliates(ctx, "dub")
		if err != nil {
			t.Fatal(err)
		}
		want := []store.PlatformAffiliate{
			{Platform: "dub", ID: "a1", Email: "ann@acme.io", JoinedAt: t0.AddDate(-1, 0, 0)},
			{Platform: "dub", ID: "a2", Email: "bob@initech.io", JoinedAt: t0.AddDate(0, -2, 0)},
		}
		if len(got) != len(want) {
			t.Fatalf("affiliates = %+v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("affiliate %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if err := s.SavePlatformAffiliates(ctx, "dub", []store.PlatformAffiliate{{Email: "x@y.io"}}); err == nil {
			t.Fatal("an affiliate without id was saved")
		}
		d, err := s.ProgramData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.PlatformAffiliates) != 3 || d.PlatformAffiliates[2].Platform != "rewardful" {
			t.Fatalf("program platform affiliates = %+v", d.PlatformAffiliates)
		}
	})
}
