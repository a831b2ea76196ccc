// Package rewardful is the affiliate-platform client for Rewardful (REST API v1).
//
// API (developers.rewardful.com/rest-api): HTTP Basic with the API secret as user and an empty
// password; form-encoded requests, JSON answers.
//   - Look up: GET /v1/affiliates?email=…&expand[]=links (0 or 1 affiliates).
//   - Create: POST /v1/affiliates (first_name, last_name, email[, campaign_id]). Rewardful sends
//     no welcome email for API-created affiliates, so there is no switch to set. We never send
//     stripe_customer_id: it turns the affiliate into a customer referrer paid in Stripe account
//     credits, which is not what a recruited customer signed up for. Rewardful has no field for
//     our own id, so lookup is by email only.
//   - Duplicate email: not documented; integrations see a 422 whose body says "Email has already
//     been taken". We treat any 422 mentioning "taken" as found and look up again.
//   - Links: the affiliate's links[].url (there is no top-level link field).
//   - Outcomes: GET /v1/referrals?updated_since=…&expand[]=affiliate (incremental) and
//     GET /v1/commissions (no updated filter: a full walk every pass), page/limit (≤ 100), the
//     envelope {pagination{next_page}, data}. Visitors (clicks) are not referrals and are dropped.
//
// Rate: "in most cases 45 requests per 30 seconds" [third-party summary of the overview]; we
// pace at that rate. 429s carry draft RateLimit headers but no documented Retry-After; the
// shared client reads RateLimit-Reset when present and backs off otherwise.
package rewardful

import (
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
const Name = "rewardful"

// DefaultBaseURL is Rewardful's API host; paths carry /v1.
const DefaultBaseURL = "https://api.getrewardful.com"

const maxPageSize = 100

func init() { affiliates.Register(Name, New) }

// Client talks to one Rewardful account. Build it with New.
type Client struct {
	http     *connectors.Client
	campaign string
	pageSize int
	now      func() time.Time
}

// New builds a Rewardful client.
func New(s affiliates.Settings) (affiliates.Platform, error) {
	if s.APIKey == "" {
		return nil, fmt.Errorf("affiliates %s: api_key (the API secret) is required", Name)
	}
	key := s.APIKey
	if s.Now == nil {
		s.Now = time.Now
	}
	return &Client{
		http:     s.HTTPClient(Name, DefaultBaseURL, "", func(r *http.Request) { r.SetBasicAuth(key, "") }, connectors.PerSecond(45, 30*time.Second, 5)),
		campaign: s.Campaign,
		pageSize: s.PageSizeOr(maxPageSize),
		now:      s.Now,
	}, nil
}

// Name implements affiliates.Platform.
func (c *Client) Name() string { return Name }

type affiliate struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Links []struct {
		URL string `json:"url"`
	} `json:"links"`
}

func (a affiliate) public(created bool) affiliates.Affiliate {
	links := make([]string, 0, len(a.Links))
	for _, l := range a.Links {
		links = append(links, l.URL)
	}
	return affiliates.Affiliate{ID: a.ID, Email: a.Email, Links: affiliates.CleanLinks(links), Created: created}
}

// FindOrCreate implements affiliates.Platform.
func (c *Client) FindOrCreate(ctx context.Context, p affiliates.Person) (affiliates.Affiliate, error) {
	email, err := affiliates.RequireEmail(Name, p)
	if err != nil {
		return affiliates.Affiliate{}, err
	}
	if a, ok, err := c.lookup(ctx, email); err != nil || ok {
		return a.public(false), err
	}
	form := url.Values{"email": {email}, "first_name": {p.FirstName}, "last_name": {p.LastName}}
	if c.campaign != "" {
		form.Set("campaign_id", c.campaign)
	}
	// Rewardful's duplicate answer is undocumented (integrations see a 422 with "Email has
	// already been taken" in details[], which the shared client's message does not carry), so
	// every 422 is checked by looking up again.
	a, created, err := affiliates.CreateOrFind(Name,
		func() (affiliate, error) {
			var created affiliate
			err := c.http.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/v1/affiliates", Form: form}, &created)
			return created, err
		},
		func() (affiliate, bool, error) { return c.lookup(ctx, email) },
		http.StatusUnprocessableEntity)
	return a.public(created), err
}

func (c *Client) lookup(ctx context.Context, email string) (affiliate, bool, error) {
	var page struct {
		Data []affiliate `json:"data"`
	}
	q := url.Values{"email": {email}, "expand[]": {"links"}}
	if err := c.http.JSON(ctx, connectors.Request{Path: "/v1/affiliates", Query: q}, &page); err != nil {
		return affiliate{}, false, fmt.Errorf("affiliates %s: look up affiliate by email: %w", Name, err)
	}
	for _, a := range page.Data {
		// The filter is documented as exact, but check: a fuzzy match must not hand someone
		// else's link to this person.
		if strings.EqualFold(a.Email, email) {
			return a, true, nil
		}
	}
	return affiliate{}, false, nil
}

var _ affiliates.Platform = (*Client)(nil)

func itoa(n int) string { return strconv.Itoa(n) }
