package dub

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// cursor is where a pass stands: partners by page, then customers by page, then commissions
// after an id.
type cursor struct {
	Phase string `json:"phase"` // "" or "partners", then "customers", then "commissions"
	Page  int    `json:"page,omitempty"`
	After string `json:"after,omitempty"`
}

type customer struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	CreatedAt string  `json:"createdAt"`
	Sales     int     `json:"sales"`
	Partner   *person `json:"partner"`
}

type person struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

type commission struct {
	ID        string `json:"id"`
	Earnings  int64  `json:"earnings"` // the commission, in cents; "amount" is the sale
	Currency  string `json:"currency"`
	Status    string `json:"status"`
	CreatedAt string `json:"createdAt"`
	Partner   person `json:"partner"`
	Customer  *struct {
		ID string `json:"id"`
	} `json:"customer"`
}

// listedPartner is an item of GET /partners: createdAt is when the partner joined the program.
type listedPartner struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	CreatedAt string `json:"createdAt"`
}

// Outcomes implements affiliates.Platform: a full walk of partners (with their join dates),
// customers, then commissions.
func (c *Client) Outcomes(ctx context.Context, cur string, sink func(affiliates.OutcomePage) error) error {
	start := func(st cursor) cursor {
		if st.Phase == "" {
			st = cursor{Phase: "partners", Page: 1}
		}
		return st
	}
	step := func(ctx context.Context, st cursor) (out affiliates.OutcomePage, next cursor, done bool, err error) {
		switch st.Phase {
		case "partners":
			out.Affiliates, next, err = c.partners(ctx, st)
		case "customers":
			out.Referrals, next, err = c.customers(ctx, st)
		default:
			out.Commissions, next, err = c.commissions(ctx, st)
		}
		return out, next, next.Phase == "", err
	}
	return affiliates.Walk(ctx, Name, cur, start, step, sink)
}

func (c *Client) partners(ctx context.Context, st cursor) ([]affiliates.PlatformAffiliate, cursor, error) {
	q := url.Values{"page": {strconv.Itoa(st.Page)}, "pageSize": {strconv.Itoa(c.pageSize)}, "sortBy": {"createdAt"}, "sortOrder": {"asc"}}
	var list []listedPartner
	if err := c.http.JSON(ctx, connectors.Request{Path: "/partners", Query: q}, &list); err != nil {
		return nil, st, fmt.Errorf("affiliates %s: list partners: %w", Name, err)
	}
	out := make([]affiliates.PlatformAffiliate, 0, len(list))
	for _, p := range list {
		if p.ID != "" {
			out = append(out, affiliates.PlatformAffiliate{ID: p.ID, Email: p.Email, CreatedAt: affiliates.ParseTime(p.CreatedAt)})
		}
	}
	if len(list) < c.pageSize {
		return out, cursor{Phase: "customers", Page: 1}, nil
	}
	return out, cursor{Phase: "partners", Page: st.Page + 1}, nil
}

func (c *Client) customers(ctx context.Context, st cursor) ([]affiliates.Referral, cursor, error) {
	// Oldest first: customers created during the walk land on the last page instead of pushing
	// earlier ones onto pages already read (Dub's default is newest first).
	q := url.Values{"page": {strconv.Itoa(st.Page)}, "pageSize": {strconv.Itoa(c.pageSize)}, "includeExpandedFields": {"true"},
		"sortBy": {"createdAt"}, "sortOrder": {"asc"}}
	var list []customer
	if err := c.http.JSON(ctx, connectors.Request{Path: "/customers", Query: q}, &list); err != nil {
		return nil, st, fmt.Errorf("affiliates %s: list customers: %w", Name, err)
	}
	out := make([]affiliates.Referral, 0, len(list))
	for _, cu := range list {
		if cu.Partner == nil || cu.Partner.ID == "" {
			continue // came without a partner: not a referral
		}
		r := affiliates.Referral{ID: cu.ID, AffiliateID: cu.Partner.ID, AffiliateEmail: cu.Partner.Email,
			CustomerEmail: cu.Email, Status: affiliates.ReferralLead, CreatedAt: affiliates.ParseTime(cu.CreatedAt)}
		if cu.Sales > 0 {
			r.Status = affiliates.ReferralConverted
		}
		out = append(out, r)
	}
	if len(list) < c.pageSize {
		return out, cursor{Phase: "commissions"}, nil
	}
	return out, cursor{Phase: "customers", Page: st.Page + 1}, nil
}

func (c *Client) commissions(ctx context.Context, st cursor) ([]affiliates.Commission, cursor, error) {
	q := url.Values{"pageSize": {strconv.Itoa(c.pageSize)}, "sortBy": {"createdAt"}, "sortOrder": {"asc"}}
	if st.After != "" {
		q.Set("startingAfter", st.After)
	}
	var list []commission
	if err := c.http.JSON(ctx, connectors.Request{Path: "/commissions", Query: q}, &list); err != nil {
		return nil, st, fmt.Errorf("affiliates %s: list commissions: %w", Name, err)
	}
	out := make([]affiliates.Commission, 0, len(list))
	for _, m := range list {
		cm := affiliates.Commission{ID: m.ID, AffiliateID: m.Partner.ID, AffiliateEmail: m.Partner.Email,
			AmountMinor: m.Earnings, Currency: strings.ToUpper(cmp.Or(m.Currency, "usd")),
			Status: commissionStatus(m.Status), CreatedAt: affiliates.ParseTime(m.CreatedAt)}
		if m.Customer != nil {
			cm.ReferralID = m.Customer.ID
		}
		out = append(out, cm)
	}
	if len(list) < c.pageSize {
		return out, cursor{}, nil
	}
	return out, cursor{Phase: "commissions", After: list[len(list)-1].ID}, nil
}

// commissionStatus maps Dub's statuses: processed means approved for the next payout.
func commissionStatus(s string) string {
	switch s {
	case "processed":
		return affiliates.CommissionDue
	case "paid":
		return affiliates.CommissionPaid
	case "refunded", "duplicate", "fraud", "canceled":
		return affiliates.CommissionVoided
	}
	return affiliates.CommissionPending
}
