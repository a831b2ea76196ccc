package sampledata

// The sample affiliate program (issue 12, "Demo"): what the vendor's affiliate platform would
// report about the program Acme already runs, so `advocate demo` and `advocate program` show
// real numbers with no platform to call. Every customer marked is_partner is an affiliate
// (its champion, else its first contact), joined by a few outside partners who are no
// customer (an agency, consultants, a review site). Like real programs the activity is
// lopsided: a few stars bring most referrals, many affiliates bring one or none. Customers whose
// acquisition_channel is "referral" and who signed in the last year are referrals of an
// affiliate, so the platform's data and the CRM's agree.
//
// The program draws from its own random stream, so it leaves the customers, contacts and
// survey answers (and the checked-in CSVs) exactly as they were.

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
)

// Program is the affiliate program's history as its platform reports it.
type Program struct {
	Affiliates  []Affiliate
	Referrals   []platforms.Referral   // oldest first
	Commissions []platforms.Commission // oldest first
}

// Affiliate is one person in the program.
type Affiliate struct {
	ID       string
	Email    string
	Domain   string // the customer the affiliate works at; "" for an outside partner
	JoinedAt time.Time
}

// OutcomeHour is the hour (UTC) at which every program event happens, always on a day before
// the reference date. A window of whole days then holds the events of whole calendar days
// whatever time of day it ends, which lets a later `advocate program --days N` count exactly
// the events the demo counted (see demo.ProgramDays).
const OutcomeHour = 12

// ProgramCurrency is the currency of every sample commission.
const ProgramCurrency = "USD"

// The program's recurring commission: a share of each monthly payment the referred customer
// makes in its first year, capped per payment (big accounts are sales-led).
const (
	commissionRate     = 0.2
	maxCommissionMinor = 300_00
)

// outsidePartners are the program's affiliates who are no customer.
var outsidePartners = []string{
	"maren@holtgrowth.agency",
	"tobias@saas-advisors.co",
	"ama@owusuconsulting.com",
	"leo@stackreview.io",
}

// history is how far back the platform's records go, in days.
const history = 730

// tier is how active an affiliate is: how many referrals it brings in two years (history).
type tier struct{ lo, hi int }

var (
	star       = tier{12, 24}
	regular    = tier{3, 8}
	occasional = tier{1, 3}
	dormant    = tier{0, 0}
)

// progGen carries the program generator's state.
type progGen struct {
	r     rng
	ref   time.Time
	taken map[string]bool // domains of customers and invented referral companies
	p     Program
	tiers map[string]tier // affiliate id -> activity
}

// day is daysAgo days before the reference date, at OutcomeHour.
func (g *progGen) day(daysAgo int) time.Time {
	return g.ref.Truncate(24*time.Hour).AddDate(0, 0, -daysAgo).Add(OutcomeHour * time.Hour)
}

// daysAgo is how many whole days before the reference date t's day is.
func (g *progGen) daysAgo(t time.Time) int {
	return int(g.ref.Truncate(24*time.Hour).Sub(t.Truncate(24*time.Hour)).Hours() / 24)
}

// makeProgram generates the sample program for d's customers and contacts.
func makeProgram(d Dataset) Program {
	g := &progGen{r: rng{rand.NewPCG(seed1^0x70726f67, seed2)}, ref: d.Ref, taken: map[string]bool{}, tiers: map[string]tier{}}
	people := map[string][]Contact{}
	for _, ct := range d.Contacts {
		people[ct.Domain] = append(people[ct.Domain], ct)
	}
	for _, c := range d.Customers {
		g.taken[c.Domain] = true
	}
	for _, c := range d.Customers {
		if c.IsPartner && len(people[c.Domain]) > 0 {
			g.customerAffiliate(c, people[c.Domain])
		}
	}
	for _, email := range outsidePartners {
		g.join(email, "", g.r.between(120, 900), pickOne(g.r, []tier{star, regular, regular}))
	}
	for _, a := range g.p.Affiliates {
		g.referrals(a)
	}
	g.referredCustomers(d.Customers, people)
	g.finish(d.Customers, people)
	return g.p
}

