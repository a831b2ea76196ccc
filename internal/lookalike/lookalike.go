// Package lookalike says what productive affiliates have in common ("determine the common
// elements among successful customers"): which acquisition channels, industries, plans and
// scoring segments are over-represented among the customers whose affiliate brought a referral
// within 90 days of joining, compared with all affiliate customers and with all customers.
// Compute is pure; Load reads its inputs from the store. `advocate insights` and `advocate
// tune` show it.
package lookalike

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// Window is how soon after joining an affiliate must bring a referral to count as productive.
const Window = 90 * 24 * time.Hour

// Productive is the label of an affiliate: at least one referral created within Window of
// joining (both ends included). It is the one rule `advocate insights` and `advocate tune`
// label affiliates by. A zero joined (unknown start) is never productive.
func Productive(joined time.Time, referrals []time.Time) bool {
	if joined.IsZero() {
		return false
	}
	for _, r := range referrals {
		if !r.Before(joined) && r.Sub(joined) <= Window {
			return true
		}
	}
	return false
}

// Settled reports whether an affiliate's label is final at now: it is productive already, or
// Window has passed since it joined, or its start is unknown (zero joined: nothing recorded
// says it joined recently). An affiliate that joined last week and has not referred yet is
// not a failure, so it is left out rather than counted as unproductive.
func Settled(joined time.Time, referrals []time.Time, now time.Time) bool {
	return joined.IsZero() || Productive(joined, referrals) || now.Sub(joined) >= Window
}

// SegmentDimension names the scoring segment (scoring.SegmentOf) among the dimensions.
const SegmentDimension = "segment"

// Dimensions are what customers are grouped by, in the order ties are listed.
var Dimensions = []string{connectors.AttrAcquisitionChannel, connectors.AttrIndustry, connectors.AttrPlan, SegmentDimension}

// Support a value needs before its lift is reported: below it a lift is a few customers'
// coincidence.
const (
	MinProductive = 5  // productive affiliate customers with the value
	MinAffiliates = 10 // affiliate customers with the value
)

// DefaultTop is how many insights Compute returns when Inputs.Top is 0.
const DefaultTop = 10

// Customer is one customer and its value of each dimension ("" or absent = none).
type Customer struct {
	ID     string
	Values map[string]string
}

// Affiliate is one affiliate that belongs to a customer.
type Affiliate struct {
	CustomerID string
	Joined     time.Time   // zero when unknown
	Referrals  []time.Time // when each of its referrals was created
}

// Inputs is everything Compute reads.
type Inputs struct {
	Now        time.Time
	Customers  []Customer
	Affiliates []Affiliate
	// Outside counts affiliates that belong to no customer (agencies, consultants): they have
	// no attributes to compare, so Compute only reports how many there were.
	Outside int
	Top     int // how many insights to return; 0 = DefaultTop
}

// Insight is one dimension value over-represented among productive affiliate customers.
type Insight struct {
	Dimension  string `json:"dimension"` // acquisition_channel, industry, plan or segment
	Value      string `json:"value"`
	Productive int    `json:"productive"` // productive affiliate customers with the value
	Affiliates int    `json:"affiliates"` // settled affiliate customers with the value
	Customers  int    `json:"customers"`  // customers with the value
	// Lifts are Laplace-smoothed share ratios (see Compute): 2 means twice as common among
	// productive affiliates as among all affiliates (or all customers).
	LiftVsAffiliates float64 `json:"lift_vs_affiliates"`
	LiftVsCustomers  float64 `json:"lift_vs_customers"`
	Text             string  `json:"text"` // one readable sentence
}

// Report is the insight with the totals its shares are of.
type Report struct {
	WindowDays    int `json:"window_days"`
	Productive    int `json:"productive"` // productive affiliate customers
	Affiliates    int `json:"affiliates"` // settled affiliate customers (productive or not)
	Undecided     int `json:"undecided"`  // affiliate customers still inside their first Window, left out
	Customers     int `json:"customers"`
	Outside       int `json:"outside"` // affiliates belonging to no customer, left out
	MinProductive int `json:"min_productive"`
	MinAffiliates int `json:"min_affiliates"`
	// Insights are sorted by lift over all affiliates, highest first; empty when no value has
	// the support and is over-represented.
	Insights []Insight `json:"insights"`
}

// Compute returns the top over-represented values (Summarize's insights).
func Compute(in Inputs) []Insight { return Summarize(in).Insights }

// label is a customer's standing as an affiliate.
type label int

const (
	notAffiliate label = iota
	undecided
	unproductive
	productive
)

