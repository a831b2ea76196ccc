package sampledata

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestDeterministic(t *testing.T) {
	a, err := Demo().Files()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(RefDate, DemoCustomers).Files()
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	// A different reference date shifts the dates, not the accounts.
	later := Generate(RefDate.AddDate(0, 0, 7), DemoCustomers)
	if later.Customers[0].Domain != Demo().Customers[0].Domain {
		t.Errorf("moving the reference date changed the customers")
	}
}

// The demo only makes sense if the data agrees with itself the way real tool data does.
func TestInternallyConsistent(t *testing.T) {
	d := Demo()
	if len(d.Customers) != DemoCustomers {
		t.Fatalf("got %d customers, want %d", len(d.Customers), DemoCustomers)
	}
	domains, names := map[string]bool{}, map[string]bool{}
	owners := map[string]int{}
	byDomain := map[string]Customer{}
	for _, c := range d.Customers {
		if domains[c.Domain] || names[c.Name] {
			t.Errorf("duplicate customer %s / %s", c.Domain, c.Name)
		}
		domains[c.Domain], names[c.Name], byDomain[c.Domain] = true, true, c
		owners[c.Owner]++
		if !strings.HasSuffix(c.Owner, "@"+VendorDomain) {
			t.Errorf("%s: owner %q is not a CSM at %s", c.Domain, c.Owner, VendorDomain)
		}
		s := c.Signals
		tenure := RefDate.Sub(c.Since).Hours() / 24
		check := func(ok bool, what string) {
			if !ok {
				t.Errorf("%s (%s): %s; signals %v", c.Domain, c.Persona, what, s)
			}
		}
		if au, ok := s["active_users"]; ok {
			check(au >= 1 && au <= s["seats"], "active users outside 1..seats")
		}
		check(s["tickets_open"] <= s["tickets_90d"], "more open tickets than tickets")
		check(s["escalations_90d"] <= s["tickets_90d"], "more escalations than tickets")
		_, hasCSAT := s["csat"]
		check(!hasCSAT || s["tickets_90d"] > 0, "CSAT without a ticket")
		_, hasTrend := s["usage_trend"]
		check(!hasTrend || tenure >= 60, "usage trend before 60 days of usage")
		if ltv, ok := s["ltv"]; ok {
			check(ltv >= s["mrr"], "ltv below mrr")
		}
		check((c.Persona == Newcomer) == (tenure < 90), "new iff customer for under 90 days")
		for _, n := range []string{"health_score", "csat"} {
			if v, ok := s[n]; ok {
				check(v >= 0 && v <= 100, n+" outside 0..100")
			}
		}
	}
	if len(owners) != 6 {
		t.Errorf("got %d CSMs, want 6: %v", len(owners), owners)
	}

	champions := map[string]int{}
	emails := map[string]bool{}
	optedOut := 0
	for _, ct := range d.Contacts {
		if _, ok := byDomain[ct.Domain]; !ok {
			t.Errorf("contact %s at unknown customer %s", ct.Email, ct.Domain)
		}
		if emails[ct.Email] || !strings.HasSuffix(ct.Email, "@"+ct.Domain) {
			t.Errorf("contact email %q duplicate or not at %s", ct.Email, ct.Domain)
		}
		emails[ct.Email] = true
		if ct.Champion {
			champions[ct.Domain]++
		}
		if ct.OptedOut {
			optedOut++
		}
	}
	for dom, n := range champions {
		if n > 1 {
			t.Errorf("%s has %d champions", dom, n)
		}
	}

	latest := map[string]NPSAnswer{}
	for _, a := range d.NPS {
		if a.Value < 0 || a.Value > 10 || !a.At.Before(RefDate) || a.At.Before(RefDate.AddDate(-1, 0, -1)) {
			t.Errorf("NPS answer %+v out of range", a)
		}
		if a.At.Before(byDomain[a.Domain].Since) {
			t.Errorf("NPS answer %+v before the customer signed", a)
		}
		latest[a.Domain] = a // answers are in time order
	}
	for dom, a := range latest {
		switch byDomain[dom].Persona {
		case Promoter:
			if a.Value < 9 {
				t.Errorf("promoter %s latest NPS %d", dom, a.Value)
			}
		case Detractor:
			if a.Value > 6 {
				t.Errorf("detractor %s latest NPS %d", dom, a.Value)
			}
		}
	}

	// The spread the demo relies on: enough of each kind of customer to show every feature.
	count := func(f func(Customer) bool) int {
		n := 0
		for _, c := range d.Customers {
			if f(c) {
				n++
			}
		}
		return n
	}
	spread := []struct {
		what     string
		n        int
		min, max int
	}{
		{"without NPS", len(d.Customers) - len(latest), 75, 125},
		{"new", count(func(c Customer) bool { return c.Persona == Newcomer }), 35, 80},
		{"promoters", count(func(c Customer) bool { return c.Persona == Promoter }), 100, 200},
		{"detractors", count(func(c Customer) bool { return c.Persona == Detractor }), 50, 120},
		{"partners", count(func(c Customer) bool { return c.IsPartner }), 40, 60}, // 8–12%: the sample program
		{"with a champion", len(champions), 380, 480},
		{"opted-out contacts", optedOut, 30, 110},
		{"contacts", len(d.Contacts), 500, 2000},
	}
	for _, s := range spread {
		if s.n < s.min || s.n > s.max {
			t.Errorf("%d customers %s, want %d..%d", s.n, s.what, s.min, s.max)
		}
	}
}

func TestFeatured(t *testing.T) {
	d := Demo()
	get := func(domain string) Customer {
		for _, c := range d.Customers {
			if c.Domain == domain {
				return c
			}
		}
		t.Fatalf("featured customer %s missing", domain)
		return Customer{}
	}
	answers := func(domain string) (vs []int) {
		for _, a := range d.NPS {
			if a.Domain == domain {
				vs = append(vs, a.Value)
			}
		}
		return vs
	}

	if c := get("lumenledger.io"); c.Signals["health_score"] != 97 || c.IsPartner {
		t.Errorf("Lumen Ledger: %+v", c)
	}
	for _, ct := range d.Contacts {
		if ct.Domain == "lumenledger.io" && ct.Champion && !ct.OptedOut {
			t.Errorf("Lumen Ledger's champion should have opted out: %+v", ct)
		}
	}
	if !get("quillstack.io").IsPartner {
		t.Error("Quillstack should already be a partner")
	}
	if got := answers("harborpine.com"); len(got) != 3 || got[0] != 3 || got[2] != 10 {
		t.Errorf("Harbor & Pine answers %v, want 3, 5, 10", got)
	}
	if c := get("brightloop.ai"); RefDate.Sub(c.Since) != 35*24*time.Hour+6*time.Hour {
		t.Errorf("Brightloop since %v", c.Since)
	}
	if _, ok := get("brightloop.ai").Signals["usage_trend"]; ok {
		t.Error("Brightloop is too new for a usage trend")
	}
	if got := answers("cobaltfreight.com"); len(got) != 0 {
		t.Errorf("Cobalt Freight answers %v, want none", got)
	}
}

// Big runs (benchmarks, load tests) must still produce unique domains.
func TestGenerateManyUnique(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	d := Generate(RefDate, 5000)
	seen := map[string]bool{}
	for _, c := range d.Customers {
		if seen[c.Domain] {
			t.Fatalf("duplicate domain %s", c.Domain)
		}
		seen[c.Domain] = true
	}
}
