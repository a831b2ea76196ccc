package lookalike

import (
	"context"
	"fmt"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// Load reads what Compute needs from st: every customer with its acquisition channel,
// industry, plan and scoring segment under segs, and every affiliate of the program
// (program.Members: joined at the earliest of Advocate's record and the platform's join date,
// else at its first outcome) mapped
// to its customer the way the outcome sync maps it (store.CustomerOfAffiliate). A customer
// marked is_partner whose affiliate left no trace is an affiliate with an unknown start and no
// referral.
func Load(ctx context.Context, st *store.Store, segs []scoring.Segment, now time.Time) (Inputs, error) {
	in := Inputs{Now: now}
	pin, err := program.Load(ctx, st)
	if err != nil {
		return in, fmt.Errorf("lookalike: %w", err)
	}
	hasAffiliate := map[string]bool{}
	for _, m := range program.Members(pin) {
		cid, err := st.CustomerOfAffiliate(ctx, m.Platform, m.Email)
		if err != nil {
			return in, fmt.Errorf("lookalike: %w", err)
		}
		if cid == "" {
			in.Outside++
			continue
		}
		in.Affiliates = append(in.Affiliates, Affiliate{CustomerID: cid, Joined: m.Joined, Referrals: m.Referrals})
		hasAffiliate[cid] = true
	}
	err = st.ScanCustomers(ctx, func(c advocate.Customer) error {
		vals := make(map[string]string, len(Dimensions))
		for _, dim := range Dimensions {
			vals[dim] = c.Attributes[dim]
		}
		vals[SegmentDimension] = scoring.SegmentOf(segs, c.Attributes)
		in.Customers = append(in.Customers, Customer{ID: c.ID, Values: vals})
		if !hasAffiliate[c.ID] && advocate.IsPartner(c.Attributes[advocate.AttrIsPartner]) {
			in.Affiliates = append(in.Affiliates, Affiliate{CustomerID: c.ID})
		}
		return nil
	})
	if err != nil {
		return in, fmt.Errorf("lookalike: %w", err)
	}
	return in, nil
}
