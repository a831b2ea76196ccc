package connectors

import (
	"context"
	"slices"
	"strings"
)

// freemail lists mailbox providers whose domain says nothing about the company a person works
// for; matching customers by such a domain would merge unrelated people into one account.
// Providers with a domain per country (gmx.de, yahoo.co.uk, hotmail.fr …) are listed once in
// freemailFamilies instead.
var freemail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"live.com": true, "msn.com": true, "icloud.com": true, "me.com": true, "mac.com": true, "aol.com": true,
	"proton.me": true, "protonmail.com": true, "pm.me": true, "web.de": true, "mail.com": true,
	"mail.ru": true, "qq.com": true, "163.com": true, "126.com": true, "zoho.com": true,
	"fastmail.com": true, "hey.com": true, "tutanota.com": true, "ymail.com": true,
}

// freemailFamilies are providers that run one mailbox domain per country: "<family>.<tld>",
// "<family>.co.<cc>" and "<family>.com.<cc>" are free mail (gmx.net, yahoo.co.uk, yandex.ru).
var freemailFamilies = map[string]bool{
	"gmx": true, "yahoo": true, "yandex": true, "hotmail": true, "outlook": true, "live": true,
}

// IsFreemail reports whether a normalised domain belongs to a free mailbox provider.
func IsFreemail(domain string) bool {
	if freemail[domain] {
		return true
	}
	labels := strings.Split(domain, ".")
	switch {
	case len(labels) == 2:
		return freemailFamilies[labels[0]]
	case len(labels) == 3 && (labels[1] == "co" || labels[1] == "com") && len(labels[2]) == 2:
		return freemailFamilies[labels[0]]
	}
	return false
}

// CompanyDomainFromEmail returns the company domain of a work email address, or "" for a
// free-mail address or something that is not an email.
func CompanyDomainFromEmail(email string) string {
	email = NormalizeEmail(email)
	at := strings.LastIndex(email, "@")
	if at <= 0 {
		return ""
	}
	d := NormalizeDomain(email[at+1:])
	if IsFreemail(d) {
		return ""
	}
	return d
}

// DomainFromContacts resolves the web domain of a company whose own record names none (a
// Salesforce Account without Website, a HubSpot or Intercom company without domain, a Stripe
// customer without domain metadata) from its contacts' email addresses: the company domain a
// strict majority of its work-mail contacts share. Free-mail addresses (IsFreemail) and
// non-addresses do not vote. A strict majority, not a plurality, because a wrong domain merges
// two companies: two contacts at acme.io and two at an agency is a tie and resolves nothing,
// while a lone work address (a Stripe customer's billing email) is its company's domain.
// ok is false when no domain wins.
func DomainFromContacts(emails []string) (domain string, ok bool) {
	votes := map[string]int{}
	total := 0
	for _, e := range emails {
		if d := CompanyDomainFromEmail(e); d != "" {
			votes[d]++
			total++
		}
	}
	for d, n := range votes { // a strict majority has at most one winner: order does not matter
		if 2*n > total {
			return d, true
		}
	}
	return "", false
}

// Matching counts, for one page, how company records that named no domain of their own were
// placed: ByContactDomain were given the domain their contacts share (DomainFromContacts);
// Unmatched had neither a domain nor contacts to give one, and were skipped, since a customer
// known only by one source's id is a company another source would create a second time.
type Matching struct {
	ByContactDomain int `json:"by_contact_domain"`
	Unmatched       int `json:"unmatched"`
}

// Add adds o's counts to m.
func (m *Matching) Add(o Matching) {
	m.ByContactDomain += o.ByContactDomain
	m.Unmatched += o.Unmatched
}

// PlaceByContacts gives each customer in page that has no domain the one its contacts share
// (DomainFromContacts), fills that domain into the signals mapped with the empty one, and drops
// the customers (and their signals) that get none, counting both in page.Matching: the one
// placing step of every connector whose company record can lack a domain. contacts reads the
// emails of the contacts of the given customers (by ExternalID), in as few calls as the vendor
// allows. skipped is told of each customer dropped and says whether to count it (a connector
// that re-reads skipped companies counts each once per run); nil counts every one.
func PlaceByContacts(ctx context.Context, page *Page, contacts func(context.Context, []string) (map[string][]string, error), skipped func(Customer) bool) error {
	var ids []string
	for _, cu := range page.Customers {
		if cu.Domain == "" {
			ids = append(ids, cu.ExternalID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	emails, err := contacts(ctx, ids)
	if err != nil {
		return err
	}
	drop, placed := map[string]bool{}, map[string]string{}
	for i, cu := range page.Customers {
		if cu.Domain != "" {
			continue
		}
		if d, ok := DomainFromContacts(emails[cu.ExternalID]); ok {
			page.Customers[i].Domain = d
			placed[cu.ExternalID] = d
			page.Matching.ByContactDomain++
			continue
		}
		drop[cu.ExternalID] = true
		if skipped == nil || skipped(cu) {
			page.Matching.Unmatched++
		}
	}
	page.Customers = slices.DeleteFunc(page.Customers, func(cu Customer) bool { return drop[cu.ExternalID] })
	page.Signals = slices.DeleteFunc(page.Signals, func(s Signal) bool { return drop[s.Customer.ExternalID] })
	for i, s := range page.Signals {
		if d := placed[s.Customer.ExternalID]; d != "" && s.Customer.Domain == "" {
			page.Signals[i].Customer.Domain = d
		}
	}
	return nil
}
