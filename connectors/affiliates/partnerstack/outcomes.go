package partnerstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// phases of a pass, in order: customers, rewards from the default list, the scheduled rewards
// the default list hides, then the partnerships with their join dates (last, so a cursor
// stored before they were listed still names the same phase).
var phases = []string{"customers", "rewards", "scheduled", "partnerships"}

type cursor struct {
	Phase int    `json:"phase"`
	After string `json:"after,omitempty"`
}

type customer struct {
	Key            string  `json:"key"`
	Email          *string `json:"email"`
	ProviderKey    *string `json:"provider_key"`
	Test           bool    `json:"test"`
	PartnershipKey string  `json:"partnership_key"`
	CreatedAt      int64   `json:"created_at"` // epoch ms
}

type reward struct {
	Key         string `json:"key"`
	Amount      int64  `json:"amount"` // cents
	Currency    string `json:"currency"`
	CreatedAt   int64  `json:"created_at"` // epoch ms
	Status      string `json:"reward_status"`
	Partnership struct {
		Key   string  `json:"key"`
		Email *string `json:"email"`
	} `json:"partnership"`
	Customer *struct {
		Key string `json:"key"`
	} `json:"customer"`
}

// Outcomes implements affiliates.Platform: full walks of customers and rewards.
func (c *Client) Outcomes(ctx context.Context, cur string, sink func(affiliates.OutcomePage) error) error {
	start := func(st cursor) cursor {
		if st.Phase < 0 || st.Phase >= len(phases) {
			return cursor{}
		}
		return st
	}
	step := func(ctx context.Context, st cursor) (out affiliates.OutcomePage, next cursor, done bool, err error) {
		items, more, err := c.list(ctx, st)
		if err != nil {
			return out, st, false, err
		}
		switch phases[st.Phase] {
		case "customers":
			out.Referrals = referrals(items)
		case "partnerships":
			out.Affiliates = partnerships(items)
		default:
			out.Commissions = commissions(items)
		}
		next, done = advance(st, items, more)
		return out, next, done, nil
	}
	return affiliates.Walk(ctx, Name, cur, start, step, sink)
}

// advance says where the walk goes after a page: the next page, the next phase, or (done) the
// start of the next pass.
func advance(st cursor, items []json.RawMessage, more bool) (cursor, bool) {
	if more && len(items) > 0 {
		var k struct {
			Key string `json:"key"`
		}
		_ = json.Unmarshal(items[len(items)-1], &k) // decoded already; a key-less item ends the walk
		if k.Key != "" {
			return cursor{Phase: st.Phase, After: k.Key}, false
		}
	}
	if st.Phase+1 < len(phases) {
		return cursor{Phase: st.Phase + 1}, false
	}
	return cursor{}, true
}

func (c *Client) list(ctx context.Context, st cursor) ([]json.RawMessage, bool, error) {
	q := url.Values{"limit": {strconv.Itoa(c.pageSize)}}
	if st.After != "" {
		q.Set("starting_after", st.After)
	}
	path := "/api/v2/rewards"
	if p := phases[st.Phase]; p == "customers" || p == "partnerships" {
		path = "/api/v2/" + p
	}
	if phases[st.Phase] == "scheduled" {
		q.Set("status", "scheduled")
	}
	var out struct {
		Data struct {
			Items   []json.RawMessage `json:"items"`
			HasMore bool              `json:"has_more"`
		} `json:"data"`
	}
	if err := c.http.JSON(ctx, connectors.Request{Path: path, Query: q}, &out); err != nil {
		return nil, false, fmt.Errorf("affiliates %s: list %s: %w", Name, phases[st.Phase], err)
	}
	return out.Data.Items, out.Data.HasMore, nil
}

func referrals(items []json.RawMessage) []affiliates.Referral {
	out := make([]affiliates.Referral, 0, len(items))
	for _, raw := range items {
		var cu customer
		if json.Unmarshal(raw, &cu) != nil || cu.Test || cu.PartnershipKey == "" {
			continue // a test customer, or one no partner brought
		}
		r := affiliates.Referral{ID: cu.Key, AffiliateID: cu.PartnershipKey, CustomerEmail: deref(cu.Email),
			Status: affiliates.ReferralLead, CreatedAt: millis(cu.CreatedAt)}
		if deref(cu.ProviderKey) != "" {
			r.Status = affiliates.ReferralConverted
		}
		out = append(out, r)
	}
	return out
}

func partnerships(items []json.RawMessage) []affiliates.PlatformAffiliate {
	out := make([]affiliates.PlatformAffiliate, 0, len(items))
	for _, raw := range items {
		var p partnership
		if json.Unmarshal(raw, &p) != nil || p.Key == "" {
			continue
		}
		out = append(out, affiliates.PlatformAffiliate{ID: p.Key, Email: p.Email, CreatedAt: millis(p.CreatedAt)})
	}
	return out
}

func commissions(items []json.RawMessage) []affiliates.Commission {
	out := make([]affiliates.Commission, 0, len(items))
	for _, raw := range items {
		var rw reward
		if json.Unmarshal(raw, &rw) != nil {
			continue
		}
		cm := affiliates.Commission{ID: rw.Key, AffiliateID: rw.Partnership.Key, AffiliateEmail: deref(rw.Partnership.Email),
			AmountMinor: rw.Amount, Currency: strings.ToUpper(rw.Currency), Status: rewardStatus(rw.Status), CreatedAt: millis(rw.CreatedAt)}
		if cm.Currency == "" {
			cm.Currency = "USD" // rewards are documented as cents USD
		}
		if rw.Customer != nil {
			cm.ReferralID = rw.Customer.Key
		}
		out = append(out, cm)
	}
	return out
}

// rewardStatus maps PartnerStack's reward_status: hold and pending are still in review,
// approved and scheduled wait for a payout, declined never pays.
func rewardStatus(s string) string {
	switch s {
	case "approved", "scheduled":
		return affiliates.CommissionDue
	case "paid":
		return affiliates.CommissionPaid
	case "declined":
		return affiliates.CommissionVoided
	}
	return affiliates.CommissionPending
}

// millis reads PartnerStack's epoch-millisecond times; 0 is "not set".
func millis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
