package firstpromoter

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// phases of a pass, in order: referrals, commissions, then promoters with their join dates
// (last, so a cursor stored before they were listed still names the same phase).
var phases = []string{"referrals", "commissions", "promoters"}

type cursor struct {
	Phase int `json:"phase"`
	Page  int `json:"page"`
}

type owner struct {
	Promoter struct {
		ID    id     `json:"id"`
		Email string `json:"email"`
	} `json:"promoter"`
}

type referral struct {
	ID            id     `json:"id"`
	Email         string `json:"email"`
	State         string `json:"state"`
	CreatedAt     string `json:"created_at"`
	CustomerSince string `json:"customer_since"`
	PromoterCamp  owner  `json:"promoter_campaign"`
}

type commission struct {
	ID           id     `json:"id"`
	Status       string `json:"status"`
	IsPaid       bool   `json:"is_paid"`
	Amount       int64  `json:"amount"` // cents
	Unit         string `json:"unit"`
	SaleCurrency string `json:"original_sale_currency"`
	CreatedAt    string `json:"created_at"`
	PromoterCamp owner  `json:"promoter_campaign"`
	Referral     *struct {
		ID id `json:"id"`
	} `json:"referral"`
}

// Outcomes implements affiliates.Platform: full walks of referrals, commissions, then promoters.
func (c *Client) Outcomes(ctx context.Context, cur string, sink func(affiliates.OutcomePage) error) error {
	start := func(st cursor) cursor {
		if st.Phase < 0 || st.Phase >= len(phases) || st.Page < 1 {
			return cursor{Page: 1}
		}
		return st
	}
	return affiliates.Walk(ctx, Name, cur, start, c.page, sink)
}

// page reads one page of the phase st is in; a short or empty page is the phase's last.
func (c *Client) page(ctx context.Context, st cursor) (out affiliates.OutcomePage, next cursor, done bool, err error) {
	q := url.Values{"page": {strconv.Itoa(st.Page)}, "per_page": {strconv.Itoa(c.pageSize)}}
	var items []json.RawMessage
	if err := c.http.JSON(ctx, connectors.Request{Path: "/" + phases[st.Phase], Query: q}, &items); err != nil {
		return out, st, false, fmt.Errorf("affiliates %s: list %s: %w", Name, phases[st.Phase], err)
	}
	switch phases[st.Phase] {
	case "referrals":
		out.Referrals = referrals(items)
	case "commissions":
		out.Commissions = commissions(items)
	default:
		out.Affiliates = promoters(items)
	}
	next = cursor{Phase: st.Phase, Page: st.Page + 1}
	if len(items) < c.pageSize {
		next = cursor{Phase: st.Phase + 1, Page: 1}
	}
	if next.Phase == len(phases) {
		return out, cursor{Page: 1}, true, nil
	}
	return out, next, false, nil
}

func referrals(items []json.RawMessage) []affiliates.Referral {
	out := make([]affiliates.Referral, 0, len(items))
	for _, raw := range items {
		var r referral
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		aff := r.PromoterCamp.Promoter
		ref := affiliates.Referral{ID: string(r.ID), AffiliateID: string(aff.ID), AffiliateEmail: aff.Email,
			// Moved referrals carry " (moved)" after the address.
			CustomerEmail: strings.TrimSuffix(r.Email, " (moved)"), Status: referralStatus(r.State),
			CreatedAt: affiliates.ParseTime(r.CreatedAt), ConvertedAt: affiliates.ParseTime(r.CustomerSince)}
		out = append(out, ref)
	}
	return out
}

func promoters(items []json.RawMessage) []affiliates.PlatformAffiliate {
	out := make([]affiliates.PlatformAffiliate, 0, len(items))
	for _, raw := range items {
		var p promoter
		if json.Unmarshal(raw, &p) != nil || p.ID == "" {
			continue
		}
		out = append(out, affiliates.PlatformAffiliate{ID: string(p.ID), Email: p.Email, CreatedAt: affiliates.ParseTime(p.CreatedAt)})
	}
	return out
}

// referralStatus maps FirstPromoter's states: active is a paying customer; signup, subscribed
// (a trial), pending, moved and custom states are leads; cancelled, refunded and denied ended.
func referralStatus(s string) string {
	switch s {
	case "active":
		return affiliates.ReferralConverted
	case "cancelled", "refunded", "denied":
		return affiliates.ReferralCancelled
	}
	return affiliates.ReferralLead
}

func commissions(items []json.RawMessage) []affiliates.Commission {
	out := make([]affiliates.Commission, 0, len(items))
	for _, raw := range items {
		var m commission
		if json.Unmarshal(raw, &m) != nil || (m.Unit != "" && m.Unit != "cash") {
			continue // credits, points, free months and discounts are not money
		}
		cm := affiliates.Commission{ID: string(m.ID), AffiliateID: string(m.PromoterCamp.Promoter.ID),
			AffiliateEmail: m.PromoterCamp.Promoter.Email, AmountMinor: m.Amount,
			Currency: strings.ToUpper(cmp.Or(m.SaleCurrency, "USD")), Status: commissionStatus(m), CreatedAt: affiliates.ParseTime(m.CreatedAt)}
		if m.Referral != nil {
			cm.ReferralID = string(m.Referral.ID)
		}
		out = append(out, cm)
	}
	return out
}

func commissionStatus(m commission) string {
	switch {
	case m.Status == "denied":
		return affiliates.CommissionVoided
	case m.IsPaid:
		return affiliates.CommissionPaid
	case m.Status == "approved":
		return affiliates.CommissionDue
	}
	return affiliates.CommissionPending
}
