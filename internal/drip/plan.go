package drip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/llm"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
)

// PlanStats says what one Plan did (or, in a dry run, would do).
type PlanStats struct {
	Enqueued int       // emails put in the outbox
	Ended    int       // enrollments stopped or completed
	Planned  []Planned // each email enqueued (or due, in a dry run)
}

// Planned is one email a plan put (or would put) in the outbox.
type Planned struct {
	EnrollmentID int64     `json:"enrollment_id"`
	CustomerID   string    `json:"customer_id"`
	Customer     string    `json:"customer"`
	To           string    `json:"to"`
	Sequence     string    `json:"sequence"`
	Step         string    `json:"step"`
	Subject      string    `json:"subject"`
	DueAt        time.Time `json:"due_at"`
}

// facts is what the drip knows about one enrollment's customer.
type facts struct {
	customer advocate.Customer
	contact  advocate.Contact // zero Email when the CRM has no such contact
	signals  map[string]float64
	reasons  []string
	env      map[string]any // for stop and selection expressions
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
	values, err := d.st.LatestSignals(ctx, c.ID)
	if err != nil {
		return f, err
	}
	f.signals = map[string]float64{}
	for name, v := range d.sources.Current(values, d.now()) {
		if !v.Stale { // a stale value is missing to the score, so it is to the drip's conditions too
			f.signals[name] = v.Value
		}
	}
	if hist, err := d.st.ScoreHistory(ctx, c.ID, 1); err == nil && len(hist) > 0 {
		f.reasons = hist[0].Reasons
		if len(f.reasons) > 3 {
			f.reasons = f.reasons[:3]
		}
	}
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

// sequenceFor picks the enrollment's sequence: the one it was first planned with; else one it
// names explicitly (other than "default"); else the first whose `when` matches; else the first
// without `when`.
func (d *Drip) sequenceFor(e store.Enrollment, f facts) (*sequence, error) {
	find := func(name string) *sequence {
		for i := range d.seqs {
			if d.seqs[i].Name == name {
				return &d.seqs[i]
			}
		}
		return nil
	}
	if e.DripSequence != "" {
		if s := find(e.DripSequence); s != nil {
			return s, nil
		}
		return nil, fmt.Errorf("sequence %q is no longer in the config", e.DripSequence)
	}
	if e.Sequence != "default" {
		if s := find(e.Sequence); s != nil {
			return s, nil
		}
	}
	for i := range d.seqs {
		if s := &d.seqs[i]; s.when != nil && s.when.matches(f.env) {
			return s, nil
		}
	}
	for i := range d.seqs {
		if d.seqs[i].when == nil {
			return &d.seqs[i], nil
		}
	}
	return nil, errors.New("no sequence matches and none is a fallback")
}

// Plan looks at every active enrollment once: it ends the ones that must stop (opted out in
// the CRM, suppressed, joined, a failed delivery, the sequence done) and puts each step that
// is due now into the outbox, rendered. Paused enrollments are left alone. A dry run changes
// nothing and calls no LLM; it reports what would be enqueued.
func (d *Drip) Plan(ctx context.Context, dryRun bool) (PlanStats, error) {
	var ps PlanStats
	es, err := d.st.Enrollments(ctx, "active")
	if err != nil {
		return ps, err
	}
	if len(es) == 0 {
		return ps, nil
	}
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	rows, err := d.st.OutboxEmails(ctx, store.OutboxFilter{EnrollmentIDs: ids})
	if err != nil {
		return ps, err
	}
	byEnrollment := map[int64]map[string]store.OutboxEmail{}
	for _, r := range rows {
		if byEnrollment[r.EnrollmentID] == nil {
			byEnrollment[r.EnrollmentID] = map[string]store.OutboxEmail{}
		}
		byEnrollment[r.EnrollmentID][r.Key] = r
	}
	var others *[]string // every customer's name, loaded once if the LLM needs them
	var errs []error
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return ps, err
		}
		if err := d.planOne(ctx, e, byEnrollment[e.ID], dryRun, &ps, &others); err != nil {
			// One bad enrollment (a customer deleted, a template error) must not hold the rest.
			d.log.Error("drip: plan enrollment", "enrollment", e.ID, "customer", e.CustomerID, "err", err)
			errs = append(errs, fmt.Errorf("enrollment %d: %w", e.ID, err))
		}
	}
	return ps, errors.Join(errs...)
}