// labels gives each affiliate customer its label: productive when any of its affiliates is,
// else undecided when any is not settled yet, else unproductive.
func labels(in Inputs) map[string]label {
	out := map[string]label{}
	for _, a := range in.Affiliates {
		l := unproductive
		switch {
		case Productive(a.Joined, a.Referrals):
			l = productive
		case !Settled(a.Joined, a.Referrals, in.Now):
			l = undecided
		}
		out[a.CustomerID] = max(out[a.CustomerID], l)
	}
	return out
}

// counts are one dimension value's customers by standing.
type counts struct{ productive, affiliates, customers int }

// Summarize counts customers by standing and dimension value and reports the values
// over-represented among productive affiliate customers. A customer counts once however many
// affiliates it has. With P productive, A settled affiliate and C customers in all, k distinct
// values of a dimension among all customers (no value counts as one), and p, a, c customers
// with the value, the Laplace-smoothed share of a group is (count+1)/(total+k), and
//
//	lift vs affiliates = ((p+1)/(P+k)) / ((a+1)/(A+k))
//	lift vs customers  = ((p+1)/(P+k)) / ((c+1)/(C+k))
//
// A value is listed when it has one (non-empty), p >= MinProductive, a >= MinAffiliates, and
// either lift is above 1; sorted by lift vs affiliates, then lift vs customers, then p, all
// descending, then dimension (Dimensions order) and value. Pure.
func Summarize(in Inputs) Report {
	lab := labels(in)
	r := Report{WindowDays: int(Window / (24 * time.Hour)), Customers: len(in.Customers), Outside: in.Outside,
		MinProductive: MinProductive, MinAffiliates: MinAffiliates, Insights: []Insight{}}
	by := make([]map[string]*counts, len(Dimensions))
	for d := range by {
		by[d] = map[string]*counts{}
	}
	for _, c := range in.Customers {
		l := lab[c.ID]
		switch l {
		case productive:
			r.Productive++
		case undecided:
			r.Undecided++
		}
		if l >= unproductive {
			r.Affiliates++
		}
		for d, dim := range Dimensions {
			n := by[d][c.Values[dim]]
			if n == nil {
				n = &counts{}
				by[d][c.Values[dim]] = n
			}
			n.customers++
			if l >= unproductive {
				n.affiliates++
			}
			if l == productive {
				n.productive++
			}
		}
	}
	for d, dim := range Dimensions {
		k := float64(len(by[d]))
		share := func(n, total int) float64 { return (float64(n) + 1) / (float64(total) + k) }
		for v, n := range by[d] {
			if v == "" || n.productive < MinProductive || n.affiliates < MinAffiliates {
				continue
			}
			in := Insight{Dimension: dim, Value: v, Productive: n.productive, Affiliates: n.affiliates, Customers: n.customers,
				LiftVsAffiliates: round2(share(n.productive, r.Productive) / share(n.affiliates, r.Affiliates)),
				LiftVsCustomers:  round2(share(n.productive, r.Productive) / share(n.customers, r.Customers))}
			if in.LiftVsAffiliates <= 1 && in.LiftVsCustomers <= 1 {
				continue
			}
			in.Text = text(in, r)
			r.Insights = append(r.Insights, in)
		}
	}
	slices.SortFunc(r.Insights, func(a, b Insight) int {
		return cmp.Or(cmp.Compare(b.LiftVsAffiliates, a.LiftVsAffiliates), cmp.Compare(b.LiftVsCustomers, a.LiftVsCustomers),
			cmp.Compare(b.Productive, a.Productive),
			cmp.Compare(slices.Index(Dimensions, a.Dimension), slices.Index(Dimensions, b.Dimension)), strings.Compare(a.Value, b.Value))
	})
	top := cmp.Or(in.Top, DefaultTop)
	if len(r.Insights) > top {
		r.Insights = r.Insights[:top]
	}
	return r
}

// text words an insight with its raw shares (the lifts are smoothed, so a little nearer 1).
func text(in Insight, r Report) string {
	return fmt.Sprintf("%s %s: %d of %d productive affiliates (%.0f%%), against %.0f%% of affiliates (lift %.2f×) and %.0f%% of customers (lift %.2f×)",
		strings.ReplaceAll(in.Dimension, "_", " "), in.Value, in.Productive, r.Productive, pct(in.Productive, r.Productive),
		pct(in.Affiliates, r.Affiliates), in.LiftVsAffiliates, pct(in.Customers, r.Customers), in.LiftVsCustomers)
}

func pct(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
