package drip

// The plan state machine. Per active enrollment, in order: stop conditions (consent, the
// joined signal), the sequence, the previous step's outcome, the next step's due time; a due
// step is rendered and put in the outbox. The health pause (health.go) runs first.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
)

// PlanStats says what one Plan did (or, in a dry run, would do).
type PlanStats struct {
	Enqueued int // emails put in the outbox
	Ended    int // enrollments stopped or completed
	Paused   int // enrollments paused because their customer's health dropped
	// AwaitingAffiliate counts enrollments whose due step waits for the affiliate platform's
	// referral link (ErrAwaitingAffiliate); they are planned again on the next pass.
	AwaitingAffiliate int
	Planned           []Planned // each email enqueued (or due, in a dry run)
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

// planRun is one Plan pass: its mode, what it found in the outbox, and what it did.
type planRun struct {
	dryRun bool
	rows   map[int64]map[string]store.OutboxEmail // outbox rows by enrollment, then step key
	others *customerNames
	stats  PlanStats
}

// Plan looks at every active enrollment once: it pauses the ones whose customer's health
// dropped, ends the ones that must stop (opted out in the CRM, suppressed, joined, a failed
// delivery, the sequence done) and puts each step that is due now into the outbox, rendered.
// Paused enrollments are left alone. A dry run changes nothing and calls no LLM; it reports
// what would be enqueued, ended and paused.
func (d *Drip) Plan(ctx context.Context, dryRun bool) (PlanStats, error) {
	r := &planRun{dryRun: dryRun, others: &customerNames{}}
	unhealthy, healthErr := d.checkHealth(ctx, dryRun)
	r.stats.Paused = len(unhealthy)
	es, err := d.st.Enrollments(ctx, "active")
	if err != nil || len(es) == 0 {
		return r.stats, errors.Join(healthErr, err)
	}
	if r.rows, err = d.outboxRows(ctx, es); err != nil {
		return r.stats, errors.Join(healthErr, err)
	}
	errs := []error{healthErr}
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return r.stats, err
		}
		if unhealthy[e.ID] {
			continue
		}
		if err := d.planOne(ctx, r, e); err != nil {
			// One bad enrollment (a customer deleted, a template error) must not hold the rest.
			d.log.Error("drip: plan enrollment", "enrollment", e.ID, "customer", e.CustomerID, "err", err)
			errs = append(errs, fmt.Errorf("enrollment %d: %w", e.ID, err))
		}
	}
	return r.stats, errors.Join(errs...)
}

// outboxRows loads the outbox rows of the enrollments, by enrollment and step key.
func (d *Drip) outboxRows(ctx context.Context, es []store.Enrollment) (map[int64]map[string]store.OutboxEmail, error) {
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	rows, err := d.st.OutboxEmails(ctx, store.OutboxFilter{EnrollmentIDs: ids})
	if err != nil {
		return nil, err
	}
	out := map[int64]map[string]store.OutboxEmail{}
	for _, r := range rows {
		if out[r.EnrollmentID] == nil {
			out[r.EnrollmentID] = map[string]store.OutboxEmail{}
		}
		out[r.EnrollmentID][r.Key] = r
	}
	return out, nil
}

func stepKey(enrollment int64, step string) string { return fmt.Sprintf("e%d/%s", enrollment, step) }

// planOne moves one enrollment on: ends it, leaves it waiting, or enqueues its due step.
func (d *Drip) planOne(ctx context.Context, r *planRun, e store.Enrollment) error {
	f, err := d.loadFacts(ctx, e)
	if err != nil {
		return err
	}
	// Consent and the joined signal first: they hold whatever step is next.
	if status, reason, err := d.stopReason(ctx, e, f); err != nil || status != "" {
		return errors.Join(err, d.end(ctx, r, e, f, status, reason))
	}
	seq, err := d.sequenceFor(e, f)
	if err != nil {
		return err
	}
	if e.DripSequence == "" && !r.dryRun {
		chosen, err := d.st.SetDripSequence(ctx, e.ID, seq.Name)
		if err != nil || chosen != seq.Name { // another replica chose first
			return err
		}
	}
	next, prev := nextStep(seq, r.rows[e.ID], e.ID)
	if wait, status, reason := afterPrevious(prev); wait {
		return nil
	} else if status != "" {
		return d.end(ctx, r, e, f, status, reason)
	}
	if next < 0 {
		return d.end(ctx, r, e, f, "completed", "sequence finished")
	}
	var prevSent time.Time
	if prev != nil && prev.SentAt != nil {
		prevSent = *prev.SentAt
	}
	due := d.timing(seq, f.customer).StepDue(e.CreatedAt, seq.Steps[next].Day, prevSent)
	if d.now().Before(due) {
		return nil
	}
	return d.enqueue(ctx, r, e, f, seq, next, due)
}

