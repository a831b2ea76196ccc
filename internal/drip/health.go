package drip

// The health pause: an active enrollment whose customer's current health_score (the value the
// score used, advocate.Sources) fell below alerts.health_below is paused and the CSM is told
// once; a person resumes it with `advocate drip resume CUSTOMER`. What was reported lives in
// the store's alert_state, so restarts and replicas agree.

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
)

// Health memory in alert_state, per enrollment.
const (
	healthKey = "health:" // + enrollment id
	// healthPaused: the drip paused the enrollment and alerted.
	healthPaused = "paused"
	// healthResumed: a person resumed it while health was still low; the drip does not pause
	// it again until health has recovered.
	healthResumed = "resumed"
)

func healthMemoryKey(enrollment int64) string { return healthKey + strconv.FormatInt(enrollment, 10) }

// checkHealth pauses every active enrollment whose customer's health is below
// alerts.health_below and alerts once per pause; once health has recovered it forgets the
// pause (or the resume), so a later drop pauses and alerts again. Un-pausing stays a human
// call. A dry run changes nothing. It returns the enrollments it paused (would pause).
func (d *Drip) checkHealth(ctx context.Context, dryRun bool) (map[int64]bool, error) {
	if d.cfg.Alerts.HealthBelow <= 0 {
		return nil, nil
	}
	es, err := d.st.Enrollments(ctx, "")
	if err != nil {
		return nil, err
	}
	known, err := d.st.AlertStates(ctx, healthKey)
	if err != nil {
		return nil, err
	}
	paused := map[int64]bool{}
	var errs []error
	for _, e := range es {
		key := healthMemoryKey(e.ID)
		state := known[key]
		if e.Status != "active" && state == "" {
			continue
		}
		health, low, err := d.lowHealth(ctx, e.CustomerID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case low && state == "" && e.Status == "active":
			paused[e.ID] = true
			if !dryRun {
				errs = append(errs, d.pause(ctx, e, health))
			}
		case !low && state != "" && !dryRun:
			errs = append(errs, d.st.SetAlertState(ctx, key, ""))
		}
	}
	return paused, errors.Join(errs...)
}

// lowHealth is the customer's current health_score and whether it is below the threshold; a
// customer no source reports a fresh score for is not low.
func (d *Drip) lowHealth(ctx context.Context, customerID string) (float64, bool, error) {
	vals, err := d.st.LatestSignals(ctx, customerID)
	if err != nil {
		return 0, false, err
	}
	v, ok := d.sources.Value(vals, "health_score", d.now())
	return v, ok && v < d.cfg.Alerts.HealthBelow, nil
}

// pause alerts, pauses the enrollment, then remembers the pause. In that order: if a later
// step fails, the next check alerts again rather than never.
func (d *Drip) pause(ctx context.Context, e store.Enrollment, health float64) error {
	if err := d.raise(ctx, AlertHealthDrop, d.healthText(ctx, e, health)); err != nil {
		return err
	}
	if err := d.st.SetEnrollmentStatus(ctx, e.ID, "paused"); err != nil {
		return err
	}
	d.log.Info("drip: enrollment paused: health dropped", "enrollment", e.ID, "customer", e.CustomerID, "health_score", health)
	return d.st.SetAlertState(ctx, healthMemoryKey(e.ID), healthPaused)
}

// healthText is the alert (Slack mrkdwn): who, how low, whose emails, the CSM, how to resume.
func (d *Drip) healthText(ctx context.Context, e store.Enrollment, health float64) string {
	c, err := d.st.FindCustomer(ctx, e.CustomerID)
	if err != nil {
		c = advocate.Customer{ID: e.CustomerID}
	}
	text := fmt.Sprintf("*%s*: health score %g is below %g, so the onboarding emails to %s are paused.",
		slack.Escape(c.Label()), health, d.cfg.Alerts.HealthBelow, slack.Escape(e.ContactEmail))
	if c.Owner != "" {
		mention := slack.Escape(c.Owner)
		if d.mentions != nil {
			if m := d.mentions.Mention(ctx, c.Owner); m != "" {
				mention = m
			}
		}
		text += " " + mention + ", worth a look before they resume."
	}
	return text + fmt.Sprintf(" Resume with `advocate drip resume %s`.", slack.Escape(advocate.FirstNonBlank(c.Domain, c.ID)))
}

// Resume sets a customer's paused enrollments (customer is an id or a domain) active again and
// clears their pause memory, so a later health drop pauses and alerts again. When health is
// still below the threshold, the person's decision is remembered instead, and the drip does
// not pause them again until health has recovered. It returns how many it resumed; a customer
// with no paused enrollment is an error.
func (d *Drip) Resume(ctx context.Context, customer string) (int, error) {
	c, es, err := d.customerEnrollments(ctx, customer)
	if err != nil {
		return 0, err
	}
	_, low, err := d.lowHealth(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	memory := ""
	if low && d.cfg.Alerts.HealthBelow > 0 {
		memory = healthResumed
	}
	n := 0
	for _, e := range es {
		if e.Status != "paused" {
			continue
		}
		if err := d.st.SetEnrollmentStatus(ctx, e.ID, "active"); err != nil {
			return n, err
		}
		if err := d.st.SetAlertState(ctx, healthMemoryKey(e.ID), memory); err != nil {
			return n, err
		}
		n++
		d.log.Info("drip: enrollment resumed", "enrollment", e.ID, "customer", c.ID)
	}
	if n == 0 {
		return 0, fmt.Errorf("%s has no paused enrollment (see `advocate drip status`)", c.Label())
	}
	return n, nil
}
