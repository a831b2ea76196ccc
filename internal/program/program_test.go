package program

import (
	"encoding/json"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// KnownHistory is a small program whose KPIs over the 30 days to 2026-06-01 were computed by
// hand (see the comments on each row).
func KnownHistory() Inputs {
	return Inputs{
		Affiliates: []Affiliate{
			{Platform: "dub", ID: "a1", Email: "ann@x.io", CreatedAt: day("2026-04-01")}, // A: active, first referral before the window
			{Platform: "dub", ID: "a2", Email: "Bob@x.io", CreatedAt: day("2026-05-10")}, // B: active, first referral 2 days in
			{Platform: "dub", ID: "a3", Email: "cat@x.io", CreatedAt: day("2026-05-20")}, // C: no referral
		},
		Referrals: []Referral{
			{Platform: "dub", AffiliateID: "a1", Status: "lead", CreatedAt: day("2026-04-11")},
			{Platform: "dub", AffiliateID: "a1", Status: "converted", CreatedAt: day("2026-05-15"), ConvertedAt: day("2026-05-20")},
			{Platform: "dub", AffiliateID: "a2", Status: "cancelled", CreatedAt: day("2026-05-17"), ConvertedAt: day("2026-05-25")},
			{Platform: "dub", AffiliateEmail: "bob@x.io", Status: "lead", CreatedAt: day("2026-05-12")}, // no id: B by email
			{Platform: "dub", AffiliateID: "d1", Status: "lead", CreatedAt: day("2026-05-05")},          // D: platform-only, 15 days after its first commission
			{Platform: "dub", AffiliateID: "e1", Status: "lead", CreatedAt: day("2026-03-01")},          // E: platform-only, inactive
			{Platform: "dub", AffiliateID: "e1", Status: "converted", CreatedAt: day("2026-04-01"), ConvertedAt: day("2026-05-03")},
		},
		Commissions: []Commission{
			{Platform: "dub", AffiliateID: "d1", AmountMinor: 5000, Currency: "USD", Status: "paid", CreatedAt: day("2026-04-20")}, // before the window
			{Platform: "dub", AffiliateID: "a1", AmountMinor: 10000, Currency: "USD", Status: "paid", CreatedAt: day("2026-05-20")},
			{Platform: "dub", AffiliateID: "a2", AmountMinor: 2550, Currency: "usd", Status: "pending", CreatedAt: day("2026-05-25")},
			{Platform: "dub", AffiliateID: "a2", AmountMinor: 9999, Currency: "USD", Status: "voided", CreatedAt: day("2026-05-26")},
			{Platform: "dub", AffiliateID: "d1", AmountMinor: 4000, Currency: "EUR", Status: "due", CreatedAt: day("2026-05-28")},
			{Platform: "dub", AffiliateID: "a1", AmountMinor: 1000, Currency: "USD", Status: "due", CreatedAt: day("2026-05-29")},
		},
		Funnel: Funnel{Shortlisted: 10, Approved: 4, Invited: 3, Joined: 2, FirstReferral: 1},
	}
}

func TestCompute(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	for _, tc := range []struct {
		name string
		in   Inputs
		days int
		want Report
	}{
		{
			// 5 affiliates (A B C ours; D E platform-only), active A B D; referrals in the window
			// r2 r3 r4 rB = 4; conversions r2 (05-20) and E's (05-03) = 2; USD not voided in the
			// window 100 + 25.50 + 10 = 135.50 over 3 active = 45.17; one EUR left out; days to
			// first referral B 2, D 15: median 8.5.
			name: "known history", in: KnownHistory(), days: 30,
			want: Report{WindowDays: 30, Affiliates: 5, Active: 3, ActivityRate: 0.6, Referrals: 4, Conversions: 2,
				EarningsPerActive: 45.17, MedianDaysToFirstReferral: f(8.5), Funnel: KnownHistory().Funnel,
				Currency: "USD", Earnings: 135.5, OtherCurrencyCommissions: 1,
				RecruitedViaAdvocate: Group{3, 2}, Others: Group{2, 1}},
		},
		{
			// 90 days: everything from 2026-03-03 on; E's 03-01 referral is still out but its 04-01
			// one is in. Active A B D E; referrals 6 (all but E's 03-01); first referrals in the
			// window A 10, B 2, D 15: median 10; USD 50 + 100 + 25.50 + 10 = 185.50 / 4 = 46.38.
			name: "known history, 90 days", in: KnownHistory(), days: 90,
			want: Report{WindowDays: 90, Affiliates: 5, Active: 4, ActivityRate: 0.8, Referrals: 6, Conversions: 2,
				EarningsPerActive: 46.38, MedianDaysToFirstReferral: f(10), Funnel: KnownHistory().Funnel,
				Currency: "USD", Earnings: 185.5, OtherCurrencyCommissions: 1,
				RecruitedViaAdvocate: Group{3, 2}, Others: Group{2, 2}},
		},
		{name: "empty", days: 90, want: Report{WindowDays: 90}},
		{
			name: "zero-decimal currency, tie goes alphabetically", days: 7,
			in: Inputs{Commissions: []Commission{
				{AffiliateID: "x", AmountMinor: 500, Currency: "JPY", Status: "paid", CreatedAt: day("2026-05-30")},
				{AffiliateID: "x", AmountMinor: 700, Currency: "USD", Status: "paid", CreatedAt: day("2026-05-30")},
			}},
			want: Report{WindowDays: 7, Affiliates: 1, Currency: "JPY", Earnings: 500, OtherCurrencyCommissions: 1, Others: Group{1, 0}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want.Channels == nil {
				tc.want.Channels = []ChannelKPIs{} // always a list in the JSON
			}
			got, _ := json.Marshal(Compute(tc.in, day("2026-06-01"), tc.days))
			want, _ := json.Marshal(tc.want)
			if string(got) != string(want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}
