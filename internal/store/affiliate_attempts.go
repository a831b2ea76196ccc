package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// AffiliateAttempt is the retry state of one person's affiliate that could not be created on a
// platform (the platform was down, refused, or returned no link): how many creates failed in a
// row, since when, the last error (clipped, secrets redacted by the caller), and when the retry
// job may ask again. The row goes away when a create succeeds.
type AffiliateAttempt struct {
	Platform      string    `json:"platform"`
	Email         string    `json:"email"` // lowercased
	CustomerID    string    `json:"customer_id,omitempty"`
	Attempts      int       `json:"attempts"`
	LastError     string    `json:"last_error"`
	FirstFailedAt time.Time `json:"first_failed_at"`
	LastFailedAt  time.Time `json:"last_failed_at"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// Alerted: the CSM channel was told this person is waiting.
	Alerted bool `json:"alerted"`
}

// RecordAffiliateFailure counts one more failed create of email's affiliate on platform,
// keeps errText as the last error, and sets the next attempt to now + backoff(attempts).
func (s *Store) RecordAffiliateFailure(ctx context.Context, platform, email, customerID, errText string, backoff Backoff) (AffiliateAttempt, error) {
	email = normEmail(email)
	if platform == "" || email == "" || backoff == nil {
		return AffiliateAttempt{}, errors.New("record affiliate failure: platform, email and backoff are required")
	}
	var a AffiliateAttempt
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var err error
		a, err = scanAffiliateAttempt(tx.QueryRowContext(ctx, s.q("RecordAffiliateFailure"), platform, email, customerID, errText, now, now, now))
		if err != nil {
			return err
		}
		a.NextAttemptAt = now.Add(backoff(a.Attempts)).UTC()
		_, err = tx.ExecContext(ctx, s.q("SetAffiliateNextAttempt"), a.NextAttemptAt, platform, email)
		return err
	})
	if err != nil {
		return a, fmt.Errorf("record failed affiliate create of %s on %s: %w", email, platform, err)
	}
	return a, nil
}

// ClearAffiliateAttempt forgets email's failures on platform (its affiliate now exists).
func (s *Store) ClearAffiliateAttempt(ctx context.Context, platform, email string) error {
	err := s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		_, err := tx.ExecContext(ctx, s.q("ClearAffiliateAttempt"), platform, normEmail(email))
		return err
	})
	if err != nil {
		return fmt.Errorf("clear affiliate attempts of %s on %s: %w", email, platform, err)
	}
	return nil
}

// MarkAffiliateAttemptsAlerted records that the CSM channel was told these people wait.
func (s *Store) MarkAffiliateAttemptsAlerted(ctx context.Context, platform string, emails []string) error {
	if len(emails) == 0 {
		return nil
	}
	return s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		if err := s.execIn(ctx, tx, "MarkAffiliateAttemptsAlerted", platform, emails); err != nil {
			return fmt.Errorf("mark %d affiliate waits alerted on %s: %w", len(emails), platform, err)
		}
		return nil
	})
}

// PendingAffiliate is an approved contact (an active enrollment) without an affiliate with a
// referral link on the platform: their emails wait for it.
type PendingAffiliate struct {
	CustomerID string    `json:"customer_id"`
	Email      string    `json:"email"` // lowercased
	EnrolledAt time.Time `json:"enrolled_at"`
	// Attempt is the failures recorded for the person; nil when none is (the approval was made
	// before retries were recorded, or the process stopped between enrolling and creating).
	Attempt *AffiliateAttempt `json:"attempt,omitempty"`
}

// PendingAffiliates lists the approved contacts waiting for their affiliate on platform, the
// longest waiting first.
func (s *Store) PendingAffiliates(ctx context.Context, platform string) ([]PendingAffiliate, error) {
	out, err := collect(ctx, s.db, func(r rowScanner) (PendingAffiliate, error) {
		return scanPendingAffiliate(r, platform)
	}, s.q("PendingAffiliates"), platform, platform)
	if err != nil {
		return nil, fmt.Errorf("list contacts waiting for an affiliate on %s: %w", platform, err)
	}
	return out, nil
}

func scanPendingAffiliate(r rowScanner, platform string) (PendingAffiliate, error) {
	var (
		p                   PendingAffiliate
		attempts            sql.NullInt64
		lastErr             sql.NullString
		first, last, nextAt sql.NullTime
		alerted             sql.NullBool
	)
	if err := r.Scan(&p.CustomerID, &p.Email, &p.EnrolledAt, &attempts, &lastErr, &first, &last, &nextAt, &alerted); err != nil {
		return p, err
	}
	p.EnrolledAt = p.EnrolledAt.UTC()
	if attempts.Valid {
		p.Attempt = &AffiliateAttempt{Platform: platform, Email: p.Email, CustomerID: p.CustomerID, Attempts: int(attempts.Int64),
			LastError: lastErr.String, FirstFailedAt: first.Time.UTC(), LastFailedAt: last.Time.UTC(), NextAttemptAt: nextAt.Time.UTC(), Alerted: alerted.Bool}
	}
	return p, nil
}

func scanAffiliateAttempt(r rowScanner) (AffiliateAttempt, error) {
	var a AffiliateAttempt
	err := r.Scan(&a.Platform, &a.Email, &a.CustomerID, &a.Attempts, &a.LastError, &a.FirstFailedAt, &a.LastFailedAt, &a.NextAttemptAt, &a.Alerted)
	a.FirstFailedAt, a.LastFailedAt, a.NextAttemptAt = a.FirstFailedAt.UTC(), a.LastFailedAt.UTC(), a.NextAttemptAt.UTC()
	return a, err
}
