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
		{
			// The platform lists D (joined 04-15, before its first outcome) and F (joined 05-01,
			// no outcome yet): 6 affiliates, F inactive; D's first referral (05-05) is now 20
			// days after it joined: days to first B 2, D 20, median 11. Who made them is
			// unchanged: A B C via Advocate, D E F others.
			name: "known history with the platform's listing", in: withListing(), days: 30,
			want: Report{WindowDays: 30, Affiliates: 6, Active: 3, ActivityRate: 0.5, Referrals: 4, Conversions: 2,
				EarningsPerActive: 45.17, MedianDaysToFirstReferral: f(11), Funnel: KnownHistory().Funnel,
				Currency: "USD", Earnings: 135.5, OtherCurrencyCommissions: 1,
				RecruitedViaAdvocate: Group{3, 2}, Others: Group{3, 1}},
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

// withListing is KnownHistory with the platform's listing: A (already Advocate's, the platform
// says it joined a day earlier), D (joined 04-15) and F (fay@x.io, joined 05-01, no outcomes;
// one referral without id names her by email).
func withListing() Inputs {
	in := KnownHistory()
	in.Listed = []Listed{
		{Platform: "dub", ID: "a1", Email: "ann@x.io", JoinedAt: day("2026-03-31")},
		{Platform: "dub", ID: "d1", JoinedAt: day("2026-04-15")},
		{Platform: "dub", ID: "f1", Email: "Fay@x.io", JoinedAt: day("2026-05-01")},
	}
	return in
}

func TestMembers(t *testing.T) {
	fayRef := withListing()
	fayRef.Referrals = append(fayRef.Referrals, Referral{Platform: "dub", AffiliateEmail: "fay@x.io", Status: "lead", CreatedAt: day("2026-05-21")})
	type row struct {
		id              string
		ours, joinKnown bool
		joined          string
		referrals       int
	}
	for _, tc := range []struct {
		name string
		in   Inputs
		want []row
	}{
		{
			// Without the listing only Advocate's own (A B C) have a join date; D and E start at
			// their first outcome.
			name: "Advocate's records only", in: KnownHistory(),
			want: []row{{"a1", true, true, "2026-04-01", 2}, {"a2", true, true, "2026-05-10", 2}, {"a3", true, true, "2026-05-20", 0},
				{"d1", false, false, "2026-04-20", 1}, {"e1", false, false, "2026-03-01", 2}},
		},
		{
			// The platform's dates: A joined at the earlier of the two records, D at the
			// platform's date although its first outcome came later, F before any outcome; an
			// outcome without id finds F by email. E stays unknown.
			name: "with the platform's listing", in: fayRef,
			want: []row{{"a1", true, true, "2026-03-31", 2}, {"a2", true, true, "2026-05-10", 2}, {"a3", true, true, "2026-05-20", 0},
				{"d1", false, true, "2026-04-15", 1}, {"e1", false, false, "2026-03-01", 2}, {"f1", false, true, "2026-05-01", 1}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Members(tc.in)
			if len(got) != len(tc.want) {
				t.Fatalf("members = %+v", got)
			}
			for i, w := range tc.want {
				m := got[i]
				if m.ID != w.id || m.Ours != w.ours || m.JoinKnown != w.joinKnown || !m.Joined.Equal(day(w.joined)) || len(m.Referrals) != w.referrals {
					t.Errorf("member %d = %+v, want %+v", i, m, w)
				}
			}
		})
	}
}
