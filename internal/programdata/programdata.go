// Package programdata reads the affiliate program's rows from the store and hands them to
// internal/program, which stays pure: the one way `advocate program` and `advocate demo`
// arrive at the program's KPIs, so the demo's figures are the command's.
package programdata

import (
	"context"
	"fmt"
	"time"

	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/store"
)

// Report computes the program's KPIs over the days before now from what st holds.
func Report(ctx context.Context, st *store.Store, now time.Time, days int) (program.Report, error) {
	d, err := st.ProgramData(ctx)
	if err != nil {
		return program.Report{}, fmt.Errorf("program: %w", err)
	}
	return program.Compute(Inputs(d), now, days), nil
}

// Inputs turns the store's rows into what program.Compute reads.
func Inputs(d store.ProgramData) program.Inputs {
	in := program.Inputs{Funnel: program.Funnel(d.Funnel)}
	for _, a := range d.Affiliates {
		in.Affiliates = append(in.Affiliates, program.Affiliate{Platform: a.Platform, ID: a.AffiliateID, Email: a.Email, CreatedAt: a.CreatedAt})
	}
	for _, r := range d.Referrals {
		in.Referrals = append(in.Referrals, program.Referral{Platform: r.Platform, AffiliateID: r.AffiliateID, AffiliateEmail: r.AffiliateEmail,
			Status: r.Status, CreatedAt: r.CreatedAt, ConvertedAt: r.ConvertedAt})
	}
	for _, c := range d.Commissions {
		in.Commissions = append(in.Commissions, program.Commission{Platform: c.Platform, AffiliateID: c.AffiliateID, AffiliateEmail: c.AffiliateEmail,
			AmountMinor: c.AmountMinor, Currency: c.Currency, Status: c.Status, CreatedAt: c.CreatedAt})
	}
	return in
}