// customerAffiliate makes the champion (else the first contact) of partner customer c an
// affiliate, some time after c signed.
func (g *progGen) customerAffiliate(c Customer, contacts []Contact) {
	person := contacts[0]
	if i := slices.IndexFunc(contacts, func(ct Contact) bool { return ct.Champion }); i >= 0 {
		person = contacts[i]
	}
	tenure := g.daysAgo(c.Since)
	joined := g.r.between(min(tenure-14, 180), min(tenure-14, 1100)) // partners are customers of 90 days or more
	t := g.pickTier(c)
	if c.Domain == "quillstack.io" { // the featured partner is among the program's best, for years
		t, joined = star, min(tenure-14, history)
	}
	g.join(person.Email, c.Domain, joined, t)
}

// pickTier draws a customer affiliate's activity. As in real programs it is not pure chance:
// healthy customers (happy, engaged users) refer more and struggling ones rarely do, and
// customers who came by referral themselves pass it on, so the sample gives `advocate tune`
// and `advocate insights` a pattern to find. A customer without a health score is neither.
func (g *progGen) pickTier(c Customer) tier {
	active, dormantW := 1.0, 1.0 // multipliers of the star and regular weights, and of dormant's
	switch h, ok := c.Signals["health_score"]; {
	case ok && h >= 90:
		active, dormantW = 2, 0.5
	case ok && h < 75:
		active, dormantW = 0.4, 1.5
	}
	if c.Channel == "referral" {
		active, dormantW = active*4, 0
	}
	w := func(base int, m float64) int { return int(math.Round(float64(base) * m)) }
	return map[string]tier{"star": star, "regular": regular, "occasional": occasional, "dormant": dormant}[g.r.pick([]weighted{
		{"star", w(6, active)}, {"regular", w(16, active)}, {"occasional", 48}, {"dormant", w(30, dormantW)}})]
}

func (g *progGen) join(email, domain string, daysAgo int, t tier) {
	id := fmt.Sprintf("aff_%03d", len(g.p.Affiliates)+1)
	g.p.Affiliates = append(g.p.Affiliates, Affiliate{ID: id, Email: email, Domain: domain, JoinedAt: g.day(daysAgo)})
	g.tiers[id] = t
}

// referrals invents the sign-ups a brings in two years, of which those since it joined happened:
// people at companies that are not (yet) customers in the sample data. Some convert, a few
// cancel.
func (g *progGen) referrals(a Affiliate) {
	t := g.tiers[a.ID]
	if t == star || t == regular { // the keen ones bring someone in their first weeks
		g.referral(a, g.daysAgo(a.JoinedAt)-g.r.between(7, 60))
	}
	for range g.r.between(t.lo, t.hi) {
		g.referral(a, g.r.between(1, history))
	}
}

// referral records a sign-up a brought ago days before the reference date, unless that is
// before it joined, older than history or not in the past; some convert, a few cancel.
func (g *progGen) referral(a Affiliate, ago int) {
	if ago > min(g.daysAgo(a.JoinedAt), history) || ago < 1 {
		return
	}
	created := g.day(ago)
	ref := platforms.Referral{AffiliateID: a.ID, AffiliateEmail: a.Email, CustomerEmail: g.prospect(),
		Status: platforms.ReferralLead, CreatedAt: created}
	switch u := g.r.float(); {
	case u < 0.1:
		ref.Status = platforms.ReferralCancelled
	case u < 0.45:
		if converted := created.AddDate(0, 0, g.r.between(1, 30)); g.daysAgo(converted) >= 1 {
			ref.Status, ref.ConvertedAt = platforms.ReferralConverted, converted
		}
	}
	g.p.Referrals = append(g.p.Referrals, ref)
}

// prospect invents the email of a referred person at a company that is no sample customer.
func (g *progGen) prospect() string {
	r := g.r
	for {
		first, last := pickOne(r, firstNames), pickOne(r, lastNames)
		domain := strings.ToLower(pickOne(r, brandWords)) + pickOne(r, []string{"hq.com", "labs.io", "works.com", "app.io", "digital.com"})
		if !g.taken[domain] {
			return strings.ToLower(first+"."+last) + "@" + domain
		}
	}
}

