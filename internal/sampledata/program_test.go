package sampledata

import (
	"reflect"
	"testing"
	"time"

	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
)

// The sample program is the same on every run, and moving the reference date moves its dates
// and nothing else: the demo's figures never change.
func TestProgramDeterministic(t *testing.T) {
	a, b := Demo().Program, Generate(RefDate, DemoCustomers).Program
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the sample program differs between two runs")
	}
	week := 7 * 24 * time.Hour
	later := Generate(RefDate.Add(week), DemoCustomers).Program
	for i := range a.Affiliates {
		a.Affiliates[i].JoinedAt = a.Affiliates[i].JoinedAt.Add(week)
	}
	for i := range a.Referrals {
		r := &a.Referrals[i]
		r.CreatedAt = r.CreatedAt.Add(week)
		if !r.ConvertedAt.IsZero() {
			r.ConvertedAt = r.ConvertedAt.Add(week)
		}
	}
	for i := range a.Commissions {
		a.Commissions[i].CreatedAt = a.Commissions[i].CreatedAt.Add(week)
	}
	if !reflect.DeepEqual(a, later) {
		t.Error("moving the reference date a week changed more than the program's dates")
	}
	// The program draws from its own stream: the customers are those of the CSVs.
	if !reflect.DeepEqual(Demo().Customers[:50], Generate(RefDate, DemoCustomers).Customers[:50]) {
		t.Error("customers differ between runs")
	}
}

// The program looks like a real one: about one customer in ten an affiliate, a few outside
// partners, a long tail of quiet affiliates, referrals over the last two years (some of them
// sample customers acquired by referral), and commissions in every state.
func TestProgramRealistic(t *testing.T) {
	d := Demo()
	p := d.Program
	customers := map[string]Customer{}
	emailOf := map[string]string{} // contact email -> customer domain
	for _, c := range d.Customers {
		customers[c.Domain] = c
	}
	for _, ct := range d.Contacts {
		emailOf[ct.Email] = ct.Domain
	}

	byID := map[string]Affiliate{}
	outside := 0
	for _, a := range p.Affiliates {
		byID[a.ID] = a
		dom, known := emailOf[a.Email]
		switch {
		case a.Domain == "" && known:
			t.Errorf("outside partner %s is a customer's contact", a.Email)
		case a.Domain == "":
			outside++
		case !known || dom != a.Domain || !customers[a.Domain].IsPartner:
			t.Errorf("affiliate %+v is not a contact of a partner customer", a)
		}
	}
	partners := 0
	for _, c := range d.Customers {
		if c.IsPartner {
			partners++
		}
	}
	if share := float64(len(p.Affiliates)-outside) / float64(len(d.Customers)); share < 0.08 || share > 0.12 || partners != len(p.Affiliates)-outside {
		t.Errorf("%d customer affiliates of %d customers (%d marked is_partner), want 8–12%% and every partner", len(p.Affiliates)-outside, len(d.Customers), partners)
	}
	if outside < 2 {
		t.Errorf("%d outside partners, want a few", outside)
	}

	perAffiliate := map[string]int{}
	status := map[string]int{}
	referredCustomers, old, recent := 0, 0, 0
	onTime := func(what string, at time.Time) {
		if at.Hour() != OutcomeHour || at.Minute() != 0 || !at.Before(RefDate.Truncate(24*time.Hour)) || at.Before(RefDate.AddDate(-2, 0, -1)) {
			t.Errorf("%s at %v: want %d:00 UTC on a day of the two years before %v", what, at, OutcomeHour, RefDate)
		}
	}
	for _, r := range p.Referrals {
		a, ok := byID[r.AffiliateID]
		if !ok || a.Email != r.AffiliateEmail || r.CreatedAt.Before(a.JoinedAt) {
			t.Errorf("referral %+v: unknown affiliate, or before it joined", r)
		}
		onTime(r.ID, r.CreatedAt)
		perAffiliate[r.AffiliateID]++
		status[r.Status]++
		if dom, ok := emailOf[r.CustomerEmail]; ok {
			referredCustomers++
			if c := customers[dom]; c.Channel != "referral" || r.Status != platforms.ReferralConverted || !r.ConvertedAt.Equal(c.Since.Add(OutcomeHour*time.Hour)) {
				t.Errorf("referral %+v names sample customer %s (channel %s, since %v)", r, dom, c.Channel, c.Since)
			}
		}
		switch age := RefDate.Sub(r.CreatedAt); {
		case age > 270*24*time.Hour:
			old++
		case age < 90*24*time.Hour:
			recent++
		}
	}
	quiet, busy := 0, 0
	for _, a := range p.Affiliates {
		switch n := perAffiliate[a.ID]; {
		case n <= 1:
			quiet++
		case n >= 10:
			busy++
		}
	}
	commissions := map[string]int{}
	for _, c := range p.Commissions {
		onTime(c.ID, c.CreatedAt)
		commissions[c.Status]++
		if c.Currency != ProgramCurrency || c.AmountMinor <= 0 {
			t.Errorf("commission %+v: want a positive amount in %s", c, ProgramCurrency)
		}
	}
	spread := []struct {
		what     string
		n        int
		min, max int
	}{
		{"affiliates with 0 or 1 referrals", quiet, len(p.Affiliates) / 3, len(p.Affiliates) * 3 / 4},
		{"affiliates with 10 or more referrals", busy, 2, 10},
		{"referrals of sample customers", referredCustomers, 10, 60},
		{"referrals older than 270 days", old, 30, 1000},
		{"referrals of the last 90 days", recent, 20, 1000},
		{"converted referrals", status[platforms.ReferralConverted], 30, 1000},
		{"lead referrals", status[platforms.ReferralLead], 30, 1000},
		{"cancelled referrals", status[platforms.ReferralCancelled], 3, 100},
		{"pending commissions", commissions[platforms.CommissionPending], 10, 1000},
		{"due commissions", commissions[platforms.CommissionDue], 10, 1000},
		{"paid commissions", commissions[platforms.CommissionPaid], 50, 1000},
		{"voided commissions", commissions[platforms.CommissionVoided], 1, 1},
	}
	for _, s := range spread {
		if s.n < s.min || s.n > s.max {
			t.Errorf("%d %s, want %d..%d", s.n, s.what, s.min, s.max)
		}
	}
	if perAffiliate[affiliateAt(p, "quillstack.io")] < 10 {
		t.Error("Quillstack, the featured partner, should be one of the program's stars")
	}
}

func affiliateAt(p Program, domain string) string {
	for _, a := range p.Affiliates {
		if a.Domain == domain {
			return a.ID
		}
	}
	return ""
}
