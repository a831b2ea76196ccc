package drip

// Previews: a step rendered as it would be sent now, without an outbox row.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
)

// Preview renders one step for a customer as it would be sent now (no outbox row, no LLM
// call: the stored paragraph if any). step is a step name or 1-based number; "" is the first.
type Preview struct {
	Customer string `json:"customer"`
	To       string `json:"to"`
	Sequence string `json:"sequence"`
	Step     string `json:"step"`
	Day      int    `json:"day"`
	From     string `json:"from"`
	ReplyTo  string `json:"reply_to,omitempty"`
	Subject  string `json:"subject"`
	Text     string `json:"text"`
	HTML     string `json:"html"`
	// Personal says where the opening paragraph came from ("ok": the LLM; else why not).
	Personal string `json:"personal,omitempty"`
	// Waiting says why the email would not be sent now although it renders (the affiliate
	// platform's referral link is not recorded yet); "" when nothing holds it.
	Waiting string `json:"waiting,omitempty"`
}

// Preview renders a step of the customer's sequence (its enrollment's, or the one it would get).
func (d *Drip) Preview(ctx context.Context, customer, step string) (Preview, error) {
	return d.preview(ctx, customer, step, "")
}

// WriteHTML writes the preview as a standalone HTML page for a browser: From, To and Subject
// above the email's HTML part, then its text part.
func (p Preview) WriteHTML(w io.Writer) error {
	note := fmt.Sprintf("%s · sequence %s, step %s (day %d)", p.Customer, p.Sequence, p.Step, p.Day)
	return email.WritePreviewPage(w, email.PageHeader{From: p.From, ReplyTo: p.ReplyTo, To: p.To, Subject: p.Subject, Note: note},
		email.InviteContent{Subject: p.Subject, Text: p.Text, HTML: p.HTML})
}

// InvitePreview is the Slack "Preview invite" (a review.PreviewFunc): the invitation the
// shortlisted contact would get, with the LLM paragraph written now if an LLM is configured and
// none is stored yet — so the CSM sees the exact words before approving.
func (d *Drip) InvitePreview(ctx context.Context, e shortlist.Entry) (email.InviteContent, error) {
	if _, err := d.Personal(ctx, e.Customer.ID); err != nil {
		return email.InviteContent{}, err
	}
	p, err := d.preview(ctx, e.Customer.ID, "", e.Contact.Email)
	if err != nil {
		return email.InviteContent{}, err
	}
	return email.InviteContent{Subject: p.Subject, Text: p.Text, HTML: p.HTML}, nil
}

func (d *Drip) preview(ctx context.Context, customer, step, contact string) (Preview, error) {
	c, err := d.st.FindCustomer(ctx, customer)
	if err != nil {
		return Preview{}, err
	}
	e, err := d.previewEnrollment(ctx, c, contact)
	if err != nil {
		return Preview{}, err
	}
	f, err := d.loadFacts(ctx, e)
	if err != nil {
		return Preview{}, err
	}
	seq, err := d.sequenceFor(e, f)
	if err != nil {
		return Preview{}, err
	}
	idx, err := stepIndex(seq, step)
	if err != nil {
		return Preview{}, err
	}
	st := seq.Steps[idx]
	data, err := d.inviteData(ctx, e, f, idx, st, true, &customerNames{})
	waiting := errors.Is(err, ErrAwaitingAffiliate) // shown without the link, and said so
	if err != nil && !waiting {
		return Preview{}, err
	}
	content, err := d.tmpl.Render(st.Template, data)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Customer: c.Label(), To: e.ContactEmail, Sequence: seq.Name, Step: st.Name, Day: st.Day, From: data.From,
		ReplyTo: data.ReplyTo, Subject: content.Subject, Text: content.Text, HTML: content.HTML}
	if p, err := d.personal(ctx, f, true, &customerNames{}); err == nil {
		pv.Personal = p.Status
	}
	if waiting {
		pv.Waiting = ErrAwaitingAffiliate.Error()
	}
	return pv, nil
}

// previewEnrollment is the enrollment a preview renders for: one to contact when given, else
// the customer's latest, else the one approving them would make (to the person to ask).
func (d *Drip) previewEnrollment(ctx context.Context, c advocate.Customer, contact string) (store.Enrollment, error) {
	e := store.Enrollment{CustomerID: c.ID, ContactEmail: contact, Sequence: "default", CreatedAt: d.now()}
	if contact != "" {
		return e, nil
	}
	es, err := d.st.CustomerEnrollments(ctx, c.ID)
	if err != nil {
		return e, err
	}
	if len(es) > 0 {
		return es[len(es)-1], nil
	}
	contacts, err := d.st.Contacts(ctx, c.ID)
	if err != nil {
		return e, err
	}
	who, ok := advocate.PickContact(contacts[c.ID])
	if !ok {
		return e, fmt.Errorf("customer %s has no contact we may email to preview an email to", c.Label())
	}
	e.ContactEmail = who.Email
	return e, nil
}

// stepIndex finds step (a name, a template or a 1-based number; "" is the first) in seq.
func stepIndex(seq *sequence, step string) (int, error) {
	if step == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(step); err == nil && n >= 1 && n <= len(seq.Steps) {
		return n - 1, nil
	}
	idx := -1
	for i, st := range seq.Steps {
		if st.Name == step || st.Template == step {
			idx = i
		}
	}
	if idx >= 0 {
		return idx, nil
	}
	names := make([]string, len(seq.Steps))
	for i, st := range seq.Steps {
		names[i] = st.Name
	}
	return 0, fmt.Errorf("sequence %s has no step %q (steps: %s, or 1-%d)", seq.Name, step, strings.Join(names, ", "), len(seq.Steps))
}
