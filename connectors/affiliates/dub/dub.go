// Package dub is the affiliate-platform client for Dub Partners (api.dub.co).
//
// API (dub.co/docs/api-reference): Authorization: Bearer dub_… (a workspace key); partner
// endpoints need Dub's Advanced plan. JSON in and out; errors are {"error":{code,message}}.
//   - Look up: GET /partners?tenantId=… (our id, when we have one), else GET /partners?email=….
//   - Create: POST /partners {email, name, tenantId[, groupId]}. Dub upserts by email: an
//     existing partner's enrollment gets our tenantId, so a retry or a lost response can never
//     make a second partner. Dub sends no welcome email for API enrollments we could switch off.
//   - Links: the partner's links[].shortLink; when a partner has none yet, GET
//     /partners/links?partnerId=….
//   - Outcomes: GET /customers?includeExpandedFields=true (adds partner{id,email}; a customer a
//     partner brought is a referral, one with sales is converted) with page/pageSize oldest
//     first, and GET /commissions
//     (earnings = the commission in cents; amount is the sale) with sortBy=createdAt,
//     sortOrder=asc and the startingAfter cursor. Neither has an updated filter: each pass is
//     a full walk.
//
// Rate: by plan, 60–3,000 requests/min per key, with X-RateLimit-* and Retry-After headers. We
// pace at 600/min (Pro) and honour Retry-After; the partner endpoints need Advanced (3,000).
//
// Concurrent creates for one email answered 500 until dubinc/dub#4478, so FindOrCreate calls
// on one client run one at a time (approvals are rare; the cost is nothing).
package dub

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// Name is the registry name.
const Name = "dub"

// DefaultBaseURL is Dub's API host.
const DefaultBaseURL = "https://api.dub.co"

const maxPageSize = 100

func init() { affiliates.Register(Name, New) }

// Client talks to one Dub workspace's partner program. Build it with New.
type Client struct {
	http     *connectors.Client
	group    string
	pageSize int
	creating sync.Mutex
}

// New builds a Dub client.
func New(s affiliates.Settings) (affiliates.Platform, error) {
	if s.APIKey == "" {
		return nil, fmt.Errorf("affiliates %s: api_key (a dub_ workspace key) is required", Name)
	}
	key := s.APIKey
	auth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
	return &Client{
		http:     s.HTTPClient(Name, DefaultBaseURL, "", auth, connectors.PerSecond(600, time.Minute, 10)),
		group:    s.Campaign,
		pageSize: s.PageSizeOr(maxPageSize),
	}, nil
}

// Name implements affiliates.Platform.
func (c *Client) Name() string { return Name }

type partner struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	TenantID string `json:"tenantId"`
	Links    []link `json:"links"`
}

type link struct {
	ShortLink string `json:"shortLink"`
}

func urls(ls []link) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.ShortLink)
	}
	return affiliates.CleanLinks(out)
}

// FindOrCreate implements affiliates.Platform.
func (c *Client) FindOrCreate(ctx context.Context, p affiliates.Person) (affiliates.Affiliate, error) {
	email, err := affiliates.RequireEmail(Name, p)
	if err != nil {
		return affiliates.Affiliate{}, err
	}
	c.creating.Lock()
	defer c.creating.Unlock()
	found, ok, err := c.lookup(ctx, p.ExternalID, email)
	if err != nil {
		return affiliates.Affiliate{}, err
	}
	created := !ok
	if !ok {
		body := map[string]any{"email": email, "name": strings.TrimSpace(p.FirstName + " " + p.LastName)}
		if p.ExternalID != "" {
			body["tenantId"] = p.ExternalID
		}
		if c.group != "" {
			body["groupId"] = c.group
		}
		// An upsert by email: if someone created the partner since our lookup, this returns it.
		if err := c.http.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/partners", Body: body}, &found); err != nil {
			return affiliates.Affiliate{}, fmt.Errorf("affiliates %s: create partner: %w", Name, err)
		}
	}
	links := urls(found.Links)
	if len(links) == 0 {
		if links, err = c.links(ctx, found.ID); err != nil {
			return affiliates.Affiliate{}, err
		}
	}
	return affiliates.Affiliate{ID: found.ID, Email: found.Email, Links: links, Created: created}, nil
}

// lookup finds the partner by our tenantId first (it survives an email change), then by email.
func (c *Client) lookup(ctx context.Context, tenantID, email string) (partner, bool, error) {
	queries := []url.Values{{"email": {email}}}
	if tenantID != "" {
		queries = append([]url.Values{{"tenantId": {tenantID}}}, queries...)
	}
	for _, q := range queries {
		var list []partner
		if err := c.http.JSON(ctx, connectors.Request{Path: "/partners", Query: q}, &list); err != nil {
			return partner{}, false, fmt.Errorf("affiliates %s: look up partner: %w", Name, err)
		}
		for _, p := range list {
			// Check the match ourselves: a filter that turned out fuzzy must not hand someone
			// else's link to this person.
			if (q.Has("tenantId") && p.TenantID == tenantID) || strings.EqualFold(p.Email, email) {
				return p, true, nil
			}
		}
	}
	return partner{}, false, nil
}

func (c *Client) links(ctx context.Context, partnerID string) ([]string, error) {
	var ls []link
	if err := c.http.JSON(ctx, connectors.Request{Path: "/partners/links", Query: url.Values{"partnerId": {partnerID}}}, &ls); err != nil {
		return nil, fmt.Errorf("affiliates %s: list partner %s's links: %w", Name, partnerID, err)
	}
	return urls(ls), nil
}

var _ affiliates.Platform = (*Client)(nil)
