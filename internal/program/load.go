package program

import (
	"context"
	"fmt"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// FromStore computes the program's KPIs over the days before now from what st holds: the one way
// `advocate program`, the weekly digest and `advocate demo` arrive at them.
func FromStore(ctx context.Context, st *store.Store, src advocate.Sources, now time.Time, days int) (Report, error) {
	in, err := Load(ctx, st)
	if err != nil {
		return Report{}, err
	}
	if in.Customers, err = LoadCustomers(ctx, st, src, now); err != nil {
		return Report{}, err
	}
	return Compute(in, now, days), nil
}

// Load reads the affiliates (Advocate's and the platforms' listings), outcomes and funnel counts Compute counts (not the customers of
// the channel comparison: LoadCustomers adds those).
func Load(ctx context.Context, st *store.Store) (Inputs, error) {
	d, err := st.ProgramData(ctx)
	if err != nil {
		return Inputs{}, err
	}
	in := Inputs{Funnel: Funnel(d.Funnel)}
	for _, a := range d.Affiliates {
		in.Affiliates = append(in.Affiliates, Affiliate{Platform: a.Platform, ID: a.AffiliateID, Email: a.Email, CreatedAt: a.CreatedAt})
	}
	for _, a := range d.PlatformAffiliates {
		in.Listed = append(in.Listed, Listed{Platform: a.Platform, ID: a.ID, Email: a.Email, JoinedAt: a.JoinedAt})
	}
	for _, r := range d.Referrals {
		in.Referrals = append(in.Referrals, Referral{Platform: r.Platform, AffiliateID: r.AffiliateID, AffiliateEmail: r.AffiliateEmail,
			Status: r.Status, CreatedAt: r.CreatedAt, ConvertedAt: r.ConvertedAt})
	}
	for _, c := range d.Commissions {
		in.Commissions = append(in.Commissions, Commission{Platform: c.Platform, AffiliateID: c.AffiliateID, AffiliateEmail: c.AffiliateEmail,
			AmountMinor: c.AmountMinor, Currency: c.Currency, Status: c.Status, CreatedAt: c.CreatedAt})
	}
	return in, nil
}

// LoadCustomers reads the customers the billing data covers, for the channel comparison:
// those with a current, fresh ltv or mrr under src, the current-value rule the score reads
// with (so a stale billing value counts as unknown here too).
func LoadCustomers(ctx context.Context, st *store.Store, src advocate.Sources, now time.Time) ([]Customer, error) {
	rows, err := st.ProgramCustomers(ctx, connectors.AttrAcquisitionChannel, scoring.LTV, scoring.MRR)
	if err != nil {
		return nil, fmt.Errorf("program channels: %w", err)
	}
	out := make([]Customer, 0, len(rows))
	for _, r := range rows {
		c := Customer{Channel: r.AcquisitionChannel, Referred: r.Referred}
		for name, cur := range src.Current(r.Values, now) {
			if cur.Stale {
				continue
			}
			v := cur.Value
			switch name {
			case scoring.LTV:
				c.LTV = &v
			case scoring.MRR:
				c.MRR = &v
			}
		}
		if c.LTV != nil || c.MRR != nil {
			out = append(out, c)
		}
	}
	return out, nil
}
