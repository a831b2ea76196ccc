package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// ProgramFunnel counts customers at each recruitment stage, all time.
type ProgramFunnel struct {
	Shortlisted   int // distinct customers ever on a stored shortlist
	Approved      int // distinct customers ever approved
	Invited       int // distinct enrollments whose invite (first step) was sent
	Joined        int // approved customers who are affiliates (in the affiliates table, or is_partner)
	FirstReferral int // joined customers with at least one referral
}

// ProgramData is what `advocate program` counts: every affiliate Advocate made, every stored
// referral and commission on every platform, and the funnel.
type ProgramData struct {
	Affiliates  []Affiliate
	Referrals   []AffiliateReferral
	Commissions []AffiliateCommission
	Funnel      ProgramFunnel
}

// ProgramData reads the affiliate program's rows and funnel counts.
func (s *Store) ProgramData(ctx context.Context) (ProgramData, error) {
	var d ProgramData
	var err error
	if d.Affiliates, err = collect(ctx, s.db, scanAffiliate, s.q("ProgramAffiliates")); err != nil {
		return d, fmt.Errorf("program affiliates: %w", err)
	}
	if d.Referrals, err = collect(ctx, s.db, scanReferral, s.q("ProgramReferrals")); err != nil {
		return d, fmt.Errorf("program referrals: %w", err)
	}
	if d.Commissions, err = collect(ctx, s.db, scanCommission, s.q("ProgramCommissions")); err != nil {
		return d, fmt.Errorf("program commissions: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, s.q("ProgramShortlisted")).Scan(&d.Funnel.Shortlisted); err != nil {
		return d, fmt.Errorf("program shortlisted: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, s.q("ProgramInvited")).Scan(&d.Funnel.Invited); err != nil {
		return d, fmt.Errorf("program invited: %w", err)
	}
	if err := s.programApproved(ctx, &d.Funnel); err != nil {
		return d, fmt.Errorf("program approved: %w", err)
	}
	return d, nil
}

func (s *Store) programApproved(ctx context.Context, f *ProgramFunnel) error {
	return each(ctx, s.db, func(r *sql.Rows) error {
		var (
			id, attrs         string
			affiliate, reffed int
		)
		if err := r.Scan(&id, &attrs, &affiliate, &reffed); err != nil {
			return err
		}
		f.Approved++
		if affiliate == 0 && !isPartnerAttr(attrs) {
			return nil
		}
		f.Joined++
		if reffed == 1 {
			f.FirstReferral++
		}
		return nil
	}, s.q("ProgramApproved"))
}

// isPartnerAttr reads is_partner from a customer's attributes JSON.
func isPartnerAttr(attrs string) bool {
	var m map[string]any
	if json.Unmarshal([]byte(attrs), &m) != nil {
		return false
	}
	v, ok := m[advocate.AttrIsPartner]
	return ok && advocate.IsPartner(fmt.Sprint(v))
}
