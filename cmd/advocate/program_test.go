package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/store"
)

func pday(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// seedProgram stores internal/program's known history: three affiliates Advocate made (none
// matching a customer) and two only the platform knows.
func seedProgram(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t, db)
	for _, a := range []struct{ id, email, created string }{{"a1", "ann@x.io", "2026-04-01"}, {"a2", "bob@x.io", "2026-05-10"}, {"a3", "cat@x.io", "2026-05-20"}} {
		st.Now = func() time.Time { return pday(a.created) }
		if err := st.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: a.email, AffiliateID: a.id}); err != nil {
			t.Fatal(err)
		}
	}
	ref := func(id, aff, email, status, created, converted string) store.AffiliateReferral {
		r := store.AffiliateReferral{ID: id, AffiliateID: aff, AffiliateEmail: email, Status: status, CreatedAt: pday(created)}
		if converted != "" {
			r.ConvertedAt = pday(converted)
		}
		return r
	}
	refs := []store.AffiliateReferral{
		ref("r1", "a1", "", "lead", "2026-04-11", ""), ref("r2", "a1", "", "converted", "2026-05-15", "2026-05-20"),
		ref("r3", "a2", "", "cancelled", "2026-05-17", "2026-05-25"), ref("r4", "", "bob@x.io", "lead", "2026-05-12", ""),
		ref("r5", "d1", "", "lead", "2026-05-05", ""), ref("r6", "e1", "", "lead", "2026-03-01", ""),
		ref("r7", "e1", "", "converted", "2026-04-01", "2026-05-03"),
		// buyer@ref.io's sign-up, before any window: it only makes ref.io a referred customer.
		{ID: "r8", AffiliateID: "e1", CustomerEmail: "Buyer@ref.io", Status: "converted", CreatedAt: pday("2026-02-01"), ConvertedAt: pday("2026-02-02")},
	}
	com := func(id, aff string, minor int64, cur, status, created string) store.AffiliateCommission {
		return store.AffiliateCommission{ID: id, AffiliateID: aff, AmountMinor: minor, Currency: cur, Status: status, CreatedAt: pday(created)}
	}
	coms := []store.AffiliateCommission{
		com("c1", "d1", 5000, "USD", "paid", "2026-04-20"), com("c2", "a1", 10000, "USD", "paid", "2026-05-20"),
		com("c3", "a2", 2550, "USD", "pending", "2026-05-25"), com("c4", "a2", 9999, "USD", "voided", "2026-05-26"),
		com("c5", "d1", 4000, "EUR", "due", "2026-05-28"), com("c6", "a1", 1000, "USD", "due", "2026-05-29"),
	}
	if err := st.SaveAffiliateOutcomes(ctx, "dub", refs, coms); err != nil {
		t.Fatal(err)
	}
	// Billing data: ref.io (referred by r8, though its channel says direct) paid 1200 and pays
	// nothing now; org.io (organic search) paid 800 and pays 100 a month; noval.io has no
	// billing value and is left out.
	refIO, org, noval := connectors.Ref{Domain: "ref.io"}, connectors.Ref{Domain: "org.io"}, connectors.Ref{Domain: "noval.io"}
	seen := pday("2026-05-31")
	run, _, err := st.BeginSyncRun(ctx, "billing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CommitPage(ctx, "billing", run, connectors.Page{
		Customers: []connectors.Customer{{Ref: refIO, Attributes: map[string]string{"acquisition_channel": "direct"}},
			{Ref: org, Attributes: map[string]string{"acquisition_channel": "organic_search"}}, {Ref: noval}},
		Contacts: []connectors.Contact{{Customer: refIO, Email: "buyer@ref.io"}},
		Signals: []connectors.Signal{{Customer: refIO, Name: "ltv", Value: 1200, ObservedAt: seen}, {Customer: refIO, Name: "mrr", Value: 0, ObservedAt: seen},
			{Customer: org, Name: "ltv", Value: 800, ObservedAt: seen}, {Customer: org, Name: "mrr", Value: 100, ObservedAt: seen}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishSyncRun(ctx, run, "billing", 0, nil); err != nil {
		t.Fatal(err)
	}
}

// TestProgram: `program --json` on a known history equals the KPIs computed by hand (the
// figures of internal/program's "known history" case).
func TestProgram(t *testing.T) {
	now := pday("2026-06-01")
	median, ltvRef, ltvOrg, all, none := 8.5, 1200.0, 800.0, 1.0, 0.0
	want := program.Report{WindowDays: 30, Affiliates: 5, Active: 3, ActivityRate: 0.6, Referrals: 4, Conversions: 2,
		EarningsPerActive: 45.17, MedianDaysToFirstReferral: &median, Currency: "USD", Earnings: 135.5, OtherCurrencyCommissions: 1,
		RecruitedViaAdvocate: program.Group{Affiliates: 3, Active: 2}, Others: program.Group{Affiliates: 2, Active: 1},
		Channels: []program.ChannelKPIs{
			{Channel: "referral", Customers: 1, WithLTV: 1, AverageLTV: &ltvRef, MedianLTV: &ltvRef, WithChurn: 1, Churned: 1, ChurnRate: &all},
			{Channel: "organic_search", Customers: 1, WithLTV: 1, AverageLTV: &ltvOrg, MedianLTV: &ltvOrg, WithChurn: 1, ChurnRate: &none},
		}}
	engines(t, func(t *testing.T, cfg, db string) {
		g := []string{"--config", cfg, "--db", db}
		mustOK(t, cli(t, append(g, "migrate")...))
		seedProgram(t, db)

		r := mustOK(t, advocateAt(t, now, append(g, "program", "--days", "30", "--json")...))
		var got program.Report
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		if string(gotJSON) != string(wantJSON) {
			t.Fatalf("program --json\n got  %s\n want %s", gotJSON, wantJSON)
		}
		for _, key := range []string{`"window_days": 30`, `"activity_rate": 0.6`, `"median_days_to_first_referral": 8.5`, `"first_referral": 0`} {
			if !strings.Contains(r.stdout, key) {
				t.Errorf("program --json lacks %s:\n%s", key, r.stdout)
			}
		}

		text := mustOK(t, advocateAt(t, now, append(g, "program", "--days", "30")...)).stdout
		for _, s := range []string{"last 30 days", "Active", "3", "135.50", "USD (1 commission in other currencies left out)", "45.17", "8.5", "first referral 0",
			"By acquisition channel", "1200.00", "1 of 1 (100%)", "0 of 1 (0%)"} {
			if !strings.Contains(text, s) {
				t.Errorf("program output lacks %q:\n%s", s, text)
			}
		}
		if r := cli(t, append(g, "program", "--days", "0")...); r.code != 2 {
			t.Errorf("--days 0: exit %d, want 2", r.code)
		}
	})
}
