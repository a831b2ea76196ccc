package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Alert is one queued Slack alert.
type Alert struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// QueueAlert stores an alert for the next digest.
func (s *Store) QueueAlert(ctx context.Context, kind, text string) (Alert, error) {
	a := Alert{Kind: kind, Text: text}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		a.CreatedAt = now
		return tx.GetContext(ctx, &a.ID, s.q("InsertAlert"), kind, text, now)
	})
	if err != nil {
		return a, fmt.Errorf("queue %s alert: %w", kind, err)
	}
	return a, nil
}

// PendingAlerts returns unsent alerts, oldest first, at most limit (<= 0: all).
func (s *Store) PendingAlerts(ctx context.Context, limit int) ([]Alert, error) {
	q, args := s.q("PendingAlerts"), []any{}
	if limit > 0 {
		q, args = s.q("PendingAlertsLimit"), []any{limit}
	}
	out, err := collect(ctx, s.db, func(r rowScanner) (Alert, error) {
		var a Alert
		err := r.Scan(&a.ID, &a.Kind, &a.Text, &a.CreatedAt)
		a.CreatedAt = a.CreatedAt.UTC()
		return a, err
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read pending alerts: %w", err)
	}
	return out, nil
}

// MarkAlertsSent marks alerts as delivered.
func (s *Store) MarkAlertsSent(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if err := s.execIn(ctx, tx, "MarkAlertsSent", now, ids); err != nil {
			return fmt.Errorf("mark %d alerts sent: %w", len(ids), err)
		}
		return nil
	})
}

// AlertStates returns every remembered alert state whose key starts with prefix.
func (s *Store) AlertStates(ctx context.Context, prefix string) (map[string]string, error) {
	out, err := pairs[string, string](ctx, s.db, s.q("AlertStates"), len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("read alert state: %w", err)
	}
	return out, nil
}

// SetAlertState remembers what was last alerted about key; an empty state forgets it.
func (s *Store) SetAlertState(ctx context.Context, key, state string) error {
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var err error
		if state == "" {
			_, err = tx.ExecContext(ctx, s.q("DeleteAlertState"), key)
		} else {
			_, err = tx.ExecContext(ctx, s.q("SetAlertState"), key, state, now)
		}
		if err != nil {
			return fmt.Errorf("set alert state %s: %w", key, err)
		}
		return nil
	})
}
