package sampledata

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// contacts invents the people a CRM knows at a customer: more at bigger accounts, usually one
// champion (unhappy customers have often lost theirs), and a few who opted out of email.
func (g *gen) contacts(c Customer) []Contact {
	r := g.r
	span := map[string][2]int{"smb": {1, 2}, "mid_market": {1, 3}, "enterprise": {2, 4}}[c.Segment]
	n := r.between(span[0], span[1])
	pattern := r.intn(3) // each company has one email convention
	hasChampion := r.chance(map[string]float64{Promoter: 0.95, Passive: 0.88, Detractor: 0.65, Newcomer: 0.8}[c.Persona])
	optOut := 0.06
	if c.Persona == Detractor {
		optOut = 0.12
	}

	var out []Contact
	usedNames, usedLocals, usedRoles := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range n {
		first, last := pickOne(r, firstNames), pickOne(r, lastNames)
		local := emailLocal(pattern, first, last)
		for usedNames[first+" "+last] || usedLocals[local] {
			first, last = pickOne(r, firstNames), pickOne(r, lastNames)
			local = emailLocal(pattern, first, last)
		}
		usedNames[first+" "+last], usedLocals[local] = true, true

		champion := i == 0 && hasChampion
		pool := otherRoles
		if champion {
			pool = championRoles
			if c.Segment == "smb" && r.chance(0.4) {
				pool = founderRoles // at a small company the founder buys the tools
			}
		}
		role := pickOne(r, pool)
		for usedRoles[role] {
			role = pickOne(r, otherRoles)
		}
		usedRoles[role] = true

		out = append(out, Contact{
			Domain:   c.Domain,
			Email:    local + "@" + c.Domain,
			Name:     first + " " + last,
			Role:     role,
			Champion: champion,
			OptedOut: r.chance(optOut),
		})
	}
	return out
}

func emailLocal(pattern int, first, last string) string {
	first, last = strings.ToLower(first), strings.ToLower(last)
	switch pattern {
	case 0:
		return first
	case 1:
		return first + "." + last
	default:
		return first[:1] + last
	}
}

// nps invents the survey answers of the last year. New customers have rarely been surveyed;
// about one in eight of the others never answered. The latest answer fits the persona; earlier
// ones drift around it, and a few customers changed their mind.
func (g *gen) nps(c Customer) []NPSAnswer {
	r := g.r
	tenure := int(g.ref.Sub(c.Since).Hours() / 24)
	switch {
	case c.Persona == Newcomer && (tenure < 45 || r.chance(0.6)):
		return nil
	case c.Persona != Newcomer && r.chance(0.13):
		return nil
	}
	count := 1
	if c.Persona != Newcomer {
		count = int(r.pick([]weighted{{"1", 35}, {"2", 30}, {"3", 25}, {"4", 10}})[0] - '0')
	}

	start := c.Since.AddDate(0, 0, 30) // the first survey goes out after onboarding
	if yearAgo := g.ref.AddDate(-1, 0, 0); start.Before(yearAgo) {
		start = yearAgo
	}
	start = start.Truncate(24 * time.Hour)
	spanDays := int(g.ref.AddDate(0, 0, -1).Sub(start).Hours() / 24)
	if spanDays < count {
		return nil
	}
	days := map[int]bool{}
	var offsets []int
	for len(offsets) < count {
		if d := r.intn(spanDays + 1); !days[d] {
			days[d] = true
			offsets = append(offsets, d)
		}
	}
	slices.Sort(offsets)

	values := make([]int, count)
	values[count-1] = npsValue(r, c.Persona)
	turnaround := r.chance(0.1) && (c.Persona == Promoter || c.Persona == Detractor)
	for i := count - 2; i >= 0; i-- {
		switch {
		case turnaround && c.Persona == Detractor:
			values[i] = r.between(9, 10) // used to love the product
		case turnaround:
			values[i] = r.between(4, 7) // won over since
		default:
			values[i] = min(10, max(0, values[i+1]+r.between(-1, 1)))
		}
	}

	out := make([]NPSAnswer, count)
	for i, off := range offsets {
		at := start.AddDate(0, 0, off).Add(time.Duration(8*60+r.intn(12*60)) * time.Minute) // office hours
		out[i] = NPSAnswer{Domain: c.Domain, Value: values[i], At: at}
	}
	return out
}

func npsValue(r rng, persona string) int {
	ws := map[string][]weighted{
		Promoter:  {{"9", 40}, {"10", 60}},
		Passive:   {{"6", 10}, {"7", 40}, {"8", 40}, {"9", 10}},
		Detractor: {{"0", 4}, {"1", 4}, {"2", 8}, {"3", 14}, {"4", 20}, {"5", 25}, {"6", 25}},
		Newcomer:  {{"6", 10}, {"7", 20}, {"8", 30}, {"9", 25}, {"10", 15}},
	}[persona]
	v, _ := strconv.Atoi(r.pick(ws))
	return v
}

