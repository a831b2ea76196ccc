// Package program computes the affiliate-program KPIs (`advocate program`): how many
// affiliates there are, how many brought a sign-up in the window, what they earned, how long
// they took to their first referral, the recruitment funnel, and how the LTV and churn of
// referred customers compare with the other acquisition channels. Compute and Channels are
// pure: Load and LoadCustomers read the rows from the store, Compute only counts them.
package program

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Affiliate is one row of Advocate's own affiliates table: someone Advocate made an affiliate.
type Affiliate struct {
	Platform, ID, Email string
	CreatedAt           time.Time
}

// Listed is an affiliate as its platform lists it (Advocate's or not), with when the platform
// says it joined: zero when the platform does not say.
type Listed struct {
	Platform, ID, Email string
	JoinedAt            time.Time
}

// Referral is a sign-up an affiliate brought (not a click).
type Referral struct {
	Platform, AffiliateID, AffiliateEmail string
	Status                                string // lead | converted | cancelled
	CreatedAt, ConvertedAt                time.Time
}

// Commission is money an affiliate earned, in minor units of Currency.
type Commission struct {
	Platform, AffiliateID, AffiliateEmail string
	AmountMinor                           int64
	Currency                              string
	Status                                string // pending | due | paid | voided
	CreatedAt                             time.Time
}

// Funnel counts customers at each recruitment stage, all time.
type Funnel struct {
	Shortlisted   int `json:"shortlisted"`
	Approved      int `json:"approved"`
	Invited       int `json:"invited"`
	Joined        int `json:"joined"`
	FirstReferral int `json:"first_referral"`
}

// Inputs is everything Compute reads.
type Inputs struct {
	Affiliates []Affiliate
	// Listed are the platforms' affiliates: they count even before their first outcome and
	// give the join date of those Advocate did not make.
	Listed      []Listed
	Referrals   []Referral
	Commissions []Commission
	Funnel      Funnel
	// Customers are the customers the billing data covers, for the channel comparison.
	Customers []Customer
}

// Group is the affiliate and active counts of one part of the program.
type Group struct {
	Affiliates int `json:"affiliates"`
	Active     int `json:"active"`
}

// Report is `advocate program --json`.
type Report struct {
	WindowDays        int     `json:"window_days"`
	Affiliates        int     `json:"affiliates"`
	Active            int     `json:"active"`
	ActivityRate      float64 `json:"activity_rate"`
	Referrals         int     `json:"referrals"`
	Conversions       int     `json:"conversions"`
	EarningsPerActive float64 `json:"earnings_per_active"`
	// MedianDaysToFirstReferral is nil when no affiliate made its first referral in the window.
	MedianDaysToFirstReferral *float64 `json:"median_days_to_first_referral"`
	Funnel                    Funnel   `json:"funnel"`

	Currency                 string  `json:"currency"`
	Earnings                 float64 `json:"earnings"`
	OtherCurrencyCommissions int     `json:"other_currency_commissions"`
	RecruitedViaAdvocate     Group   `json:"recruited_via_advocate"`
	Others                   Group   `json:"others"`
	// Channels compares referred customers with the other acquisition channels (LTV, churn);
	// empty when no billing data covers any customer.
	Channels []ChannelKPIs `json:"channels"`
}

type member struct {
	platform, id  string
	email         string // lowercased; "" when neither our row nor an outcome tells it
	ours          bool
	known         time.Time // earliest of our created_at and the platform's join date; zero when neither says
	start         time.Time // earliest of known and the first outcome seen
	firstReferral time.Time
	referrals     []time.Time // when each of its referrals was created
	active        bool
}

// index resolves outcomes to affiliates: by platform and affiliate id, else by platform and
// email when the id is missing.
type index struct {
	members map[string]*member
	byEmail map[string]string // platform + "\x00" + email -> key
}

func (ix *index) key(platform, id, email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if id != "" {
		return platform + "\x00" + id
	}
	if k, ok := ix.byEmail[platform+"\x00"+email]; ok {
		return k
	}
	return platform + "\x00email:" + email
}