func stepKey(enrollment int64, step string) string { return fmt.Sprintf("e%d/%s", enrollment, step) }

func (d *Drip) planOne(ctx context.Context, e store.Enrollment, have map[string]store.OutboxEmail, dryRun bool, ps *PlanStats, others **[]string) error {
	f, err := d.loadFacts(ctx, e)
	if err != nil {
		return err
	}
	end := func(status, reason string) error {
		if dryRun {
			ps.Ended++
			return nil
		}
		ended, err := d.st.EndEnrollment(ctx, e.ID, status, reason)
		if err != nil {
			return err
		}
		if ended {
			ps.Ended++
			d.log.Info("drip: enrollment ended", "enrollment", e.ID, "customer", e.CustomerID, "status", status, "reason", reason)
			if status == "completed" {
				d.alert(ctx, AlertOnboardingFinished, fmt.Sprintf("%s: onboarding finished (%s).", f.customer.Label(), reason))
			}
		}
		return nil
	}
	// Consent and the joined signal first: they hold whatever step is next.
	if f.contact.OptedOut {
		return end("stopped", "opted out in the CRM")
	}
	if why, err := d.st.Suppression(ctx, e.ContactEmail); err != nil {
		return err
	} else if why != "" {
		return end("stopped", "suppressed: "+why)
	}
	for _, s := range d.stops {
		if s.matches(f.env) {
			return end("completed", "joined: "+s.text)
		}
	}

	seq, err := d.sequenceFor(e, f)
	if err != nil {
		return err
	}
	if e.DripSequence == "" && !dryRun {
		chosen, err := d.st.SetDripSequence(ctx, e.ID, seq.Name)
		if err != nil {
			return err
		}
		if chosen != seq.Name { // another replica chose first
			return nil
		}
	}

	// The next step is the first without an outbox row; it waits for the one before it.
	var prev *store.OutboxEmail
	next := -1
	for i, st := range seq.Steps {
		row, ok := have[stepKey(e.ID, st.Name)]
		if !ok {
			next = i
			break
		}
		prev = &row
	}
	if prev != nil {
		switch prev.Status {
		case "pending", "sending":
			return nil // still on its way
		case "failed":
			return end("stopped", "delivery failed: "+prev.LastError)
		case "cancelled":
			return end("stopped", "email not sent: "+prev.LastError)
		}
	}
	if next < 0 {
		return end("completed", "sequence finished")
	}
	step := seq.Steps[next]
	tm := d.timing(seq, f.customer)
	var prevSent time.Time
	if prev != nil && prev.SentAt != nil {
		prevSent = *prev.SentAt
	}
	due := tm.StepDue(e.CreatedAt, step.Day, prevSent)
	now := d.now()
	if now.Before(due) {
		return nil
	}
	if d.cfg.Server.PublicURL == "" && !dryRun {
		return errors.New("server.public_url is not set: every email needs its unsubscribe link, so none is sent")
	}

	data, err := d.inviteData(ctx, e, f, next, step, dryRun, others)
	if err != nil {
		return err
	}
	content, err := email.RenderStepContent(step.Template, data)
	if err != nil {
		return err
	}
	p := Planned{EnrollmentID: e.ID, CustomerID: f.customer.ID, Customer: f.customer.Name, To: strings.ToLower(e.ContactEmail),
		Sequence: seq.Name, Step: step.Name, Subject: content.Subject, DueAt: due}
	if dryRun {
		ps.Planned = append(ps.Planned, p)
		return nil
	}
	created, err := d.st.EnqueueEmail(ctx, store.OutboxEmail{
		Key: stepKey(e.ID, step.Name), EnrollmentID: e.ID, Step: next,
		From: data.From, ReplyTo: data.ReplyTo, To: e.ContactEmail, ToName: data.ContactName,
		Subject: content.Subject, Text: content.Text, HTML: content.HTML, UnsubscribeURL: data.UnsubscribeURL,
		MessageID: data.MessageID, DueAt: due,
	}, now)
	if err != nil {
		return err
	}
	if created {
		ps.Enqueued++
		ps.Planned = append(ps.Planned, p)
	}
	return nil
}

