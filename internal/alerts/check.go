package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/slack"
)

// States remembered in the store's alert_state, by key prefix.
const (
	connectorKey = "connector:" // + connector name -> "failing"
	healthKey    = "health:"    // + enrollment id -> "paused"
	stateFailing = "failing"
	statePaused  = "paused"
)

// Check looks for conditions to alert on and queues one alert per change: a connector that
// reached ConnectorFailures failures in a row, a connector that recovered after that, and an
// active enrollment whose customer's health_score fell below HealthBelow (the enrollment is
// paused and the CSM mentioned). A condition already reported is not reported again until it
// ends; the memory lives in the store, so restarts and replicas agree.
func (a *Alerter) Check(ctx context.Context) error {
	return errors.Join(a.checkConnectors(ctx), a.checkHealth(ctx))
}

func (a *Alerter) checkConnectors(ctx context.Context) error {
	states, err := a.o.Store.SyncStates(ctx)
	if err != nil {
		return err
	}
	known, err := a.o.Store.AlertStates(ctx, connectorKey)
	if err != nil {
		return err
	}
	var errs []error
	for name, st := range states {
		key := connectorKey + name
		alerted := known[key] == stateFailing
		switch {
		case st.ConsecutiveFailures >= a.o.ConnectorFailures && !alerted:
			text := fmt.Sprintf("`%s` failed %d runs in a row. Last error: %s", slack.Escape(name), st.ConsecutiveFailures,
				slack.Escape(advocate.Clip(advocate.FirstLine(st.LastError), 300)))
			if st.LastSuccessAt != nil {
				text += fmt.Sprintf("\nLast good sync %s; its data is getting stale.", st.LastSuccessAt.Format("2006-01-02 15:04 MST"))
			}
			errs = append(errs, a.raise(ctx, key, stateFailing, KindConnectorFailing, text))
		case st.ConsecutiveFailures == 0 && alerted:
			errs = append(errs, a.raise(ctx, key, "", KindConnectorRecovered,
				fmt.Sprintf("`%s` synced successfully again.", slack.Escape(name))))
		}
	}
	return errors.Join(errs...)
}

// raise queues the alert and then remembers the new state. Queue first: if remembering fails,
// the next run alerts again rather than never.
func (a *Alerter) raise(ctx context.Context, key, state, kind, text string) error {
	if err := a.Alert(ctx, kind, text); err != nil {
		return err
	}
	return a.o.Store.SetAlertState(ctx, key, state)
}

func (a *Alerter) checkHealth(ctx context.Context) error {
	if a.o.HealthBelow <= 0 {
		return nil
	}
	enrollments, err := a.o.Store.Enrollments(ctx, "")
	if err != nil {
		return err
	}
	known, err := a.o.Store.AlertStates(ctx, healthKey)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range enrollments {
		key := healthKey + strconv.FormatInt(e.ID, 10)
		paused := known[key] == statePaused
		if e.Status != "active" && !paused {
			continue
		}
		health, ok, err := a.health(ctx, e.CustomerID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case ok && health < a.o.HealthBelow && !paused && e.Status == "active":
			if err := a.o.Store.SetEnrollmentStatus(ctx, e.ID, "paused"); err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, a.raise(ctx, key, statePaused, KindHealthDrop, a.healthText(ctx, e.CustomerID, e.ContactEmail, health)))
		case paused && (!ok || health >= a.o.HealthBelow):
			// Recovered: forget, so a later drop alerts again. Resuming the drip stays a human
			// call (`advocate drip`), so nothing is un-paused here.
			errs = append(errs, a.o.Store.SetAlertState(ctx, key, ""))
		}
	}
	return errors.Join(errs...)
}

// health is the customer's current health_score (advocate.Sources: the value the score used);
// ok is false when no source reports a fresh one.
func (a *Alerter) health(ctx context.Context, customerID string) (float64, bool, error) {
	vals, err := a.o.Store.LatestSignals(ctx, customerID)
	if err != nil {
		return 0, false, err
	}
	now := time.Now()
	if a.o.Now != nil {
		now = a.o.Now()
	}
	v, ok := a.o.Sources.Value(vals, "health_score", now)
	return v, ok, nil
}

func (a *Alerter) healthText(ctx context.Context, customerID, contact string, health float64) string {
	name, owner := customerID, ""
	if c, err := a.o.Store.FindCustomer(ctx, customerID); err == nil {
		name, owner = slack.Escape(advocate.FirstNonBlank(c.Name, c.Domain, c.ID)), c.Owner
	}
	text := fmt.Sprintf("*%s*: health score %g is below %g, so the onboarding emails to %s are paused.",
		name, health, a.o.HealthBelow, slack.Escape(contact))
	if owner != "" {
		mention := slack.Escape(owner)
		if a.o.Users != nil {
			mention = a.o.Users.Mention(ctx, owner)
		}
		text += " " + mention + ", worth a look before they resume."
	}
	return text
}
