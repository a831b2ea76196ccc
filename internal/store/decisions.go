package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/jmoiron/sqlx"
)

// Decision is what a CSM decided about a candidate.
type Decision struct {
	ID         int64      `json:"id"`
	CustomerID string     `json:"customer_id"`
	Kind       string     `json:"kind"` // approve | skip | snooze
	DecidedBy  string     `json:"decided_by"`
	DecidedAt  time.Time  `json:"decided_at"`
	Until      *time.Time `json:"until,omitempty"`
	Week       string     `json:"week,omitempty"`
	Via        string     `json:"via"` // cli | slack
}

func checkDecisionKind(kind string) error {
	if _, err := advocate.ParseDecisionKind(kind); err != nil {
		return fmt.Errorf("record decision: %w", err)
	}
	return nil
}

// RecordDecision appends a decision; the newest per customer is the one in force.
func (s *Store) RecordDecision(ctx context.Context, d Decision) (Decision, error) {
	if err := checkDecisionKind(d.Kind); err != nil {
		return d, err
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if d.DecidedAt.IsZero() {
			d.DecidedAt = now
		}
		if d.Via == "" {
			d.Via = "cli"
		}
		return tx.GetContext(ctx, &d.ID, s.q("InsertDecision"), d.CustomerID, d.Kind, d.DecidedBy, d.DecidedAt, d.Until, d.Week, d.Via)
	})
	if err != nil {
		return d, fmt.Errorf("record %s of %s: %w", d.Kind, d.CustomerID, err)
	}
	return d, nil
}

// RecordSlackDecision records a decision made with a Slack button. The first one per customer
// and shortlist week wins: a repeated click (or a second CSM) gets the decision already in
// force back with created=false, so a double click is one decision.
func (s *Store) RecordSlackDecision(ctx context.Context, d Decision) (Decision, bool, error) {
	if err := checkDecisionKind(d.Kind); err != nil {
		return d, false, err
	}
	if d.Week == "" {
		return d, false, fmt.Errorf("record slack decision of %s: no week", d.CustomerID)
	}
	d.Via = "slack"
	var created bool
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if d.DecidedAt.IsZero() {
			d.DecidedAt = now
		}
		res, err := tx.ExecContext(ctx, s.q("InsertSlackDecision"), d.CustomerID, d.Kind, d.DecidedBy, d.DecidedAt, d.Until, d.Week)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		var until sql.NullTime
		if err := tx.QueryRowContext(ctx, s.q("SlackDecision"), d.CustomerID, d.Week).Scan(&d.ID, &d.Kind, &d.DecidedBy, &d.DecidedAt, &until); err != nil {
			return err
		}
		d.DecidedAt, d.Until = d.DecidedAt.UTC(), nullTime(until)
		return nil
	})
	if err != nil {
		return d, false, fmt.Errorf("record %s of %s: %w", d.Kind, d.CustomerID, err)
	}
	return d, created, nil
}

// LatestDecisions returns the decision in force per customer.
func (s *Store) LatestDecisions(ctx context.Context) (map[string]Decision, error) {
	out := map[string]Decision{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var d Decision
		var until sql.NullTime
		if err := r.Scan(&d.ID, &d.CustomerID, &d.Kind, &d.DecidedBy, &d.DecidedAt, &until, &d.Week, &d.Via); err != nil {
			return err
		}
		d.DecidedAt, d.Until = d.DecidedAt.UTC(), nullTime(until)
		out[d.CustomerID] = d
		return nil
	}, s.q("LatestDecisions"))
	if err != nil {
		return nil, fmt.Errorf("read decisions: %w", err)
	}
	return out, nil
}

// DecisionsOf returns the decision in force for each of ids that has one.
func (s *Store) DecisionsOf(ctx context.Context, ids []string) (map[string]Decision, error) {
	all, err := s.LatestDecisions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Decision{}
	for _, id := range ids {
		if d, ok := all[id]; ok {
			out[id] = d
		}
	}
	return out, nil
}

// LastAsked returns, per customer, the newest time anyone asked them to advocate: an
// enrollment in any sequence, or an approval. Customers never asked are absent.
func (s *Store) LastAsked(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var id string
		var at time.Time
		if err := r.Scan(&id, &at); err != nil {
			return err
		}
		if at = at.UTC(); at.After(out[id]) {
			out[id] = at
		}
		return nil
	}, s.q("AskedTimes"))
	if err != nil {
		return nil, fmt.Errorf("read when customers were last asked: %w", err)
	}
	return out, nil
}
