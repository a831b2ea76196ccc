package drip

import (
	"context"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/store"
)

// facts is what the drip knows about one enrollment's customer.
type facts struct {
	customer advocate.Customer
	contact  advocate.Contact // zero Email when the CRM has no such contact
	signals  map[string]float64
	// highlights are the customer-safe facts emails may carry (email.Highlights); the
	// scoring reasons are for CSMs and never loaded here.
	highlights []string
	env        map[string]any // for stop and selection expressions
}

func (d *Drip) loadFacts(ctx context.Context, e store.Enrollment) (facts, error) {
	var f facts
	c, err := d.st.FindCustomer(ctx, e.CustomerID)
	if err != nil {
		return f, err
	}
	f.customer = c
	contacts, err := d.st.Contacts(ctx, c.ID)
	if err != nil {
		return f, err
	}
	f.contact, _ = advocate.FindContact(contacts[c.ID], e.ContactEmail)
	current, err := d.sources.CurrentSignals(ctx, d.st, c.ID, d.now())
	if err != nil {
		return f, err
	}
	f.signals = map[string]float64{}
	for name, v := range current {
		if !v.Stale { // a stale value is missing to the score, so it is to the drip's conditions too
			f.signals[name] = v.Value
		}
	}
	f.highlights = email.Highlights(c, f.signals, d.now())
	f.env = map[string]any{}
	for k, v := range c.Attributes {
		f.env[k] = attrValue(v)
	}
	for k, v := range f.signals {
		f.env[k] = v
	}
	f.env["opted_out"] = f.contact.OptedOut
	if _, ok := f.env["is_partner"]; !ok {
		f.env["is_partner"] = false
	}
	return f, nil
}

// attrValue reads "true"/"yes" and "false"/"no" attributes as booleans (is_partner: "true"
// from a CRM checkbox) and leaves the rest as text.
func attrValue(v string) any {
	if b, ok := advocate.ParseBool(v); ok {
		return b
	}
	return v
}
