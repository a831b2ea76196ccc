package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Suppress puts an address on the suppression list and, in the same transaction, stops every
// active or paused enrollment for it and cancels its unsent emails. Suppressing twice keeps
// the first reason. It returns how many enrollments it stopped.
func (s *Store) Suppress(ctx context.Context, email, reason string) (stopped int, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return 0, errors.New("suppress: empty address")
	}
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.q("InsertSuppression"), email, reason, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("StopEnrollmentsOfAddress"), reason, now, email)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		stopped = int(n)
		_, err = tx.ExecContext(ctx, s.q("CancelEmailsTo"), "not sent: "+BlockSuppressed, now, email)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("suppress address: %w", err)
	}
	return stopped, nil
}

// Suppression says whether and why an address is suppressed ("" = not suppressed).
func (s *Store) Suppression(ctx context.Context, email string) (string, error) {
	var reason string
	err := s.db.QueryRowContext(ctx, s.q("Suppression"), strings.ToLower(strings.TrimSpace(email))).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read suppression: %w", err)
	}
	return reason, nil
}
