package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// AffiliateReferral is a sign-up an affiliate brought, as the platform last reported it.
type AffiliateReferral struct {
	Platform       string    `json:"platform"`
	ID             string    `json:"id"`
	AffiliateID    string    `json:"affiliate_id"`
	AffiliateEmail string    `json:"affiliate_email,omitempty"` // lowercased; "" when unknown
	CustomerEmail  string    `json:"customer_email,omitempty"`
	Status         string    `json:"status"` // lead | converted | cancelled
	CreatedAt      time.Time `json:"created_at"`
	ConvertedAt    time.Time `json:"converted_at,omitzero"` // zero until it converts
}

// AffiliateCommission is money an affiliate earned, in minor units of Currency.
type AffiliateCommission struct {
	Platform       string    `json:"platform"`
	ID             string    `json:"id"`
	AffiliateID    string    `json:"affiliate_id"`
	AffiliateEmail string    `json:"affiliate_email,omitempty"`
	ReferralID     string    `json:"referral_id,omitempty"`
	AmountMinor    int64     `json:"amount_minor"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"` // pending | due | paid | voided
	CreatedAt      time.Time `json:"created_at"`
}

// SaveAffiliateOutcomes records one page of a platform's referrals and commissions in one
// transaction, keyed by (platform, id): saving the same page again changes nothing.
func (s *Store) SaveAffiliateOutcomes(ctx context.Context, platform string, refs []AffiliateReferral, coms []AffiliateCommission) error {
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		for _, r := range refs {
			if r.ID == "" {
				return errors.New("referral without id")
			}
			var conv any
			if !r.ConvertedAt.IsZero() {
				conv = r.ConvertedAt.UTC()
			}
			if _, err := tx.ExecContext(ctx, s.q("UpsertAffiliateReferral"), platform, r.ID, r.AffiliateID, normEmail(r.AffiliateEmail),
				normEmail(r.CustomerEmail), r.Status, r.CreatedAt.UTC(), conv, now); err != nil {
				return fmt.Errorf("referral %s: %w", r.ID, err)
			}
		}
		for _, c := range coms {
			if c.ID == "" {
				return errors.New("commission without id")
			}
			if _, err := tx.ExecContext(ctx, s.q("UpsertAffiliateCommission"), platform, c.ID, c.AffiliateID, normEmail(c.AffiliateEmail),
				c.ReferralID, c.AmountMinor, c.Currency, c.Status, c.CreatedAt.UTC(), now); err != nil {
				return fmt.Errorf("commission %s: %w", c.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %s outcomes: %w", platform, err)
	}
	return nil
}

// PlatformAffiliate is an affiliate as its platform lists it: the join date of affiliates
// Advocate did not make comes from here.
type PlatformAffiliate struct {
	Platform string    `json:"platform"`
	ID       string    `json:"affiliate_id"`
	Email    string    `json:"email,omitempty"`    // lowercased; "" when unknown
	JoinedAt time.Time `json:"joined_at,omitzero"` // zero when the platform does not say
}

// SavePlatformAffiliates records one page of a platform's affiliates in one transaction, keyed
// by (platform, affiliate id): saving the same page again changes nothing, and an empty email or
// join date keeps the one stored.
func (s *Store) SavePlatformAffiliates(ctx context.Context, platform string, affs []PlatformAffiliate) error {
	if len(affs) == 0 {
		return nil
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		for _, a := range affs {
			if a.ID == "" {
				return errors.New("affiliate without id")
			}
			var joined any
			if !a.JoinedAt.IsZero() {
				joined = a.JoinedAt.UTC()
			}
			if _, err := tx.ExecContext(ctx, s.q("UpsertPlatformAffiliate"), platform, a.ID, normEmail(a.Email), joined, now); err != nil {
				return fmt.Errorf("affiliate %s: %w", a.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %s affiliates: %w", platform, err)
	}
	return nil
}

// PlatformAffiliates lists the platform's stored affiliates, by id.
func (s *Store) PlatformAffiliates(ctx context.Context, platform string) ([]PlatformAffiliate, error) {
	out, err := collect(ctx, s.db, scanPlatformAffiliate, s.q("PlatformAffiliates"), platform)
	if err != nil {
		return nil, fmt.Errorf("list %s affiliates: %w", platform, err)
	}
	return out, nil
}

// AffiliateReferrals lists the platform's stored referrals, oldest first.
func (s *Store) AffiliateReferrals(ctx context.Context, platform string) ([]AffiliateReferral, error) {
	out, err := collect(ctx, s.db, scanReferral, s.q("AffiliateReferrals"), platform)
	if err != nil {
		return nil, fmt.Errorf("list %s referrals: %w", platform, err)
	}
	return out, nil
}

// AffiliateCommissions lists the platform's stored commissions, oldest first.
func (s *Store) AffiliateCommissions(ctx context.Context, platform string) ([]AffiliateCommission, error) {
	out, err := collect(ctx, s.db, scanCommission, s.q("AffiliateCommissions"), platform)
	if err != nil {
		return nil, fmt.Errorf("list %s commissions: %w", platform, err)
	}
	return out, nil
}

// AffiliatesOnPlatform lists the affiliates recorded on platform, by email.
func (s *Store) AffiliatesOnPlatform(ctx context.Context, platform string) ([]Affiliate, error) {
	out, err := collect(ctx, s.db, scanAffiliate, s.q("AffiliatesOnPlatform"), platform)
	if err != nil {
		return nil, fmt.Errorf("list affiliates on %s: %w", platform, err)
	}
	return out, nil
}

// CustomerOfContactEmail is the id of the customer whose contact has email, or ErrNotFound.
func (s *Store) CustomerOfContactEmail(ctx context.Context, email string) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, s.q("CustomerOfContactEmail"), normEmail(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("customer of contact %s: %w", email, err)
	}
	return id, nil
}

// CustomerOfAffiliate is the customer an affiliate on platform belongs to: the customer of the
// contact with its email, else the one recorded when Advocate made the affiliate; "" (and no
// error) for an outside partner or an empty email. The outcome sync and the lookalike insight
// both map affiliates to customers with it.
func (s *Store) CustomerOfAffiliate(ctx context.Context, platform, email string) (string, error) {
	if normEmail(email) == "" {
		return "", nil
	}
	id, err := s.CustomerOfContactEmail(ctx, email)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return id, err
	}
	a, err := s.AffiliateByEmail(ctx, platform, email)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return a.CustomerID, err
}

// AddIdentity records that source calls customer customerID by externalID (a no-op when that
// identity is already known), so the source's pages can name the customer by it.
func (s *Store) AddIdentity(ctx context.Context, source, externalID, customerID string) error {
	if _, err := s.db.ExecContext(ctx, s.q("AddIdentity"), source, externalID, customerID); err != nil {
		return fmt.Errorf("add identity %s/%s: %w", source, externalID, err)
	}
	return nil
}

// scanReferral and scanCommission read the columns every referral and commission query returns.
func scanReferral(r rowScanner) (AffiliateReferral, error) {
	var a AffiliateReferral
	var conv sql.NullTime
	err := r.Scan(&a.Platform, &a.ID, &a.AffiliateID, &a.AffiliateEmail, &a.CustomerEmail, &a.Status, &a.CreatedAt, &conv)
	a.CreatedAt = a.CreatedAt.UTC()
	if conv.Valid {
		a.ConvertedAt = conv.Time.UTC()
	}
	return a, err
}

func scanPlatformAffiliate(r rowScanner) (PlatformAffiliate, error) {
	var a PlatformAffiliate
	var joined sql.NullTime
	err := r.Scan(&a.Platform, &a.ID, &a.Email, &joined)
	if joined.Valid {
		a.JoinedAt = joined.Time.UTC()
	}
	return a, err
}

func scanCommission(r rowScanner) (AffiliateCommission, error) {
	var c AffiliateCommission
	err := r.Scan(&c.Platform, &c.ID, &c.AffiliateID, &c.AffiliateEmail, &c.ReferralID, &c.AmountMinor, &c.Currency, &c.Status, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}