func (ix *index) get(k string) *member {
	m := ix.members[k]
	if m == nil {
		m = &member{}
		ix.members[k] = m
	}
	return m
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func buildIndex(in Inputs) *index {
	ix := &index{members: map[string]*member{}, byEmail: map[string]string{}}
	for _, a := range in.Affiliates {
		k := a.Platform + "\x00" + a.ID
		ix.byEmail[a.Platform+"\x00"+strings.ToLower(strings.TrimSpace(a.Email))] = k
		m := ix.get(k)
		m.ours = true
		m.platform, m.id, m.email = a.Platform, a.ID, strings.ToLower(strings.TrimSpace(a.Email))
		m.known = earliest(m.known, a.CreatedAt)
		m.start = earliest(m.start, a.CreatedAt)
	}
	for _, a := range in.Listed {
		k := ix.key(a.Platform, a.ID, a.Email)
		if e := a.Platform + "\x00" + strings.ToLower(strings.TrimSpace(a.Email)); a.Email != "" && ix.byEmail[e] == "" {
			ix.byEmail[e] = k // an outcome without id finds the listed affiliate by email
		}
		m := ix.get(k)
		m.identify(a.Platform, a.ID, a.Email)
		m.known = earliest(m.known, a.JoinedAt)
		m.start = earliest(m.start, a.JoinedAt)
	}
	for _, r := range in.Referrals {
		m := ix.get(ix.key(r.Platform, r.AffiliateID, r.AffiliateEmail))
		m.identify(r.Platform, r.AffiliateID, r.AffiliateEmail)
		m.start = earliest(m.start, r.CreatedAt)
		m.firstReferral = earliest(m.firstReferral, r.CreatedAt)
		m.referrals = append(m.referrals, r.CreatedAt)
	}
	for _, c := range in.Commissions {
		m := ix.get(ix.key(c.Platform, c.AffiliateID, c.AffiliateEmail))
		m.identify(c.Platform, c.AffiliateID, c.AffiliateEmail)
		m.start = earliest(m.start, c.CreatedAt)
	}
	return ix
}

// window is [now - days, now].
type window struct{ from, to time.Time }

func (w window) has(t time.Time) bool { return !t.IsZero() && !t.Before(w.from) && !t.After(w.to) }

// Compute the KPIs over the days before now.
func Compute(in Inputs, now time.Time, days int) Report {
	w := window{now.Add(-time.Duration(days) * 24 * time.Hour), now}
	ix := buildIndex(in)
	r := Report{WindowDays: days, Affiliates: len(ix.members), Funnel: in.Funnel}
	for _, ref := range in.Referrals {
		if w.has(ref.CreatedAt) {
			r.Referrals++
			ix.get(ix.key(ref.Platform, ref.AffiliateID, ref.AffiliateEmail)).active = true
		}
		if ref.Status == "converted" && w.has(ref.ConvertedAt) {
			r.Conversions++
		}
	}
	var daysToFirst []float64
	for _, m := range ix.members {
		g := &r.Others
		if m.ours {
			g = &r.RecruitedViaAdvocate
		}
		g.Affiliates++
		if m.active {
			g.Active++
			r.Active++
		}
		if w.has(m.firstReferral) {
			daysToFirst = append(daysToFirst, m.firstReferral.Sub(m.start).Hours()/24)
		}
	}
	if r.Affiliates > 0 {
		r.ActivityRate = round(float64(r.Active)/float64(r.Affiliates), 2)
	}
	r.MedianDaysToFirstReferral = median(daysToFirst, 1)
	earnings(in.Commissions, w, &r)
	r.Channels = Channels(in.Customers)
	return r
}

// earnings sums the window's commissions that were not voided, in the majority currency.
func earnings(coms []Commission, w window, r *Report) {
	count := map[string]int{}
	var counted []Commission
	for _, c := range coms {
		if c.Status != "voided" && w.has(c.CreatedAt) {
			count[strings.ToUpper(c.Currency)]++
			counted = append(counted, c)
		}
	}
	r.Currency = majority(count)
	var minor int64
	for _, c := range counted {
		if strings.ToUpper(c.Currency) == r.Currency {
			minor += c.AmountMinor
		} else {
			r.OtherCurrencyCommissions++
		}
	}
	r.Earnings = float64(minor) / math.Pow10(decimals(r.Currency))
	if r.Active > 0 {
		r.EarningsPerActive = round(r.Earnings/float64(r.Active), 2)
	}
}

// majority is the currency with the most commissions; a tie goes to the first alphabetically.
func majority(count map[string]int) string {
	names := make([]string, 0, len(count))
	for c := range count {
		names = append(names, c)
	}
	sort.Strings(names)
	best := ""
	for _, c := range names {
		if best == "" || count[c] > count[best] {
			best = c
		}
	}
	return best
}

// zeroDecimal are the ISO 4217 currencies without minor units.
var zeroDecimal = map[string]bool{"BIF": true, "CLP": true, "DJF": true, "GNF": true, "ISK": true, "JPY": true, "KMF": true,
	"KRW": true, "PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true}

func decimals(currency string) int {
	if zeroDecimal[currency] {
		return 0
	}
	return 2
}

// median of xs rounded to places; nil for none.
func median(xs []float64, places int) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	m = round(m, places)
	return &m
}

func round(x float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(x*p) / p
}