// referredCustomers credits each customer acquired by referral in the last year to an
// affiliate who had joined by then (the more active, the likelier): they signed up a week or
// three before signing.
func (g *progGen) referredCustomers(customers []Customer, people map[string][]Contact) {
	for _, c := range customers {
		signed := g.daysAgo(c.Since)
		if c.Channel != "referral" || signed < 1 || signed > 365 || len(people[c.Domain]) == 0 {
			continue
		}
		lead := g.r.between(5, 25)
		var ws []weighted
		for _, a := range g.p.Affiliates {
			if a.Domain != c.Domain && g.daysAgo(a.JoinedAt) > signed+lead {
				ws = append(ws, weighted{a.ID, 1 + 4*g.tiers[a.ID].hi})
			}
		}
		if len(ws) == 0 {
			continue
		}
		a := g.affiliate(g.r.pick(ws))
		g.p.Referrals = append(g.p.Referrals, platforms.Referral{AffiliateID: a.ID, AffiliateEmail: a.Email,
			CustomerEmail: people[c.Domain][0].Email, Status: platforms.ReferralConverted,
			CreatedAt: g.day(signed + lead), ConvertedAt: g.day(signed)})
	}
}

func (g *progGen) affiliate(id string) Affiliate {
	i := slices.IndexFunc(g.p.Affiliates, func(a Affiliate) bool { return a.ID == id })
	return g.p.Affiliates[i]
}

// finish orders the referrals, numbers them, and pays the commissions of the converted ones.
func (g *progGen) finish(customers []Customer, people map[string][]Contact) {
	slices.SortStableFunc(g.p.Referrals, func(a, b platforms.Referral) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.AffiliateID, b.AffiliateID), strings.Compare(a.CustomerEmail, b.CustomerEmail))
	})
	mrr := map[string]float64{} // a referred sample customer's email -> its MRR
	for _, c := range customers {
		if v, ok := c.Signals["mrr"]; ok && len(people[c.Domain]) > 0 {
			mrr[people[c.Domain][0].Email] = v
		}
	}
	for i := range g.p.Referrals {
		ref := &g.p.Referrals[i]
		ref.ID = fmt.Sprintf("ref_%04d", i+1)
		if ref.Status != platforms.ReferralConverted {
			continue
		}
		paid, ok := mrr[ref.CustomerEmail]
		if !ok {
			paid = float64(49 + g.r.skewed(0, 1500))
		}
		g.commissions(*ref, min(maxCommissionMinor, int64(round(float64(paid*commissionRate)*100))))
	}
	slices.SortStableFunc(g.p.Commissions, func(a, b platforms.Commission) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ReferralID, b.ReferralID))
	})
	var voidable []int
	for i := range g.p.Commissions {
		g.p.Commissions[i].ID = fmt.Sprintf("com_%04d", i+1)
		if age := g.daysAgo(g.p.Commissions[i].CreatedAt); age > 30 && age <= 90 {
			voidable = append(voidable, i)
		}
	}
	if len(voidable) > 0 { // one refund in the quarter: its commission is void, not earned
		g.p.Commissions[voidable[g.r.intn(len(voidable))]].Status = platforms.CommissionVoided
	}
}

// commissions pays amountMinor for each monthly payment of the referred customer, for a year:
// pending during the 30-day hold, due until the next monthly payout, then paid.
func (g *progGen) commissions(ref platforms.Referral, amountMinor int64) {
	for m := range 12 {
		at := ref.ConvertedAt.AddDate(0, 0, 30*m)
		age := g.daysAgo(at)
		if age < 1 {
			return
		}
		status := platforms.CommissionPaid
		switch {
		case age <= 30:
			status = platforms.CommissionPending
		case age <= 60:
			status = platforms.CommissionDue
		}
		g.p.Commissions = append(g.p.Commissions, platforms.Commission{AffiliateID: ref.AffiliateID, AffiliateEmail: ref.AffiliateEmail,
			ReferralID: ref.ID, AmountMinor: amountMinor, Currency: ProgramCurrency, Status: status, CreatedAt: at})
	}
}
