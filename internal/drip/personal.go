package drip

// The optional personal paragraph of the invitation: written once per customer by the LLM,
// stored (so the CSM sees the exact words in the Slack preview before approving), and falling
// back to the template's words when there is no LLM or its answer is rejected.

import (
	"context"
	"errors"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/llm"
	"github.com/advocate-hq/advocate/internal/store"
)

// customerNames is every customer's name, loaded once per pass and only if the LLM needs them
// (it must not name another customer).
type customerNames struct {
	loaded bool
	all    []advocate.Customer
}

// except returns the names of every customer but id.
func (n *customerNames) except(ctx context.Context, st *store.Store, id string) ([]string, error) {
	if !n.loaded {
		all, err := st.Customers(ctx)
		if err != nil {
			return nil, err
		}
		n.all, n.loaded = all, true
	}
	out := make([]string, 0, len(n.all))
	for _, c := range n.all {
		if c.ID != id {
			out = append(out, c.Name)
		}
	}
	return out, nil
}

// Personal returns the customer's stored invitation paragraph, writing it first when an LLM is
// configured and none is stored. The Slack "Preview invite" shows it; the invitation sends it.
// Without an LLM, or when it fails or its answer is rejected, Text is "" (the template's words)
// and Status says why.
func (d *Drip) Personal(ctx context.Context, customer string) (store.Personalization, error) {
	c, err := d.st.FindCustomer(ctx, customer)
	if err != nil {
		return store.Personalization{}, err
	}
	f, err := d.loadFacts(ctx, store.Enrollment{CustomerID: c.ID})
	if err != nil {
		return store.Personalization{}, err
	}
	return d.personal(ctx, f, false, &customerNames{})
}

func (d *Drip) personal(ctx context.Context, f facts, dryRun bool, others *customerNames) (store.Personalization, error) {
	p, err := d.st.GetPersonalization(ctx, f.customer.ID)
	if err == nil {
		return d.recheck(p, f), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
	if d.llm == nil {
		return store.Personalization{CustomerID: f.customer.ID, Status: "fallback: no LLM configured"}, nil
	}
	if dryRun {
		return store.Personalization{CustomerID: f.customer.ID, Status: "fallback: dry run"}, nil
	}
	names, err := others.except(ctx, d.st, f.customer.ID)
	if err != nil {
		return p, err
	}
	text, err := d.llm.Paragraph(ctx, d.llmFacts(f), names)
	rec := store.Personalization{CustomerID: f.customer.ID, Text: text, Status: "ok", Model: d.llm.Model()}
	if err != nil {
		d.log.Warn("drip: LLM paragraph not used; the template's text is", "customer", f.customer.ID, "err", err)
		rec.Text, rec.Status = "", "fallback: "+advocate.ClipBytes(err.Error(), 300)
	}
	return d.st.SavePersonalization(ctx, rec)
}

// recheck validates a stored paragraph again before it is used: one written before the rules
// it must pass were tightened (e.g. from facts that held internal metrics) is not sent; the
// template's words are.
func (d *Drip) recheck(p store.Personalization, f facts) store.Personalization {
	if p.Text == "" {
		return p
	}
	if err := llm.Validate(p.Text, d.llmFacts(f), nil); err != nil {
		d.log.Warn("drip: stored LLM paragraph not used; the template's text is", "customer", f.customer.ID, "err", err)
		return store.Personalization{CustomerID: p.CustomerID, Status: "fallback: stored paragraph " + advocate.ClipBytes(err.Error(), 300),
			Model: p.Model, CreatedAt: p.CreatedAt}
	}
	return p
}

// llmFacts is what the LLM may know about the customer: customer-safe facts only.
func (d *Drip) llmFacts(f facts) llm.Facts {
	c := f.customer
	lf := llm.Facts{CustomerName: advocate.FirstNonBlank(c.Name, c.Domain), ContactFirstName: email.FirstName(f.contact.Name),
		ContactRole: f.contact.Role, Industry: c.Attributes["industry"], Plan: c.Attributes["plan"],
		UseCase: c.Attributes["use_case"], Highlights: f.highlights}
	if since, ok := email.CustomerSince(c.Attributes, f.signals, d.now()); ok {
		lf.CustomerSince = since.Format("January 2006")
	}
	return lf
}
