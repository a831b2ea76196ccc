package program

import (
	"cmp"
	"slices"

	"github.com/advocate-hq/advocate/connectors"
)

// Channel groups of the comparison.
const (
	ChannelReferral = "referral" // came through a referral: see ChannelOf
	ChannelUnknown  = "unknown"  // no acquisition_channel attribute
)

// referralChannels are the acquisition channels (connectors.Channel values) that mean the
// customer was referred: a referral (HubSpot "Referrals", Salesforce "Customer Referral", word
// of mouth…), a partner ("Partner Referral") or an affiliate.
var referralChannels = map[string]bool{connectors.ChannelReferral: true, connectors.ChannelPartner: true, "affiliate": true}

// Customer is one customer the billing data covers: it has a current ltv or mrr.
type Customer struct {
	Channel  string   // its acquisition_channel attribute, "" when none
	Referred bool     // an affiliate referral's customer email is one of its contacts
	LTV, MRR *float64 // current values, major units of the reporting currency; nil = unknown
}

// ChannelOf is the one rule for which group a customer's LTV and churn count in: referral
// when an affiliate referral names one of its contacts or its acquisition channel reads as a
// referral, a partner or an affiliate; else its acquisition channel (normalised as the
// connectors publish it), or unknown.
func ChannelOf(c Customer) string {
	ch := connectors.Channel(c.Channel)
	switch {
	case c.Referred || referralChannels[ch]:
		return ChannelReferral
	case ch == "":
		return ChannelUnknown
	}
	return ch
}

// ChannelKPIs is the value and churn of one channel's customers, as the billing data sees
// them now (not windowed: LTV and churn are states, not events).
type ChannelKPIs struct {
	Channel   string `json:"channel"`
	Customers int    `json:"customers"` // with a current ltv or mrr
	WithLTV   int    `json:"with_ltv"`
	// AverageLTV and MedianLTV are over the customers with an ltv; nil when none has one.
	AverageLTV *float64 `json:"average_ltv"`
	MedianLTV  *float64 `json:"median_ltv"`
	// WithChurn counts the customers whose churn is known: mrr known, and paying now
	// (mrr > 0) or paid before (ltv > 0). Churned are those of them with mrr 0.
	WithChurn int `json:"with_churn"`
	Churned   int `json:"churned"`
	// ChurnRate is Churned / WithChurn; nil (unknown) when WithChurn is 0.
	ChurnRate *float64 `json:"churn_rate"`
}

// Channels compares the channels' customers: the referral group first, unknown last, the
// others by customers (most first), then name.
func Channels(customers []Customer) []ChannelKPIs {
	groups := map[string]*ChannelKPIs{}
	ltvs := map[string][]float64{}
	for _, c := range customers {
		if c.LTV == nil && c.MRR == nil {
			continue // the billing data does not see it
		}
		name := ChannelOf(c)
		g := groups[name]
		if g == nil {
			g = &ChannelKPIs{Channel: name}
			groups[name] = g
		}
		g.Customers++
		if c.LTV != nil {
			g.WithLTV++
			ltvs[name] = append(ltvs[name], *c.LTV)
		}
		if c.MRR != nil && (*c.MRR > 0 || (c.LTV != nil && *c.LTV > 0)) {
			g.WithChurn++
			if *c.MRR == 0 {
				g.Churned++
			}
		}
	}
	out := make([]ChannelKPIs, 0, len(groups))
	for name, g := range groups {
		if xs := ltvs[name]; len(xs) > 0 {
			var sum float64
			for _, x := range xs {
				sum += x
			}
			avg := round(sum/float64(len(xs)), 2)
			g.AverageLTV, g.MedianLTV = &avg, median(xs, 2)
		}
		if g.WithChurn > 0 {
			rate := round(float64(g.Churned)/float64(g.WithChurn), 2)
			g.ChurnRate = &rate
		}
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b ChannelKPIs) int {
		return cmp.Or(cmp.Compare(rank(a.Channel), rank(b.Channel)), cmp.Compare(b.Customers, a.Customers), cmp.Compare(a.Channel, b.Channel))
	})
	return out
}

// rank puts the referral group first and unknown last.
func rank(channel string) int {
	switch channel {
	case ChannelReferral:
		return 0
	case ChannelUnknown:
		return 2
	}
	return 1
}
