package program

import (
	"encoding/json"
	"testing"
)

func TestChannelOf(t *testing.T) {
	for _, tc := range []struct {
		c    Customer
		want string
	}{
		{Customer{Channel: "paid_search", Referred: true}, ChannelReferral}, // a referral row wins over the attribute
		{Customer{Channel: "Partner Referral"}, ChannelReferral},            // Salesforce: partner
		{Customer{Channel: "REFERRALS"}, ChannelReferral},                   // HubSpot internal value
		{Customer{Channel: "Affiliate"}, ChannelReferral},
		{Customer{Channel: "word of mouth"}, ChannelReferral},
		{Customer{Channel: "ORGANIC_SEARCH"}, "organic_search"},
		{Customer{Channel: "Podcast Ads"}, "podcast_ads"},
		{Customer{}, ChannelUnknown},
	} {
		if got := ChannelOf(tc.c); got != tc.want {
			t.Errorf("ChannelOf(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestChannels(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	cu := func(ch string, referred bool, ltv, mrr *float64) Customer {
		return Customer{Channel: ch, Referred: referred, LTV: ltv, MRR: mrr}
	}
	for _, tc := range []struct {
		name string
		in   []Customer
		want []ChannelKPIs
	}{
		{name: "no billing data", in: []Customer{cu("referral", true, nil, nil)}, want: []ChannelKPIs{}},
		{
			name: "referred against the other channels",
			in: []Customer{
				cu("paid_search", true, f(1000), f(100)),     // referral by a referral row; paying
				cu("Partner Referral", false, f(3000), f(0)), // referral by channel; churned
				cu("affiliate", false, f(500), nil),          // referral; churn unknown (no mrr)
				cu("ORGANIC_SEARCH", false, f(200), f(0)),    // organic: churned
				cu("organic_search", false, f(0), f(0)),      // organic: never paid, churn not counted
				cu("organic", false, nil, f(50)),             // organic: paying, no ltv
				cu("", false, f(400), f(40)),                 // unknown
				cu("paid_search", false, nil, nil),           // billing does not see it: left out
				cu("direct", false, f(100), f(0)), cu("direct", false, f(300), f(10)), cu("direct", false, f(200), f(20)),
			},
			// referral: LTVs 1000 3000 500 -> average 1500, median 1000; churn known for 2
			// (the affiliate one has no mrr), 1 churned -> 0.5.
			// direct: 100 300 200 -> 200, 200; 3 known, 1 churned -> 0.33.
			// organic_search: LTVs 200 0 -> 100, median 100; churn known for 2 (the never-paid
			// one is out), 1 churned -> 0.5. Direct before organic_search: 3 customers each, by name.
			// unknown: 400; paying -> 0.
			want: []ChannelKPIs{
				{Channel: "referral", Customers: 3, WithLTV: 3, AverageLTV: f(1500), MedianLTV: f(1000), WithChurn: 2, Churned: 1, ChurnRate: f(0.5)},
				{Channel: "direct", Customers: 3, WithLTV: 3, AverageLTV: f(200), MedianLTV: f(200), WithChurn: 3, Churned: 1, ChurnRate: f(0.33)},
				{Channel: "organic_search", Customers: 3, WithLTV: 2, AverageLTV: f(100), MedianLTV: f(100), WithChurn: 2, Churned: 1, ChurnRate: f(0.5)},
				{Channel: "unknown", Customers: 1, WithLTV: 1, AverageLTV: f(400), MedianLTV: f(400), WithChurn: 1, Churned: 0, ChurnRate: f(0)},
			},
		},
		{
			name: "mrr unknown everywhere: churn unknown, LTV still compared",
			in:   []Customer{cu("referral", false, f(10.005), nil), cu("email", false, f(20), nil), cu("email", false, f(25), nil)},
			// email: (20 + 25) / 2 = 22.5 both ways; referral 10.005 rounds to 10.01 (2 places).
			want: []ChannelKPIs{
				{Channel: "referral", Customers: 1, WithLTV: 1, AverageLTV: f(10.01), MedianLTV: f(10.01)},
				{Channel: "email", Customers: 2, WithLTV: 2, AverageLTV: f(22.5), MedianLTV: f(22.5)},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := json.Marshal(Channels(tc.in))
			want, _ := json.Marshal(tc.want)
			if string(got) != string(want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}