// stopReason says whether the enrollment must end before its next step, and how: the contact
// opted out in the CRM or is suppressed (stopped), or a stop_when condition says the advocate
// joined (completed). An empty status means carry on.
func (d *Drip) stopReason(ctx context.Context, e store.Enrollment, f facts) (status, reason string, err error) {
	if f.contact.OptedOut {
		return "stopped", "opted out in the CRM", nil
	}
	why, err := d.st.Suppression(ctx, e.ContactEmail)
	if err != nil {
		return "", "", err
	}
	if why != "" {
		return "stopped", "suppressed: " + why, nil
	}
	for _, s := range d.stops {
		if s.matches(f.env) {
			return "completed", "joined: " + s.text, nil
		}
	}
	return "", "", nil
}

// nextStep is the index of the sequence's first step without an outbox row (-1: every step
// has one) and the row of the step before it (nil for the first).
func nextStep(seq *sequence, rows map[string]store.OutboxEmail, enrollment int64) (int, *store.OutboxEmail) {
	var prev *store.OutboxEmail
	for i, st := range seq.Steps {
		row, ok := rows[stepKey(enrollment, st.Name)]
		if !ok {
			return i, prev
		}
		prev = &row
	}
	return -1, prev
}

// afterPrevious reads the previous step's outbox row: still on its way (wait), or failed or not
// sent (the enrollment ends with status and reason). Sent: carry on.
func afterPrevious(prev *store.OutboxEmail) (wait bool, status, reason string) {
	if prev == nil {
		return false, "", ""
	}
	switch prev.Status {
	case "pending", "sending":
		return true, "", ""
	case "failed":
		return false, "stopped", "delivery failed: " + prev.LastError
	case "cancelled":
		return false, "stopped", "email not sent: " + prev.LastError
	}
	return false, "", ""
}

// end stops or completes an enrollment (counted only, in a dry run); a completion tells the
// CSM.
func (d *Drip) end(ctx context.Context, r *planRun, e store.Enrollment, f facts, status, reason string) error {
	if status == "" {
		return nil
	}
	if r.dryRun {
		r.stats.Ended++
		return nil
	}
	ended, err := d.st.EndEnrollment(ctx, e.ID, status, reason)
	if err != nil || !ended {
		return err
	}
	r.stats.Ended++
	d.log.Info("drip: enrollment ended", "enrollment", e.ID, "customer", e.CustomerID, "status", status, "reason", reason)
	if status == "completed" {
		d.alert(ctx, AlertOnboardingFinished, fmt.Sprintf("%s: onboarding finished (%s).", f.customer.Label(), reason))
	}
	return nil
}

// enqueue renders step next of seq and puts it in the outbox (only records it, in a dry run).
func (d *Drip) enqueue(ctx context.Context, r *planRun, e store.Enrollment, f facts, seq *sequence, next int, due time.Time) error {
	if d.cfg.Server.PublicURL == "" && !r.dryRun {
		return errors.New("server.public_url is not set: every email needs its unsubscribe link, so none is sent")
	}
	step := seq.Steps[next]
	data, err := d.inviteData(ctx, e, f, next, step, r.dryRun, r.others)
	if errors.Is(err, ErrAwaitingAffiliate) {
		r.stats.AwaitingAffiliate++
		d.log.Info("drip: step waits for the affiliate link", "enrollment", e.ID, "customer", e.CustomerID, "step", step.Name)
		return nil
	}
	if err != nil {
		return err
	}
	content, err := d.tmpl.Render(step.Template, data)
	if err != nil {
		return err
	}
	p := Planned{EnrollmentID: e.ID, CustomerID: f.customer.ID, Customer: f.customer.Name, To: strings.ToLower(e.ContactEmail),
		Sequence: seq.Name, Step: step.Name, Subject: content.Subject, DueAt: due}
	if r.dryRun {
		r.stats.Planned = append(r.stats.Planned, p)
		return nil
	}
	created, err := d.st.EnqueueEmail(ctx, store.OutboxEmail{
		Key: stepKey(e.ID, step.Name), EnrollmentID: e.ID, Step: next,
		From: data.From, ReplyTo: data.ReplyTo, To: e.ContactEmail, ToName: data.ContactName,
		Subject: content.Subject, Text: content.Text, HTML: content.HTML, UnsubscribeURL: data.UnsubscribeURL,
		MessageID: data.MessageID, DueAt: due,
	}, d.now())
	if err != nil {
		return err
	}
	if created {
		r.stats.Enqueued++
		r.stats.Planned = append(r.stats.Planned, p)
	}
	return nil
}

// sequenceFor picks the enrollment's sequence: the one it was first planned with; else one it
// names explicitly (other than "default"); else the first whose `when` matches; else the first
// without `when`.
func (d *Drip) sequenceFor(e store.Enrollment, f facts) (*sequence, error) {
	if e.DripSequence != "" {
		if s := d.sequenceNamed(e.DripSequence); s != nil {
			return s, nil
		}
		return nil, fmt.Errorf("sequence %q is no longer in the config", e.DripSequence)
	}
	if e.Sequence != "default" {
		if s := d.sequenceNamed(e.Sequence); s != nil {
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

func (d *Drip) sequenceNamed(name string) *sequence {
	for i := range d.seqs {
		if d.seqs[i].Name == name {
			return &d.seqs[i]
		}
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
