package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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

// ProgramData is what `advocate program` counts: every affiliate Advocate made, every affiliate
// the platforms list (with their join dates), every stored referral and commission on every
// platform, and the funnel.
type ProgramData struct {
	Affiliates         []Affiliate
	PlatformAffiliates []PlatformAffiliate
	Referrals          []AffiliateReferral
	Commissions        []AffiliateCommission
	Funnel             ProgramFunnel
}

// ProgramData reads the affiliate program's rows and funnel counts.
func (s *Store) ProgramData(ctx context.Context) (ProgramData, error) {
	var d ProgramData
	var err error
	if d.Affiliates, err = collect(ctx, s.db, scanAffiliate, s.q("ProgramAffiliates")); err != nil {
		return d, fmt.Errorf("program affiliates: %w", err)
	}
	if d.PlatformAffiliates, err = collect(ctx, s.db, scanPlatformAffiliate, s.q("ProgramPlatformAffiliates")); err != nil {
		return d, fmt.Errorf("program platform affiliates: %w", err)
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

// ProgramCustomer is one customer as the program's channel comparison reads it.
type ProgramCustomer struct {
	ID                 string
	AcquisitionChannel string // the acquisition_channel attribute as stored; "" when none
	Referred           bool   // a stored affiliate referral's customer email is one of its contacts
	// Values are its latest values of the asked signals, one per signal and source: choosing
	// the current one (precedence, freshness) is the caller's business.
	Values []advocate.SignalValue
}

// ProgramCustomers reads the customers that have at least one value of the named signals
// (the billing signals ltv and mrr, for `advocate program`), ordered by id, with their
// acquisition channel and whether an affiliate referral names them.
func (s *Store) ProgramCustomers(ctx context.Context, attr string, signals ...string) ([]ProgramCustomer, error) {
	byID := map[string]*ProgramCustomer{}
	var ids []string
	err := s.ScanLatest(ctx, func(id, source string, vals []LatestValue) error {
		for _, v := range vals {
			if !slices.Contains(signals, v.Name) {
				continue
			}
			c := byID[id]
			if c == nil {
				id = strings.Clone(id) // id views the read buffer
				c = &ProgramCustomer{ID: id}
				byID[id] = c
				ids = append(ids, id)
			}
			c.Values = append(c.Values, advocate.SignalValue{CustomerID: c.ID, Name: v.Name, Source: source, Value: v.Value, ObservedAt: v.ObservedAt})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("program customers: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	err = s.ScanAttributes(ctx, func(id string, attrs map[string]string) error {
		if c := byID[id]; c != nil {
			c.AcquisitionChannel = attrs[attr]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("program customers: %w", err)
	}
	err = each(ctx, s.db, func(r *sql.Rows) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return err
		}
		if c := byID[id]; c != nil {
			c.Referred = true
		}
		return nil
	}, s.q("ProgramReferredCustomers"))
	if err != nil {
		return nil, fmt.Errorf("program referred customers: %w", err)
	}
	slices.Sort(ids)
	out := make([]ProgramCustomer, len(ids))
	for i, id := range ids {
		out[i] = *byID[id]
	}
	return out, nil
}
