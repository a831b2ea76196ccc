package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Affiliate is the affiliate an affiliate platform made for a person: the platform's id and
// the referral links it returned, primary first. Emails carry Links[0]; there is no made-up
// fallback.
type Affiliate struct {
	Platform    string    `json:"platform"`
	Email       string    `json:"email"` // lowercased
	CustomerID  string    `json:"customer_id,omitempty"`
	AffiliateID string    `json:"affiliate_id"`
	Links       []string  `json:"links"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Link is the affiliate's primary referral link ("" when the platform returned none).
func (a Affiliate) Link() string {
	if len(a.Links) == 0 {
		return ""
	}
	return a.Links[0]
}

func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// SaveAffiliate records (or refreshes) the platform's affiliate for a person, keyed by
// platform and lowercased email: saving the same person again updates the row, never adds one.
func (s *Store) SaveAffiliate(ctx context.Context, a Affiliate) error {
	a.Email = normEmail(a.Email)
	if a.Platform == "" || a.Email == "" || a.AffiliateID == "" {
		return errors.New("save affiliate: platform, email and affiliate id are required")
	}
	links, err := json.Marshal(append([]string{}, a.Links...))
	if err != nil {
		return err
	}
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, s.q("UpsertAffiliate"), a.Platform, a.Email, a.CustomerID, a.AffiliateID, string(links), now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("save affiliate %s on %s: %w", a.Email, a.Platform, err)
	}
	return nil
}

// AffiliateByEmail is the stored affiliate of email on platform, or ErrNotFound.
func (s *Store) AffiliateByEmail(ctx context.Context, platform, email string) (Affiliate, error) {
	a, err := scanAffiliate(s.db.QueryRowContext(ctx, s.q("AffiliateByEmail"), platform, normEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("read affiliate %s on %s: %w", email, platform, err)
	}
	return a, nil
}

// AffiliatesOfCustomer lists the affiliates recorded for a customer's contacts, oldest first.
func (s *Store) AffiliatesOfCustomer(ctx context.Context, customerID string) ([]Affiliate, error) {
	out, err := collect(ctx, s.db, scanAffiliate, s.q("AffiliatesOfCustomer"), customerID)
	if err != nil {
		return nil, fmt.Errorf("list affiliates of %s: %w", customerID, err)
	}
	return out, nil
}

// CountAffiliates is how many affiliates are recorded on platform.
func (s *Store) CountAffiliates(ctx context.Context, platform string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q("CountAffiliates"), platform).Scan(&n); err != nil {
		return 0, fmt.Errorf("count affiliates: %w", err)
	}
	return n, nil
}

func scanAffiliate(r rowScanner) (Affiliate, error) {
	var (
		a     Affiliate
		links string
	)
	if err := r.Scan(&a.Platform, &a.Email, &a.CustomerID, &a.AffiliateID, &links, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(links), &a.Links); err != nil {
		return a, fmt.Errorf("affiliate %s: links: %w", a.Email, err)
	}
	return a, nil
}
