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
	ID           int64     `json:"id"`
	CustomerID   string    `json:"customer_id"`
	ContactEmail string    `json:"contact_email"`
	Sequence     string    `json:"sequence"`
	Status       string    `json:"status"` // active | paused | stopped | completed
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Enroll puts a customer's contact into a sequence. It is idempotent: enrolling the same
// customer in the same sequence again returns the existing enrollment with created=false
// (a double click on Approve is one enrollment).
func (s *Store) Enroll(ctx context.Context, customerID, contactEmail, sequence string) (e Enrollment, created bool, err error) {
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO enrollments (customer_id, contact_email, sequence, status, created_at, updated_at)
			VALUES (?, ?, ?, 'active', ?, ?) ON CONFLICT (customer_id, sequence) DO NOTHING`), customerID, contactEmail, sequence, now, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		e, err = getEnrollment(ctx, tx, s.rebind(`SELECT id, customer_id, contact_email, sequence, status, created_at, updated_at
			FROM enrollments WHERE customer_id = ? AND sequence = ?`), customerID, sequence)
		return err
	})
	if err != nil {
		return e, false, fmt.Errorf("enroll %s in %s: %w", customerID, sequence, err)
	}
	return e, created, nil
}

func getEnrollment(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) (Enrollment, error) {
	var e Enrollment
	err := q.QueryRowxContext(ctx, query, args...).Scan(&e.ID, &e.CustomerID, &e.ContactEmail, &e.Sequence, &e.Status, &e.CreatedAt, &e.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

// Enrollments lists enrollments, optionally only those with a given status ("" = all), oldest first.
func (s *Store) Enrollments(ctx context.Context, status string) ([]Enrollment, error) {
	q, args := `SELECT id, customer_id, contact_email, sequence, status, created_at, updated_at FROM enrollments`, []any{}
	if status != "" {
		q += ` WHERE status = ?`
		args = append(args, status)
	}
	rows, err := s.db.QueryxContext(ctx, s.rebind(q+` ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	defer rows.Close()
	var out []Enrollment
	for rows.Next() {
		var e Enrollment
		if err := rows.Scan(&e.ID, &e.CustomerID, &e.ContactEmail, &e.Sequence, &e.Status, &e.CreatedAt, &e.UpdatedAt); err != nil {
			return nil, err
		}
		e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetEnrollmentStatus moves an enrollment to active, paused, stopped or completed.
func (s *Store) SetEnrollmentStatus(ctx context.Context, id int64, status string) error {
	switch status {
	case "active", "paused", "stopped", "completed":
	default:
		return fmt.Errorf("enrollment %d: unknown status %q", id, status)
	}
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE enrollments SET status = ?, updated_at = ? WHERE id = ?`), status, now, id)
		if err != nil {
			return fmt.Errorf("enrollment %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("enrollment %d: %w", id, ErrNotFound)
		}
		return nil
	})
}