// timing is the sequence's timing in the recipient's zone when the customer has a valid one.
func (d *Drip) timing(seq *sequence, c advocate.Customer) Timing {
	t := Timing{Loc: seq.loc, Window: seq.window, BusinessDays: *seq.BusinessDays, MinGap: d.d.Duration(d.d.MinGap)}
	if attr := d.d.TimezoneAttribute; attr != "-" {
		if z := strings.TrimSpace(c.Attributes[attr]); z != "" {
			if loc, err := time.LoadLocation(z); err == nil {
				t.Loc = loc
			}
		}
	}
	return t
}

// inviteData gathers what a step's templates see. step is the index in the sequence.
func (d *Drip) inviteData(ctx context.Context, e store.Enrollment, f facts, step int, st config.DripStep, dryRun bool, others **[]string) (email.InviteData, error) {
	c := f.customer
	data := email.InviteData{
		From:           d.cfg.Email.From,
		ReplyTo:        d.cfg.Email.ReplyTo,
		ProgramURL:     d.cfg.Email.ProgramURL,
		ReferralURL:    c.Attributes["referral_url"],
		UnsubscribeURL: d.signer.URL(d.publicURL(), e.ContactEmail),
		CustomerName:   c.Name,
		ContactName:    f.contact.Name,
		ContactEmail:   e.ContactEmail,
		CSMName:        c.Attributes["owner_name"],
		CSMEmail:       c.Owner,
		Highlights:     f.reasons,
		Attributes:     c.Attributes,
		Signals:        f.signals,
		MessageID:      d.messageID(e.ID, step),
		Date:           d.now(),
	}
	if data.CustomerName == "" {
		data.CustomerName = c.Domain
	}
	if data.CSMName == "" && c.Owner != "" {
		data.CSMName = nameFromAddress(c.Owner)
	}
	if st.From == "csm" && c.Owner != "" {
		data.ReplyTo = c.Owner
		if sameDomain(c.Owner, d.cfg.Email.From) {
			data.From = (&mail.Address{Name: data.CSMName, Address: c.Owner}).String()
		}
	}
	if st.Template == "invite" { // the LLM paragraph is for the invitation only
		p, err := d.personal(ctx, f, dryRun, others)
		if err != nil {
			return data, err
		}
		data.Personal = p.Text
	}
	return data, nil
}

func (d *Drip) publicURL() string {
	if u := d.cfg.Server.PublicURL; u != "" {
		return u
	}
	// Previews and dry runs without a public URL: a link to the local server.
	host := d.cfg.Server.Listen
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	return "http://" + host
}

// messageID is a new, unique Message-ID for one step of one enrollment; the outbox row keeps
// it, so every resend of that row carries the same one.
func (d *Drip) messageID(enrollment int64, step int) string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("drip.%d.%d.%s@%s", enrollment, step, hex.EncodeToString(b), d.idDomain)
}

func sameDomain(addr, from string) bool {
	a, err1 := mail.ParseAddress(from)
	if err1 != nil {
		return false
	}
	_, d1, _ := strings.Cut(strings.ToLower(addr), "@")
	_, d2, _ := strings.Cut(strings.ToLower(a.Address), "@")
	return d1 != "" && d1 == d2
}

// nameFromAddress guesses a display name from an address: "sam.rivera@x" -> "Sam Rivera".
func nameFromAddress(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
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
	var others *[]string
	return d.personal(ctx, f, false, &others)
}

