package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// WebhookEvent is one affiliate-platform webhook event Advocate accepted.
type WebhookEvent struct {
	Platform   string     `json:"platform"`
	ID         string     `json:"id"`
	Type       string     `json:"type,omitempty"`
	OccurredAt *time.Time `json:"occurred_at,omitempty"` // as the platform says; nil when not given
	ReceivedAt time.Time  `json:"received_at"`
}

// RecordWebhookEvent stores e unless an event with its platform and id is stored already; isNew
// says whether it was stored now. One INSERT decides, so of concurrent deliveries of one event
// (retries racing, several replicas) exactly one sees isNew.
func (s *Store) RecordWebhookEvent(ctx context.Context, e WebhookEvent) (isNew bool, err error) {
	var at any
	if e.OccurredAt != nil {
		at = e.OccurredAt.UTC()
	}
	res, err := s.db.ExecContext(ctx, s.q("RecordWebhookEvent"), e.Platform, e.ID, e.Type, at, e.ReceivedAt.UTC())
	if err != nil {
		return false, fmt.Errorf("record %s webhook event %s: %w", e.Platform, e.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record %s webhook event %s: %w", e.Platform, e.ID, err)
	}
	return n == 1, nil
}

// WebhookEvent returns the stored event, or ErrNotFound.
func (s *Store) WebhookEvent(ctx context.Context, platform, id string) (WebhookEvent, error) {
	e, err := scanOne(s.db.QueryRowContext(ctx, s.q("WebhookEvent"), platform, id), scanWebhookEvent)
	if err != nil {
		return e, fmt.Errorf("read %s webhook event %s: %w", platform, id, err)
	}
	return e, nil
}

// PruneWebhookEvents deletes the events received before cutoff and says how many there were.
func (s *Store) PruneWebhookEvents(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q("PruneWebhookEvents"), cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune webhook events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune webhook events: %w", err)
	}
	return n, nil
}

func scanWebhookEvent(r rowScanner) (WebhookEvent, error) {
	var e WebhookEvent
	var at sql.NullTime
	if err := r.Scan(&e.Platform, &e.ID, &e.Type, &at, &e.ReceivedAt); err != nil {
		return e, err
	}
	e.OccurredAt, e.ReceivedAt = nullTime(at), e.ReceivedAt.UTC()
	return e, nil
}
