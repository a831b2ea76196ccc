package rewardful

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// cursor is where a pass stands: the phase (affiliates, referrals, then commissions), the next page, the
// updated_since bound of this pass's referral walk and the mark the next pass starts from.
type cursor struct {
	Phase string `json:"phase"` // "" or "affiliates", then "referrals", then "commissions"
	Page  int    `json:"page"`
	Since string `json:"since,omitempty"` // RFC 3339; empty: all referrals
	Mark  string `json:"mark,omitempty"`  // this pass's start, the next pass's Since
}

// overlap re-reads referrals updated shortly before the mark: an update committed while we read
// a page may carry a timestamp just before the pass started.
const overlap = 5 * time.Minute

type page struct {
	Pagination struct {
		NextPage *int `json:"next_page"`
	} `json:"pagination"`
}

// listedAffiliate is an item of GET /v1/affiliates: created_at is when the affiliate joined.
type listedAffiliate struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	CreatedAt string `json:"created_at"`
}

type referral struct {
	ID                 string `json:"id"`
	ConversionState    string `json:"conversion_state"`
	CreatedAt          string `json:"created_at"`
	BecameLeadAt       string `json:"became_lead_at"`
	BecameConversionAt string `json:"became_conversion_at"`
	DeactivatedAt      string `json:"deactivated_at"`
	Customer           struct {
		Email string `json:"email"`
	} `json:"customer"`
	Affiliate struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"affiliate"`
}

type commission struct {
	ID        string `json:"id"`
	Amount    int64  `json:"amount"` // cents
	Currency  string `json:"currency"`
	State     string `json:"state"`
	CreatedAt string `json:"created_at"`
	Affiliate struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"affiliate"`
	Sale struct {
		Referral struct {
			ID string `json:"id"`
		} `json:"referral"`
		Affiliate struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"affiliate"`
	} `json:"sale"`
}

// Outcomes implements affiliates.Platform: every affiliate (with its join date), referrals
// incrementally by updated_since, then every commission (Rewardful has no updated filter for
// affiliates or commissions).
func (c *Client) Outcomes(ctx context.Context, cur string, sink func(affiliates.OutcomePage) error) error {
	start := func(st cursor) cursor {
		if st.Phase == "" { // a new pass, from the last pass's mark
			st = cursor{Phase: "affiliates", Page: 1, Since: st.Since, Mark: c.now().UTC().Add(-overlap).Format(time.RFC3339)}
		}
		return st
	}
	return affiliates.Walk(ctx, Name, cur, start, c.fetch, sink)
}

// fetch reads the page st points at and says where the walk goes next; when the pass is over,
// next holds the start of the next pass.
func (c *Client) fetch(ctx context.Context, st cursor) (affiliates.OutcomePage, cursor, bool, error) {
	q := url.Values{"page": {itoa(st.Page)}, "limit": {itoa(c.pageSize)}}
	var out affiliates.OutcomePage
	var more bool
	var err error
	switch st.Phase {
	case "affiliates":
		out.Affiliates, more, err = c.affiliates(ctx, q)
	case "referrals":
		q.Set("expand[]", "affiliate")
		if st.Since != "" {
			q.Set("updated_since", st.Since)
		}
		out.Referrals, more, err = c.referrals(ctx, q)
	default:
		q.Add("expand[]", "sale")
		out.Commissions, more, err = c.commissions(ctx, q)
	}
	if err != nil {
		return out, st, false, err
	}
	next := st
	switch {
	case more:
		next.Page++
	case st.Phase == "affiliates":
		next.Phase, next.Page = "referrals", 1
	case st.Phase == "referrals":
		next.Phase, next.Page = "commissions", 1
	default:
		next = cursor{Since: st.Mark}
	}
	return out, next, next.Phase == "", nil
}

func (c *Client) affiliates(ctx context.Context, q url.Values) ([]affiliates.PlatformAffiliate, bool, error) {
	var body struct {
		page
		Data []listedAffiliate `json:"data"`
	}
	if err := c.http.JSON(ctx, connectors.Request{Path: "/v1/affiliates", Query: q}, &body); err != nil {
		return nil, false, fmt.Errorf("affiliates %s: list affiliates: %w", Name, err)
	}
	out := make([]affiliates.PlatformAffiliate, 0, len(body.Data))
	for _, a := range body.Data {
		if a.ID != "" {
			out = append(out, affiliates.PlatformAffiliate{ID: a.ID, Email: a.Email, CreatedAt: affiliates.ParseTime(a.CreatedAt)})
		}
	}
	return out, more(body.page, len(body.Data), c.pageSize), nil
}

func (c *Client) referrals(ctx context.Context, q url.Values) ([]affiliates.Referral, bool, error) {
	var body struct {
		page
		Data []referral `json:"data"`
	}
	if err := c.http.JSON(ctx, connectors.Request{Path: "/v1/referrals", Query: q}, &body); err != nil {
		return nil, false, fmt.Errorf("affiliates %s: list referrals: %w", Name, err)
	}
	out := make([]affiliates.Referral, 0, len(body.Data))
	for _, r := range body.Data {
		if ref, ok := mapReferral(r); ok {
			out = append(out, ref)
		}
	}
	return out, more(body.page, len(body.Data), c.pageSize), nil
}

// more reads pagination.next_page, falling back to "a full page may have a successor" when the
// envelope lacks it (it is known from third-party code, not the reference).
func more(p page, n, size int) bool {
	if p.Pagination.NextPage != nil {
		return *p.Pagination.NextPage > 0
	}
	return n >= size && n > 0
}

func mapReferral(r referral) (affiliates.Referral, bool) {
	ref := affiliates.Referral{
		ID: r.ID, AffiliateID: r.Affiliate.ID, AffiliateEmail: r.Affiliate.Email,
		CustomerEmail: r.Customer.Email, CreatedAt: affiliates.ParseTime(r.CreatedAt),
	}
	switch r.ConversionState {
	case "conversion":
		ref.Status, ref.ConvertedAt = affiliates.ReferralConverted, affiliates.ParseTime(r.BecameConversionAt)
	case "lead":
		ref.Status = affiliates.ReferralLead
	default: // a visitor is a click, not a sign-up
		return ref, false
	}
	if r.DeactivatedAt != "" {
		ref.Status = affiliates.ReferralCancelled
	}
	return ref, true
}

func (c *Client) commissions(ctx context.Context, q url.Values) ([]affiliates.Commission, bool, error) {
	var body struct {
		page
		Data []commission `json:"data"`
	}
	if err := c.http.JSON(ctx, connectors.Request{Path: "/v1/commissions", Query: q}, &body); err != nil {
		return nil, false, fmt.Errorf("affiliates %s: list commissions: %w", Name, err)
	}
	out := make([]affiliates.Commission, 0, len(body.Data))
	for _, m := range body.Data {
		aff := m.Affiliate
		if aff.ID == "" { // where the object nests it under the sale instead
			aff = m.Sale.Affiliate
		}
		out = append(out, affiliates.Commission{
			ID: m.ID, AffiliateID: aff.ID, AffiliateEmail: aff.Email, ReferralID: m.Sale.Referral.ID,
			AmountMinor: m.Amount, Currency: strings.ToUpper(m.Currency), Status: commissionStatus(m.State),
			CreatedAt: affiliates.ParseTime(m.CreatedAt),
		})
	}
	return out, more(body.page, len(body.Data), c.pageSize), nil
}

// commissionStatus maps Rewardful's states, which are already ours; anything new is pending
// until someone looks, so it is neither paid nor dropped.
func commissionStatus(s string) string {
	switch s {
	case "due", "paid", "voided", "pending":
		return s
	}
	return affiliates.CommissionPending
}
