package lookalike_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/lookalike"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/scoring"
)

// TestLoad: acme's champion was made an affiliate by Advocate and referred 5 days later
// (mapped by contact email); globex's affiliate is known only from the affiliates table and
// never referred; initech is marked is_partner with nothing recorded; hooli is no affiliate;
// an outside partner's referral matches no customer. Every customer carries its channel,
// industry, plan and scoring segment.
func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ref := func(d string) connectors.Ref { return connectors.Ref{ExternalID: d, Domain: d} }
		attrs := func(channel, industry, plan string) map[string]string {
			return map[string]string{"acquisition_channel": channel, "industry": industry, "plan": plan}
		}
		initech := attrs("event", "retail", "pro")
		initech["is_partner"] = "yes"
		page := connectors.Page{
			Customers: []connectors.Customer{
				{Ref: ref("acme.io"), Name: "Acme", Attributes: attrs("referral", "fintech", "pro")},
				{Ref: ref("globex.com"), Name: "Globex", Attributes: attrs("paid_search", "retail", "enterprise")},
				{Ref: ref("initech.com"), Name: "Initech", Attributes: initech},
				{Ref: ref("hooli.com"), Name: "Hooli", Attributes: attrs("web", "saas", "starter")},
			},
			Contacts: []connectors.Contact{{Customer: ref("acme.io"), Email: "jo@acme.io", Champion: true}},
		}
		run, _, err := st.BeginSyncRun(ctx, "crm")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CommitPage(ctx, "crm", run, page); err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		for _, d := range []string{"acme.io", "globex.com", "initech.com", "hooli.com"} {
			c, err := st.FindCustomer(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			ids[c.ID] = d
		}
		idOf := func(d string) string {
			for id, dom := range ids {
				if dom == d {
					return id
				}
			}
			return ""
		}
		joinedAt := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return joinedAt }
		for _, a := range []store.Affiliate{
			{Platform: "dub", Email: "Jo@acme.io", AffiliateID: "a1"}, // no customer id: the contact maps it
			{Platform: "dub", Email: "kim@globex.com", CustomerID: idOf("globex.com"), AffiliateID: "a2"},
		} {
			if err := st.SaveAffiliate(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		refs := []store.AffiliateReferral{
			{ID: "r1", AffiliateID: "a1", Status: "lead", CreatedAt: joinedAt.Add(5 * day)},
			{ID: "r2", AffiliateID: "z9", AffiliateEmail: "z@agency.io", Status: "lead", CreatedAt: joinedAt},
		}
		if err := st.SaveAffiliateOutcomes(ctx, "dub", refs, nil); err != nil {
			t.Fatal(err)
		}

		segs := []scoring.Segment{{Name: "enterprise", When: map[string]string{"plan": "enterprise"}, Weights: map[string]float64{"nps": 1}}}
		in, err := lookalike.Load(ctx, st, segs, now)
		if err != nil {
			t.Fatal(err)
		}
		if in.Outside != 1 || !in.Now.Equal(now) {
			t.Errorf("outside = %d, now = %v", in.Outside, in.Now)
		}
		var affs []string
		for _, a := range in.Affiliates {
			affs = append(affs, fmt.Sprintf("%s joined %s refs %d productive %v", ids[a.CustomerID], a.Joined.Format(time.DateOnly),
				len(a.Referrals), lookalike.Productive(a.Joined, a.Referrals)))
		}
		want := []string{"acme.io joined 2025-06-01 refs 1 productive true", "globex.com joined 2025-06-01 refs 0 productive false",
			"initech.com joined 0001-01-01 refs 0 productive false"}
		if fmt.Sprint(affs) != fmt.Sprint(want) {
			t.Errorf("affiliates =\n %v\nwant\n %v", affs, want)
		}
		vals := map[string]string{}
		for _, c := range in.Customers {
			vals[ids[c.ID]] = fmt.Sprint(c.Values["acquisition_channel"], "/", c.Values["industry"], "/", c.Values["plan"], "/", c.Values["segment"])
		}
		wantVals := map[string]string{"acme.io": "referral/fintech/pro/", "globex.com": "paid_search/retail/enterprise/enterprise",
			"initech.com": "event/retail/pro/", "hooli.com": "web/saas/starter/"}
		if fmt.Sprint(vals) != fmt.Sprint(wantVals) {
			t.Errorf("values = %v, want %v", vals, wantVals)
		}
		r := lookalike.Summarize(in)
		if r.Productive != 1 || r.Affiliates != 3 || r.Customers != 4 || r.Outside != 1 || len(r.Insights) != 0 {
			t.Errorf("report = %+v: want 1 productive of 3 affiliates, 4 customers, 1 outside, no value with enough support", r)
		}
	})
}
