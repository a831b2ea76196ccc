package alerts

import (
	"context"
	"errors"
	"fmt"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/slack"
)

// States remembered in the store's alert_state, by key prefix. (The drip keeps its health
// pauses there too, under "health:".)
const (
	connectorKey = "connector:" // + connector name -> "failing"
	stateFailing = "failing"
)

// Check looks for conditions to alert on and queues one alert per change: a connector that
// reached ConnectorFailures failures in a row, and a connector that recovered after that. A
// condition already reported is not reported again until it ends; the memory lives in the
// store, so restarts and replicas agree. (Health drops of enrolled advocates are the drip's:
// it pauses their emails and raises KindHealthDrop through Alert.)
func (a *Alerter) Check(ctx context.Context) error {
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
