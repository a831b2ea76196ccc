package lookalike_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/lookalike"
)

var (
	now    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	joined = now.AddDate(0, -6, 0) // long enough ago to be settled
	day    = 24 * time.Hour
)

func TestProductiveAndSettled(t *testing.T) {
	tests := []struct {
		name                string
		joined              time.Time
		refs                []time.Time
		productive, settled bool
	}{
		{"referral on the day of joining", joined, []time.Time{joined}, true, true},
		{"referral exactly 90 days later", joined, []time.Time{joined.Add(90 * day)}, true, true},
		{"first referral a minute after 90 days", joined, []time.Time{joined.Add(90*day + time.Minute)}, false, true},
		{"a late one and an early one", joined, []time.Time{joined.Add(200 * day), joined.Add(3 * day)}, true, true},
		{"referral before joining does not count", joined, []time.Time{joined.Add(-day)}, false, true},
		{"no referral, joined long ago", joined, nil, false, true},
		{"no referral, joined 89 days ago: too early to tell", now.Add(-89 * day), nil, false, false},
		{"no referral, joined exactly 90 days ago", now.Add(-90 * day), nil, false, true},
		{"joined last week and already referred", now.Add(-7 * day), []time.Time{now.Add(-day)}, true, true},
		{"unknown start", time.Time{}, nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lookalike.Productive(tt.joined, tt.refs); got != tt.productive {
				t.Errorf("Productive = %v, want %v", got, tt.productive)
			}
			if got := lookalike.Settled(tt.joined, tt.refs, now); got != tt.settled {
				t.Errorf("Settled = %v, want %v", got, tt.settled)
			}
		})
	}
}

// group is n customers sharing dimension values, of whom some are affiliates.
type group struct {
	channel, industry           string
	customers                   int
	productive, idle, undecided int // affiliate customers among them
}

// build makes the customers and affiliates of groups: productive affiliates referred on day 3,
// idle ones never (and joined long ago), undecided ones joined 10 days ago.
func build(groups ...group) lookalike.Inputs {
	in := lookalike.Inputs{Now: now}
	n := 0
	for _, g := range groups {
		for i := range g.customers {
			n++
			id := fmt.Sprintf("c%03d", n)
			in.Customers = append(in.Customers, lookalike.Customer{ID: id,
				Values: map[string]string{"acquisition_channel": g.channel, "industry": g.industry}})
			switch {
			case i < g.productive:
				in.Affiliates = append(in.Affiliates, lookalike.Affiliate{CustomerID: id, Joined: joined, Referrals: []time.Time{joined.Add(3 * day)}})
			case i < g.productive+g.idle:
				in.Affiliates = append(in.Affiliates, lookalike.Affiliate{CustomerID: id, Joined: joined})
			case i < g.productive+g.idle+g.undecided:
				in.Affiliates = append(in.Affiliates, lookalike.Affiliate{CustomerID: id, Joined: now.Add(-10 * day)})
			}
		}
	}
	return in
}

func TestSummarize(t *testing.T) {
	// 20 referral customers: 10 productive, 2 idle, 1 undecided; 20 paid_search: 2 productive,
	// 6 idle. P = 12, A = 20, C = 40; channel has k = 2 values (industry only "", never listed).
	//   referral: p 10, a 12, c 20: lift vs affiliates (11/14)/(13/22) = 1.3297,
	//             vs customers (11/14)/(21/42) = 1.5714. paid_search: p = 2 < MinProductive.
	base := build(group{channel: "referral", customers: 20, productive: 10, idle: 2, undecided: 1},
		group{channel: "paid_search", customers: 20, productive: 2, idle: 6})
	r := lookalike.Summarize(base)
	if r.Productive != 12 || r.Affiliates != 20 || r.Undecided != 1 || r.Customers != 40 || r.WindowDays != 90 {
		t.Fatalf("totals = %+v", r)
	}
	if len(r.Insights) != 1 {
		t.Fatalf("insights = %+v, want referral only", r.Insights)
	}
	got := r.Insights[0]
	want := lookalike.Insight{Dimension: "acquisition_channel", Value: "referral", Productive: 10, Affiliates: 12, Customers: 20,
		LiftVsAffiliates: 1.33, LiftVsCustomers: 1.57,
		Text: "acquisition channel referral: 10 of 12 productive affiliates (83%), against 60% of affiliates (lift 1.33×) and 50% of customers (lift 1.57×)"}
	if got != want {
		t.Errorf("insight =\n %+v\nwant\n %+v", got, want)
	}
}

func TestSummarizeSupportAndOrder(t *testing.T) {
	tests := []struct {
		name   string
		in     lookalike.Inputs
		values []string // dimension=value, in order
	}{
		{"nobody is an affiliate", build(group{channel: "web", customers: 30}), nil},
		{
			// fintech: p 5 but only 9 affiliates → left out; saas p 5, a 10 is enough.
			"support thresholds",
			build(group{channel: "web", industry: "fintech", customers: 12, productive: 5, idle: 4},
				group{channel: "web", industry: "saas", customers: 12, productive: 5, idle: 5},
				group{channel: "event", industry: "retail", customers: 40, idle: 20}),
			// k: channel 2, industry 3. P = 10, A = 39, C = 64.
			//   web: p 10, a 19 → (11/12)/(20/41) = 1.88; industry saas: (6/13)/(11/42) = 1.76.
			[]string{"acquisition_channel=web", "industry=saas"},
		},
		{
			// Every affiliate productive: partner has no lift over affiliates ((16/18)/(16/18) = 1)
			// but (16/18)/(16/52) = 2.89 over customers; direct (p 1) lacks support.
			"over-represented against customers only",
			build(group{channel: "partner", customers: 15, productive: 15},
				group{channel: "direct", customers: 35, productive: 1}),
			[]string{"acquisition_channel=partner"},
		},
		{
			"an undecided affiliate is neither productive nor a failure",
			build(group{channel: "web", customers: 10, undecided: 10}), nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, in := range lookalike.Compute(tt.in) {
				got = append(got, in.Dimension+"="+in.Value)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.values) {
				t.Errorf("insights = %v, want %v", got, tt.values)
			}
		})
	}
}

// TestSummarizeCountsCustomersOnce: a customer with two affiliates, one productive, counts once
// and as productive; Top cuts the list.
func TestSummarizeCountsCustomersOnce(t *testing.T) {
	in := build(group{channel: "web", customers: 10, productive: 5, idle: 5}, group{channel: "event", customers: 10, idle: 10})
	for i := range 5 { // the idle web customers each get a second, productive affiliate
		id := fmt.Sprintf("c%03d", 6+i)
		in.Affiliates = append(in.Affiliates, lookalike.Affiliate{CustomerID: id, Joined: joined, Referrals: []time.Time{joined}})
	}
	r := lookalike.Summarize(in)
	if r.Productive != 10 || r.Affiliates != 20 {
		t.Fatalf("productive %d of %d, want 10 of 20", r.Productive, r.Affiliates)
	}
	// web: p 10, a 10, c 10; k = 2: (11/12)/(11/22) = 1.83 over both affiliates and customers.
	if len(r.Insights) != 1 || math.Abs(r.Insights[0].LiftVsAffiliates-1.83) > 1e-9 || r.Insights[0].Value != "web" {
		t.Fatalf("insights = %+v", r.Insights)
	}
	in.Top = 1
	in.Customers = append(in.Customers, lookalike.Customer{ID: "c999", Values: map[string]string{"industry": "x"}})
	if got := lookalike.Compute(in); len(got) != 1 {
		t.Errorf("Top 1 gave %d insights", len(got))
	}
}
