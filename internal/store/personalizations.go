package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Personalization is the LLM-written paragraph for one customer's invitation.
type Personalization struct {
	CustomerID string    `json:"customer_id"`
	Text       string    `json:"text"`   // "" when the template's words are used
	Status     string    `json:"status"` // "ok" or "fallback: <why>"
	Model      string    `json:"model,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// SavePersonalization stores a customer's paragraph unless one exists; it returns the stored
// one, so two replicas racing agree on the first.
func (s *Store) SavePersonalization(ctx context.Context, p Personalization) (Personalization, error) {
	var out Personalization
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.q("InsertPersonalization"), p.CustomerID, p.Text, p.Status, p.Model, now); err != nil {
			return err
		}
		var err error
		out, err = scanPersonalization(tx.QueryRowContext(ctx, s.q("GetPersonalization"), p.CustomerID))
		return err
	})
	if err != nil {
		return out, fmt.Errorf("save personalization of %s: %w", p.CustomerID, err)
	}
	return out, nil
}

// GetPersonalization returns the stored paragraph for a customer's invitation (what the Slack
// "Preview invite" shows), or ErrNotFound when none was written yet.
func (s *Store) GetPersonalization(ctx context.Context, customerID string) (Personalization, error) {
	p, err := scanPersonalization(s.db.QueryRowContext(ctx, s.q("GetPersonalization"), customerID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return p, fmt.Errorf("read personalization of %s: %w", customerID, err)
	}
	return p, err
}

// scanPersonalization reads one row; none is ErrNotFound.
func scanPersonalization(r rowScanner) (Personalization, error) {
	var p Personalization
	err := r.Scan(&p.CustomerID, &p.Text, &p.Status, &p.Model, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}
