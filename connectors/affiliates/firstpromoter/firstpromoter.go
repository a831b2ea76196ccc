// Package firstpromoter is the affiliate-platform client for FirstPromoter's API v2.
//
// API (docs.firstpromoter.com/api-reference-v2): Authorization: Bearer <key> plus an
// ACCOUNT-ID header, on https://api.firstpromoter.com/api/v2/company. JSON; ids are integers.
//   - Look up: GET /promoters/{cust_id}?find_by=cust_id (our id), then
//     GET /promoters/{email}?find_by=email; a 404 is "not found".
//   - Create: POST /promoters {email, cust_id, profile{first_name,last_name},
//     initial_campaign_id, drip_emails:false} → 201. drip_emails is off because Advocate's drip
//     onboards (v1 sent its acceptance email unless told not to; v2's drip_emails is described
//     as "send email notification to promoter" [third-party summary], so false keeps it quiet). The duplicate answer is unverified [U] (422 bodies are
//     {message, code, errors{field:[…]}}): any 400/409/422 is checked by looking up again.
//   - Links: promoter_campaigns[].ref_link.
//   - Outcomes: GET /referrals and GET /commissions with page/per_page (≤ 100), bare arrays,
//     a short or empty page ends the walk; no updated filter, so each pass walks everything.
//     Commissions in a non-cash unit (credits, points, free months, discounts) are dropped;
//     amount is in cents. The commission carries no currency of its own: amounts are in the
//     account's currency, taken as USD unless original_sale_currency says otherwise [U].
//
// Rate: 400 requests/min per account, then 429 without a documented Retry-After [third-party
// summary of the v2 introduction]; we pace at that rate.
package firstpromoter

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// Name is the registry name.
const Name = "firstpromoter"

// DefaultBaseURL is FirstPromoter's API host; paths carry /api/v2/company.
const DefaultBaseURL = "https://api.firstpromoter.com"

const (
	maxPageSize = 100
	prefix      = "/api/v2/company"
)

func init() { affiliates.Register(Name, New) }

// Client talks to one FirstPromoter account. Build it with New.
type Client struct {
	http     *connectors.Client
	campaign string
	pageSize int
}

// New builds a FirstPromoter client.
func New(s affiliates.Settings) (affiliates.Platform, error) {
	if s.APIKey == "" || s.AccountID == "" {
		return nil, fmt.Errorf("affiliates %s: api_key and account_id are both required", Name)
	}
	if _, err := strconv.Atoi(cmp.Or(s.Campaign, "0")); err != nil {
		return nil, fmt.Errorf("affiliates %s: campaign must be a numeric campaign id, got %q", Name, s.Campaign)
	}
	key := s.APIKey
	auth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
	c := &Client{
		http:     s.HTTPClient(Name, DefaultBaseURL, prefix, auth, connectors.PerSecond(400, time.Minute, 10)),
		campaign: s.Campaign,
		pageSize: s.PageSizeOr(maxPageSize),
	}
	c.http.Header = http.Header{"Account-Id": {s.AccountID}}
	return c, nil
}

// Name implements affiliates.Platform.
func (c *Client) Name() string { return Name }

// id reads FirstPromoter's integer ids (and tolerates strings) as text.
type id string

func (i *id) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	*i = id(strings.Trim(string(b), `"`))
	return nil
}

// promoter is a promoter as POST /promoters, GET /promoters/{v} and GET /promoters return it.
type promoter struct {
	ID        id     `json:"id"`
	Email     string `json:"email"`
	CustID    string `json:"cust_id"`
	CreatedAt string `json:"created_at"` // when the promoter joined
	Campaigns []struct {
		RefLink string `json:"ref_link"`
	} `json:"promoter_campaigns"`
}

func (p promoter) public(created bool) affiliates.Affiliate {
	links := make([]string, 0, len(p.Campaigns))
	for _, pc := range p.Campaigns {
		links = append(links, pc.RefLink)
	}
	return affiliates.Affiliate{ID: string(p.ID), Email: p.Email, Links: affiliates.CleanLinks(links), Created: created}
}

// FindOrCreate implements affiliates.Platform.
func (c *Client) FindOrCreate(ctx context.Context, p affiliates.Person) (affiliates.Affiliate, error) {
	email, err := affiliates.RequireEmail(Name, p)
	if err != nil {
		return affiliates.Affiliate{}, err
	}
	if found, ok, err := c.lookup(ctx, p.ExternalID, email); err != nil || ok {
		return found.public(false), err
	}
	body := map[string]any{"email": email, "drip_emails": false,
		"profile": map[string]any{"first_name": p.FirstName, "last_name": p.LastName}}
	if p.ExternalID != "" {
		body["cust_id"] = p.ExternalID
	}
	if c.campaign != "" {
		n, _ := strconv.Atoi(c.campaign) // checked in New
		body["initial_campaign_id"] = n
	}
	// The duplicate answer is undocumented, so each plausible status is checked by a lookup.
	found, created, err := affiliates.CreateOrFind(Name,
		func() (promoter, error) {
			var created promoter
			err := c.http.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/promoters", Body: body}, &created)
			return created, err
		},
		func() (promoter, bool, error) { return c.lookup(ctx, p.ExternalID, email) },
		http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity)
	return found.public(created), err
}

// lookup tries our cust_id, then the email.
func (c *Client) lookup(ctx context.Context, custID, email string) (promoter, bool, error) {
	tries := [][2]string{{"cust_id", custID}, {"email", email}}
	for _, t := range tries {
		if t[1] == "" {
			continue
		}
		var p promoter
		err := c.http.JSON(ctx, connectors.Request{Path: "/promoters/" + url.PathEscape(t[1]), Query: url.Values{"find_by": {t[0]}}}, &p)
		if affiliates.HasStatus(err, http.StatusNotFound) {
			continue
		}
		if err != nil {
			return promoter{}, false, fmt.Errorf("affiliates %s: look up promoter by %s: %w", Name, t[0], err)
		}
		// Check the match: a loose find_by must not hand someone else's link over.
		if (t[0] == "cust_id" && p.CustID == custID) || strings.EqualFold(p.Email, email) {
			return p, true, nil
		}
	}
	return promoter{}, false, nil
}

var _ affiliates.Platform = (*Client)(nil)