// featuredCustomer is a customer written by hand for the demo; see the package comment.
type featuredCustomer struct {
	spec
	owner    string
	partner  bool
	signals  map[string]float64 // all signal values; absent ones are missing
	contacts []Contact          // nil: generated
	nps      []featuredAnswer   // nil: none
}

type featuredAnswer struct {
	daysAgo, value int
}

var featured = []featuredCustomer{
	{
		spec: spec{name: "Lumen Ledger", domain: "lumenledger.io", industry: "fintech", plan: "enterprise", segment: "enterprise",
			channel: "referral", persona: Promoter, tenureDays: 1141, sentiment: 0.97},
		owner: "maya@" + VendorDomain,
		signals: map[string]float64{"health_score": 97, "ltv": 812400, "mrr": 29120, "seats": 640, "active_users": 601,
			"product_events_30d": 198400, "usage_trend": 1.18, "upsells_12m": 3, "tickets_90d": 1, "tickets_open": 0,
			"escalations_90d": 0, "csat": 100},
		contacts: []Contact{
			{Email: "ines.moreau@lumenledger.io", Name: "Ines Moreau", Role: "VP Customer Success", Champion: true, OptedOut: true},
			{Email: "kofi.mensah@lumenledger.io", Name: "Kofi Mensah", Role: "Product Manager"},
			{Email: "hannah.weber@lumenledger.io", Name: "Hannah Weber", Role: "CTO"},
		},
		nps: []featuredAnswer{{278, 9}, {180, 10}, {19, 10}},
	},
	{
		spec: spec{name: "Quillstack", domain: "quillstack.io", industry: "software", plan: "growth", segment: "mid_market",
			channel: "partner", persona: Promoter, tenureDays: 820, sentiment: 0.93},
		owner:   "priya@" + VendorDomain,
		partner: true,
		signals: map[string]float64{"health_score": 93, "ltv": 71240, "mrr": 3306, "seats": 120, "active_users": 109,
			"product_events_30d": 38150, "usage_trend": 1.09, "upsells_12m": 2, "tickets_90d": 2, "tickets_open": 0,
			"escalations_90d": 0, "csat": 96},
		nps: []featuredAnswer{{300, 9}, {120, 10}, {33, 10}},
	},
	{
		spec: spec{name: "Harbor & Pine Logistics", domain: "harborpine.com", industry: "logistics", plan: "growth", segment: "mid_market",
			channel: "outbound", persona: Promoter, tenureDays: 1460, sentiment: 0.8},
		owner: "diego@" + VendorDomain,
		signals: map[string]float64{"health_score": 74, "ltv": 83500, "mrr": 2390, "seats": 85, "active_users": 71,
			"product_events_30d": 16900, "usage_trend": 1.22, "upsells_12m": 1, "tickets_90d": 6, "tickets_open": 3,
			"escalations_90d": 1, "csat": 81},
		nps: []featuredAnswer{{348, 3}, {216, 5}, {47, 10}},
	},
	{
		spec: spec{name: "Brightloop", domain: "brightloop.ai", industry: "software", plan: "growth", segment: "smb",
			channel: "event", persona: Newcomer, tenureDays: 35, sentiment: 0.95},
		owner: "sofia@" + VendorDomain,
		signals: map[string]float64{"health_score": 95, "ltv": 2320, "mrr": 1160, "seats": 40, "active_users": 38,
			"product_events_30d": 15200, "upsells_12m": 1, "tickets_90d": 1, "tickets_open": 0, "escalations_90d": 0, "csat": 98},
		nps: []featuredAnswer{{6, 10}},
	},
	{
		spec: spec{name: "Cobalt Freight", domain: "cobaltfreight.com", industry: "logistics", plan: "enterprise", segment: "enterprise",
			channel: "organic", persona: Promoter, tenureDays: 1900, sentiment: 0.9},
		owner: "jonas@" + VendorDomain,
		signals: map[string]float64{"health_score": 91, "ltv": 1420000, "mrr": 38900, "seats": 850, "active_users": 760,
			"product_events_30d": 212000, "usage_trend": 1.07, "upsells_12m": 2, "tickets_90d": 3, "tickets_open": 0,
			"escalations_90d": 0, "csat": 94},
	},
}

// featured builds a hand-written customer. It still runs the random generator for it, so the
// random stream (and every other customer) does not depend on which fields are pinned.
func (g *gen) featured(f featuredCustomer) (Customer, []Contact, []NPSAnswer) {
	c := g.customer(f.spec)
	c.Owner, c.IsPartner, c.Signals = f.owner, f.partner, maps.Clone(f.signals)
	contacts := g.contacts(c)
	if f.contacts != nil {
		contacts = make([]Contact, len(f.contacts))
		for i, ct := range f.contacts {
			ct.Domain = c.Domain
			contacts[i] = ct
		}
	}
	var answers []NPSAnswer
	day := g.ref.Truncate(24 * time.Hour)
	for i, a := range f.nps {
		at := day.AddDate(0, 0, -a.daysAgo).Add(time.Duration(9*60+37*i) * time.Minute)
		answers = append(answers, NPSAnswer{Domain: c.Domain, Value: a.value, At: at})
	}
	return c, contacts, answers
}
