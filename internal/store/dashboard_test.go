package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func TestDashboardReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
		ref := func(d string) connectors.Ref { return connectors.Ref{Domain: d} }
		for i, when := range []time.Time{at.AddDate(0, 0, -7), at} {
			p := connectors.Page{Customers: []connectors.Customer{{Ref: ref("acme.io"), Name: "Acme 100%"}, {Ref: ref("acmeish.io"), Name: "Acme_ish"},
				{Ref: ref("other.io"), Name: "Other"}},
				Signals: []connectors.Signal{{Customer: ref("acme.io"), Name: "nps", Value: float64(8 + i), ObservedAt: when},
					{Customer: ref("acme.io"), Name: "csat", Value: 70, ObservedAt: when}}}
			if _, err := s.CommitPage(ctx, "crm", 0, p); err != nil {
				t.Fatal(err)
			}
		}
		acme, err := s.FindCustomer(ctx, "acme.io")
		if err != nil {
			t.Fatal(err)
		}
		other, _ := s.FindCustomer(ctx, "other.io")

		t.Run("search", func(t *testing.T) {
			for _, tc := range []struct{ q, want string }{
				{"acme", "Acme 100%,Acme_ish"}, {"ACME", "Acme 100%,Acme_ish"}, {"ish.io", "Acme_ish"},
				{"100%", "Acme 100%"}, {"e_", "Acme_ish"}, // % and _ are literal, not wildcards
				{"%", "Acme 100%"}, {"  ", ""}, {"zzz", ""},
			} {
				got, err := s.SearchCustomers(ctx, tc.q, 10)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, c := range got {
					names = append(names, c.Name)
				}
				if strings.Join(names, ",") != tc.want {
					t.Errorf("SearchCustomers(%q) = %v, want %s", tc.q, names, tc.want)
				}
			}
		})

		t.Run("signal histories", func(t *testing.T) {
			h, err := s.SignalHistories(ctx, acme.ID, []string{"nps", "health_score"})
			if err != nil {
				t.Fatal(err)
			}
			if len(h["nps"]) != 2 || h["nps"][0].Value != 8 || h["nps"][1].Value != 9 || !h["nps"][1].ObservedAt.Equal(at) {
				t.Errorf("nps history = %+v, want 8 then 9, oldest first", h["nps"])
			}
			if _, ok := h["csat"]; ok {
				t.Errorf("csat was not asked for but is in %v", h)
			}
		})

		t.Run("decisions newest first, per customer", func(t *testing.T) {
			for i, kind := range []string{"skip", "approve"} {
				if _, err := s.RecordDecision(ctx, store.Decision{CustomerID: acme.ID, Kind: kind, DecidedBy: "sam@vendor.io", DecidedAt: at.Add(time.Duration(i) * time.Hour), Via: "cli"}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.RecordDecision(ctx, store.Decision{CustomerID: other.ID, Kind: "skip", DecidedBy: "x@vendor.io", DecidedAt: at, Via: "cli"}); err != nil {
				t.Fatal(err)
			}
			ds, err := s.CustomerDecisions(ctx, acme.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 2 || ds[0].Kind != "approve" || ds[1].Kind != "skip" {
				t.Errorf("decisions = %+v, want approve then skip", ds)
			}
			if ds, _ := s.CustomerDecisions(ctx, acme.ID, 1); len(ds) != 1 {
				t.Errorf("limit 1 gave %d decisions", len(ds))
			}
		})

		t.Run("emails and referrals of the customer only", func(t *testing.T) {
			for _, c := range []string{acme.ID, other.ID} {
				e, _, err := s.Enroll(ctx, c, "jo@"+c+".io", "default")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.EnqueueEmail(ctx, store.OutboxEmail{Key: c + "/invite", EnrollmentID: e.ID, From: "d@vendor.io", To: "jo@" + c + ".io",
					Subject: "hi " + c, MessageID: c + "@vendor.io", DueAt: at}, at); err != nil {
					t.Fatal(err)
				}
				if err := s.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "jo@" + c + ".io", CustomerID: c, AffiliateID: "aff_" + c,
					CreatedAt: at, UpdatedAt: at}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SaveAffiliateOutcomes(ctx, "dub", []store.AffiliateReferral{
				{Platform: "dub", ID: "r1", AffiliateID: "aff_" + acme.ID, Status: "lead", CreatedAt: at.AddDate(0, 0, -2)},
				{Platform: "dub", ID: "r2", AffiliateID: "aff_" + acme.ID, Status: "converted", CreatedAt: at.AddDate(0, 0, -1), ConvertedAt: at},
				{Platform: "dub", ID: "r3", AffiliateID: "aff_" + other.ID, Status: "lead", CreatedAt: at},
			}, nil); err != nil {
				t.Fatal(err)
			}
			ms, err := s.CustomerEmails(ctx, acme.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 || ms[0].Subject != "hi "+acme.ID || ms[0].Status != "pending" {
				t.Errorf("emails = %+v, want acme's one pending email", ms)
			}
			rs, err := s.CustomerReferrals(ctx, acme.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 2 || rs[0].ID != "r2" || rs[1].ID != "r1" || !rs[0].ConvertedAt.Equal(at) {
				t.Errorf("referrals = %+v, want r2 (converted) then r1", rs)
			}
			none, err := s.CustomerEmails(ctx, "nobody")
			if err != nil || len(none) != 0 {
				t.Errorf("a customer without enrollments: %v, %v", none, err)
			}
		})

		t.Run("explain", func(t *testing.T) {
			plan, err := s.Explain(ctx, "CustomerDecisions", acme.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.ToLower(plan), "decisions") {
				t.Errorf("plan of CustomerDecisions does not mention decisions:\n%s", plan)
			}
		})
	})
}
