package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Enrollment is one approved customer's contact going through an onboarding sequence.
type Enrollment struct {
	ID           int64  `json:"id"`
	CustomerID   string `json:"customer_id"`
	ContactEmail string `json:"contact_email"`
	Sequence     string `json:"sequence"`
	Status       string `json:"status"` // active | paused | stopped | completed
	// DripSequence is the configured sequence the drip chose (by segment) when it first
	// planned this enrollment; "" until then.
	DripSequence string    `json:"drip_sequence,omitempty"`
	StopReason   string    `json:"stop_reason,omitempty"` // why it stopped or completed
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Enroll puts a customer's contact into a sequence. It is idempotent: enrolling the same
// customer in the same sequence again returns the existing enrollment with created=false
// (a double click on Approve is one enrollment).
func (s *Store) Enroll(ctx context.Context, customerID, contactEmail, sequence string) (e Enrollment, created bool, err error) {
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, s.q("InsertEnrollment"), customerID, contactEmail, sequence, now, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		e, err = scanEnrollment(tx.QueryRowContext(ctx, s.q("EnrollmentOf"), customerID, sequence))
		return err
	})
	if err != nil {
		return e, false, fmt.Errorf("enroll %s in %s: %w", customerID, sequence, err)
	}
	return e, created, nil
}

func scanEnrollment(r rowScanner) (Enrollment, error) {
	var e Enrollment
	err := r.Scan(&e.ID, &e.CustomerID, &e.ContactEmail, &e.Sequence, &e.Status, &e.DripSequence, &e.StopReason, &e.CreatedAt, &e.UpdatedAt)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

// Enrollments lists enrollments, optionally only those with a given status ("" = all), oldest first.
func (s *Store) Enrollments(ctx context.Context, status string) ([]Enrollment, error) {
	q, args := s.q("Enrollments"), []any{}
	if status != "" {
		q, args = s.q("EnrollmentsWithStatus"), []any{status}
	}
	out, err := collect(ctx, s.db, scanEnrollment, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	return out, nil
}

// SetEnrollmentStatus moves an enrollment to active, paused, stopped or completed.
func (s *Store) SetEnrollmentStatus(ctx context.Context, id int64, status string) error {
	switch status {
	case "active", "paused", "stopped", "completed":
	default:
		return fmt.Errorf("enrollment %d: unknown status %q", id, status)
	}
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, s.q("SetEnrollmentStatus"), status, now, id)
		if err != nil {
			return fmt.Errorf("enrollment %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("enrollment %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// CustomerEnrollments lists one customer's enrollments, oldest first.
func (s *Store) CustomerEnrollments(ctx context.Context, customerID string) ([]Enrollment, error) {
	out, err := collect(ctx, s.db, scanEnrollment, s.q("CustomerEnrollments"), customerID)
	if err != nil {
		return nil, fmt.Errorf("enrollments of %s: %w", customerID, err)
	}
	return out, nil
}

// EndEnrollment moves an active or paused enrollment to stopped or completed with a reason, and
// cancels its emails that were not sent yet, in one transaction. An enrollment already ended
// keeps its first status and reason (ended=false).
func (s *Store) EndEnrollment(ctx context.Context, id int64, status, reason string) (ended bool, err error) {
	if status != "stopped" && status != "completed" {
		return false, fmt.Errorf("enrollment %d: end status must be stopped or completed, not %q", id, status)
	}
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, s.q("EndEnrollment"), status, reason, now, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if ended = n == 1; !ended {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q("CancelEmailsOfEnrollment"), "enrollment "+status+": "+reason, now, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("end enrollment %d: %w", id, err)
	}
	return ended, nil
}

// SetDripSequence records the sequence the drip chose for an enrollment, once: a second call
// keeps the first choice and returns it.
func (s *Store) SetDripSequence(ctx context.Context, id int64, sequence string) (string, error) {
	var chosen string
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.q("SetDripSequence"), sequence, now, id); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q("DripSequence"), id).Scan(&chosen)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("enrollment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("enrollment %d: set sequence: %w", id, err)
	}
	return chosen, nil
}