func (d *Drip) personal(ctx context.Context, f facts, dryRun bool, others **[]string) (store.Personalization, error) {
	p, err := d.st.GetPersonalization(ctx, f.customer.ID)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
	if d.llm == nil {
		return store.Personalization{CustomerID: f.customer.ID, Status: "fallback: no LLM configured"}, nil
	}
	if dryRun {
		return store.Personalization{CustomerID: f.customer.ID, Status: "fallback: dry run"}, nil
	}
	if *others == nil {
		all, err := d.st.Customers(ctx)
		if err != nil {
			return p, err
		}
		names := make([]string, 0, len(all))
		for _, c := range all {
			if c.ID != f.customer.ID {
				names = append(names, c.Name)
			}
		}
		*others = &names
	}
	lf := llm.Facts{CustomerName: f.customer.Name, ContactName: f.contact.Name, Industry: f.customer.Attributes["industry"],
		Plan: f.customer.Attributes["plan"], UseCase: f.customer.Attributes["use_case"], Highlights: f.reasons, Signals: map[string]float64{}}
	if t, ok := f.signals["tenure_days"]; ok {
		lf.TenureDays = int(t)
	} else if since, err := time.Parse("2006-01-02", f.customer.Attributes["customer_since"]); err == nil {
		lf.TenureDays = int(d.now().Sub(since).Hours() / 24)
	}
	for _, k := range []string{"nps", "active_users", "seats", "usage_trend", "health_score", "csat"} {
		if v, ok := f.signals[k]; ok {
			lf.Signals[k] = v
		}
	}
	text, err := d.llm.Paragraph(ctx, lf, **others)
	rec := store.Personalization{CustomerID: f.customer.ID, Text: text, Status: "ok", Model: d.llm.Model()}
	if err != nil {
		d.log.Warn("drip: LLM paragraph not used; the template's text is", "customer", f.customer.ID, "err", err)
		rec.Text, rec.Status = "", "fallback: "+advocate.ClipBytes(err.Error(), 300)
	}
	return d.st.SavePersonalization(ctx, rec)
}

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
}

// Preview renders a step of the customer's sequence (its enrollment's, or the one it would get).
func (d *Drip) Preview(ctx context.Context, customer, step string) (Preview, error) {
	return d.preview(ctx, customer, step, "")
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
	es, err := d.st.CustomerEnrollments(ctx, c.ID)
	if err != nil {
		return Preview{}, err
	}
	var e store.Enrollment
	switch {
	case contact != "":
		e = store.Enrollment{CustomerID: c.ID, ContactEmail: contact, Sequence: "default", CreatedAt: d.now()}
	case len(es) > 0:
		e = es[len(es)-1]
	default:
		contacts, err := d.st.Contacts(ctx, c.ID)
		if err != nil {
			return Preview{}, err
		}
		e = store.Enrollment{CustomerID: c.ID, Sequence: "default", CreatedAt: d.now()}
		for _, ct := range contacts[c.ID] {
			if e.ContactEmail == "" || (ct.Champion && !ct.OptedOut) {
				e.ContactEmail = ct.Email
			}
		}
		if e.ContactEmail == "" {
			return Preview{}, fmt.Errorf("customer %s has no contact to preview an email to", c.Label())
		}
	}
	f, err := d.loadFacts(ctx, e)
	if err != nil {
		return Preview{}, err
	}
	seq, err := d.sequenceFor(e, f)
	if err != nil {
		return Preview{}, err
	}
	idx := 0
	if step != "" {
		idx = -1
		for i, st := range seq.Steps {
			if st.Name == step || st.Template == step {
				idx = i
			}
		}
		if n, err := strconv.Atoi(step); err == nil && n >= 1 && n <= len(seq.Steps) {
			idx = n - 1
		}
		if idx < 0 {
			names := make([]string, len(seq.Steps))
			for i, st := range seq.Steps {
				names[i] = st.Name
			}
			return Preview{}, fmt.Errorf("sequence %s has no step %q (steps: %s, or 1-%d)", seq.Name, step, strings.Join(names, ", "), len(seq.Steps))
		}
	}
	st := seq.Steps[idx]
	var others *[]string
	data, err := d.inviteData(ctx, e, f, idx, st, true, &others)
	if err != nil {
		return Preview{}, err
	}
	content, err := email.RenderStepContent(st.Template, data)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Customer: c.Label(), To: e.ContactEmail, Sequence: seq.Name, Step: st.Name, Day: st.Day, From: data.From,
		ReplyTo: data.ReplyTo, Subject: content.Subject, Text: content.Text, HTML: content.HTML}
	if p, err := d.st.GetPersonalization(ctx, c.ID); err == nil {
		pv.Personal = p.Status
	}
	return pv, nil
}
