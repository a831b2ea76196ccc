// Package partnerstack is the affiliate-platform client for PartnerStack's Vendor API v2.
//
// API (docs.partnerstack.com/reference): HTTP Basic with the public key as user and the secret
// key as password (Test and Production keys are separate; test keys must not meet real
// partners). JSON bodies {data, message, status}; lists are data.items with data.has_more and
// the starting_after cursor (an item's key), limit 1–250. Times are epoch milliseconds.
//   - Look up: GET /api/v2/partnerships/{identifier}, first with our partner_key, then with the
//     email. Which identifiers that path accepts is unverified [U]; a 404 reads as "not
//     found", so at worst the create's duplicate answer sends us to look again.
//   - Create: POST /api/v2/partnerships {email, first_name, last_name, partner_key[,
//     group_key]}. partner_key is ours (unique), so it survives an email change. The
//     duplicate-email answer is unverified [U]: any 400/409/422 is checked by looking up again,
//     and only a hit counts as found.
//   - Links: GET /api/v2/links/partnership/{email} → {key, dest, url} (the email as identifier,
//     as Dub's importer does [C]).
//   - Outcomes: GET /api/v2/customers (a partner's customer is a referral; one a payment
//     provider knows, provider_key set, is converted — PartnerStack has no conversion flag;
//     test customers are dropped), GET /api/v2/rewards and GET /api/v2/rewards?status=scheduled,
//     because scheduled rewards are missing from the default list. Full walks: no updated filter.
//
// Rate: the Rate Limits page was not retrieved [U]; we pace at 5 requests/s and honour
// Retry-After when PartnerStack sends it.
package partnerstack

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// Name is the registry name.
const Name = "partnerstack"

// DefaultBaseURL is PartnerStack's API host; paths carry /api/v2.
const DefaultBaseURL = "https://api.partnerstack.com"

const maxPageSize = 250

func init() { affiliates.Register(Name, New) }

// Client talks to one PartnerStack vendor account. Build it with New.
type Client struct {
	http     *connectors.Client
	group    string
	pageSize int
}

// New builds a PartnerStack client.
func New(s affiliates.Settings) (affiliates.Platform, error) {
	if s.APIKey == "" || s.PublicKey == "" {
		return nil, fmt.Errorf("affiliates %s: api_key (the secret key) and public_key are both required", Name)
	}
	public, secret := s.PublicKey, s.APIKey
	auth := func(r *http.Request) { r.SetBasicAuth(public, secret) }
	return &Client{
		http:     s.HTTPClient(Name, DefaultBaseURL, "", auth, connectors.PerSecond(5, time.Second, 5)),
		group:    s.Campaign,
		pageSize: s.PageSizeOr(maxPageSize),
	}, nil
}

// Name implements affiliates.Platform.
func (c *Client) Name() string { return Name }

// partnership is a partnership as GET /api/v2/partnerships[/{id}] returns it.
type partnership struct {
	Key        string `json:"key"`
	Email      string `json:"email"`
	PartnerKey string `json:"partner_key"`
	CreatedAt  int64  `json:"created_at"` // epoch ms: when the partner joined
}

// FindOrCreate implements affiliates.Platform.
func (c *Client) FindOrCreate(ctx context.Context, p affiliates.Person) (affiliates.Affiliate, error) {
	email, err := affiliates.RequireEmail(Name, p)
	if err != nil {
		return affiliates.Affiliate{}, err
	}
	found, ok, err := c.lookup(ctx, p.ExternalID, email)
	if err != nil {
		return affiliates.Affiliate{}, err
	}
	created := false
	if !ok {
		if found, created, err = c.create(ctx, p, email); err != nil {
			return affiliates.Affiliate{}, err
		}
	}
	link, err := c.link(ctx, found.Email)
	if err != nil {
		return affiliates.Affiliate{}, err
	}
	return affiliates.Affiliate{ID: found.Key, Email: found.Email, Links: affiliates.CleanLinks([]string{link}), Created: created}, nil
}

// create posts the partnership. PartnerStack's duplicate answer is undocumented, so every
// client-error status a duplicate could plausibly use is checked by a lookup.
func (c *Client) create(ctx context.Context, p affiliates.Person, email string) (partnership, bool, error) {
	body := map[string]any{"email": email, "first_name": p.FirstName, "last_name": p.LastName}
	if p.ExternalID != "" {
		body["partner_key"] = p.ExternalID
	}
	if c.group != "" {
		body["group_key"] = c.group
	}
	return affiliates.CreateOrFind(Name,
		func() (partnership, error) {
			var out struct {
				Data partnership `json:"data"`
			}
			err := c.http.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/api/v2/partnerships", Body: body}, &out)
			return out.Data, err
		},
		func() (partnership, bool, error) { return c.lookup(ctx, p.ExternalID, email) },
		http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity)
}

// lookup tries our partner_key, then the email; 404 means "not under this identifier".
func (c *Client) lookup(ctx context.Context, partnerKey, email string) (partnership, bool, error) {
	for _, id := range []string{partnerKey, email} {
		if id == "" {
			continue
		}
		var out struct {
			Data partnership `json:"data"`
		}
		err := c.http.JSON(ctx, connectors.Request{Path: "/api/v2/partnerships/" + url.PathEscape(id)}, &out)
		if affiliates.HasStatus(err, http.StatusNotFound) {
			continue
		}
		if err != nil {
			return partnership{}, false, fmt.Errorf("affiliates %s: look up partnership: %w", Name, err)
		}
		// Check the match: an identifier read loosely must not hand someone else's link over.
		if (id == partnerKey && out.Data.PartnerKey == partnerKey) || strings.EqualFold(out.Data.Email, email) {
			return out.Data, true, nil
		}
	}
	return partnership{}, false, nil
}

func (c *Client) link(ctx context.Context, email string) (string, error) {
	var out struct {
		Data struct {
			URL string `json:"url"`
		} `json:"data"`
	}
	if err := c.http.JSON(ctx, connectors.Request{Path: "/api/v2/links/partnership/" + url.PathEscape(email)}, &out); err != nil {
		return "", fmt.Errorf("affiliates %s: read the partnership's referral link: %w", Name, err)
	}
	return out.Data.URL, nil
}

var _ affiliates.Platform = (*Client)(nil)
