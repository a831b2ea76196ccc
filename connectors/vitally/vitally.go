// Package vitally is the connector for Vitally, the customer-success platform. It reads
// accounts and their health score.
//
// API: GET {base_url}/resources/accounts?limit=N&sortBy=updatedAt[&from=CURSOR] with Basic
// auth, the API key (token) as user and an empty password. The answer is {results, next}; next
// is null on the last page, and a page may be empty while next is set. Vitally lists by
// updatedAt, newest first.
//
// Settings: token (required), base_url (default https://rest.vitally.io; EU workspaces and
// proxies override it).
// Options:
//   - page_size: accounts per request, 1–100 (default 100, Vitally's maximum).
//   - domain_trait: the account trait that holds the company's web domain. Default: the
//     "domain" trait, else the "website" trait, else the account's externalId when it is a
//     domain name. Vitally's account object has no domain field of its own.
//
// Records:
//   - Customer per account: ExternalID = Vitally's account id, Domain as above, Name.
//   - Signal "health_score" = the account's healthScore × 10, observed at the account's
//     updatedAt. Vitally documents healthScore on the account object as 0–10; Advocate's
//     health_score is 0–100, so a 7.3 becomes 73. The score comes from the list itself, not
//     from GET /resources/accounts/{id}/healthScores: the list already carries the current
//     score, and the per-account endpoint (a breakdown by score component) would cost one
//     request per account. An account without a score (null) gets no signal.
//
// Deliberately not emitted:
//   - owner: the account names its CSM by Vitally user id (csmId), not by email.
//   - mrr and npsScore: the currency of mrr is the workspace's and unknown here; npsScore is
//     an account-level −100…100 aggregate, not an answer on the 0–10 scale the nps signal uses.
//   - Contacts (Vitally users): not needed for the health score; a later addition.
//
// Sync state (the cursor, JSON): Vitally's page cursor for the pass in progress, the pass's
// lower bound, and the high-water mark (newest updatedAt seen). A finished pass makes the next
// run incremental: it reads newest first and stops at the first account older than high-water
// mark − connectors.Overlap. Accounts edited during a pass move to the top of the list, which
// the pass has passed, and have an updatedAt newer than its high-water mark, so the next run
// reads them. An empty cursor is a full sync.
//
// Assumption: Vitally bumps updatedAt when the health score changes (the score is part of the
// account object). If it did not, an incremental pass would miss a score change until the
// account changes otherwise; reset the cursor for a full pass in that case.
//
// Rate: Vitally allows 1,000 requests a minute (sliding window) and answers 429 with
// RateLimit-Limit/-Remaining/-Reset headers; the shared client waits RateLimit-Reset seconds.
package vitally

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("vitally", New)
	connectors.RegisterCapabilities("vitally",
		connectors.Capability{Input: "health_score", How: "maps the account's healthScore (0–10) × 10"})
}

// Provides is what a pass publishes: health_score. An account's createdAt is when Vitally
// first saw it, not when it became a customer, and its traits are workspace-defined, so no
// customer_since, plan or channel.
func (c *Connector) Provides() connectors.Provides {
	return connectors.Provides{Signals: []string{"health_score"}}
}

// DefaultBaseURL is Vitally's REST API host.
const DefaultBaseURL = "https://rest.vitally.io"

const maxPageSize = 100

var options = []string{"domain_trait", "page_size"}

// Connector reads accounts from one Vitally workspace. Build it with New.
type Connector struct {
	client      *connectors.Client
	pageSize    int
	domainTrait string
	now         func() time.Time
}

// New builds a Vitally connector, rejecting settings it cannot use.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"token": s.Token}); err != nil {
		return nil, fmt.Errorf("vitally: %w", err)
	}
	o := s.ReadOptions(options...)
	c := &Connector{now: s.Now,
		pageSize:    o.Int("page_size", maxPageSize, 1, maxPageSize),
		domainTrait: o.NonEmpty("domain_trait", "leave it out to use the domain or website trait"),
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	token := s.Token
	c.client = connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(1000, time.Minute, 20))
	c.client.Auth = func(r *http.Request) { r.SetBasicAuth(token, "") }
	return c, nil
}

// cursor is the sync state between pages and runs.
type cursor struct {
	// HWM is the newest updatedAt of the last finished pass.
	HWM time.Time `json:"hwm,omitzero"`
	// InPass is set while a pass is in progress; From, Since and Max belong to it.
	InPass bool      `json:"in_pass,omitempty"`
	From   string    `json:"from,omitempty"` // Vitally's cursor for the next page
	Since  time.Time `json:"since,omitzero"` // stop at accounts older than this (zero: full pass)
	Max    time.Time `json:"max,omitzero"`   // newest updatedAt seen in this pass
}

type listResponse struct {
	Results []account `json:"results"`
	Next    *string   `json:"next"`
}

// account is the part of Vitally's account object the connector reads.
type account struct {
	ID          string         `json:"id"`
	ExternalID  string         `json:"externalId"`
	Name        string         `json:"name"`
	Traits      map[string]any `json:"traits"`
	UpdatedAt   time.Time      `json:"updatedAt"`
	HealthScore *float64       `json:"healthScore"`
}

// Sync reads accounts newest first, committing each page with the cursor to resume from.
func (c *Connector) Sync(ctx context.Context, raw string, sink connectors.Sink) error {
	var cur cursor
	if err := connectors.DecodeCursor(raw, &cur); err != nil {
		return fmt.Errorf("vitally: %w", err)
	}
	if !cur.InPass {
		cur = cursor{HWM: cur.HWM, InPass: true, Max: cur.HWM}
		if !cur.HWM.IsZero() {
			cur.Since = cur.HWM.Add(-connectors.Overlap)
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		resp, err := c.list(ctx, cur.From)
		if err != nil {
			return err
		}
		var page connectors.Page
		reachedOld := c.absorb(resp.Results, &cur, &page)
		next := ""
		if resp.Next != nil {
			next = *resp.Next
		}
		if next != "" && next == cur.From && len(resp.Results) == 0 {
			return fmt.Errorf("vitally: list accounts: the API returned an empty page pointing at itself (cursor %q)", next)
		}
		done := reachedOld || next == ""
		if done {
			cur = cursor{HWM: latest(cur.Max, cur.HWM)}
		} else {
			cur.From = next
		}
		page.Cursor = connectors.EncodeCursor(cur)
		if err := sink.Commit(ctx, page); err != nil {
			return fmt.Errorf("vitally: commit page: %w", err)
		}
		if done {
			return nil
		}
	}
}

// list reads the page of accounts at Vitally's cursor from ("" for the first page).
func (c *Connector) list(ctx context.Context, from string) (listResponse, error) {
	q := url.Values{"limit": {strconv.Itoa(c.pageSize)}, "sortBy": {"updatedAt"}}
	if from != "" {
		q.Set("from", from)
	}
	var resp listResponse
	if err := c.client.JSON(ctx, connectors.Request{Path: "/resources/accounts", Query: q}, &resp); err != nil {
		return listResponse{}, fmt.Errorf("vitally: list accounts: %w", err)
	}
	return resp, nil
}

// absorb maps a page's accounts into page and moves the pass's newest updatedAt. It stops at
// the first account older than the pass's lower bound and reports that it reached it.
func (c *Connector) absorb(accounts []account, cur *cursor, page *connectors.Page) (reachedOld bool) {
	for _, a := range accounts {
		if !cur.Since.IsZero() && !a.UpdatedAt.IsZero() && a.UpdatedAt.Before(cur.Since) {
			return true // newest first: everything after this is older still
		}
		c.mapAccount(a, page)
		if a.UpdatedAt.After(cur.Max) {
			cur.Max = a.UpdatedAt
		}
	}
	return false
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// mapAccount adds an account's customer record and health score to page.
func (c *Connector) mapAccount(a account, page *connectors.Page) {
	if strings.TrimSpace(a.ID) == "" {
		page.Problems = append(page.Problems, connectors.Problem{Where: "vitally account " + cmp.Or(a.Name, a.ExternalID), Message: "account without id skipped"})
		return
	}
	ref := connectors.Ref{ExternalID: a.ID, Domain: c.domain(a)}
	page.Customers = append(page.Customers, connectors.Customer{Ref: ref, Name: strings.TrimSpace(a.Name)})
	if a.HealthScore == nil {
		return
	}
	v := *a.HealthScore
	if v < 0 || v > 10 || math.IsNaN(v) {
		page.Problems = append(page.Problems, connectors.Problem{Where: "vitally account " + a.ID,
			Message: fmt.Sprintf("healthScore %v is outside Vitally's 0–10 scale; not recorded", v)})
		return
	}
	at := a.UpdatedAt
	if at.IsZero() {
		at = c.now()
	}
	page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: "health_score",
		Value: math.Round(v*1000) / 100, ObservedAt: at.UTC()}) // ×10, kept to two decimals
}

// domain finds the account's web domain: the configured trait, else the domain or website
// trait, else an externalId that is itself a domain.
func (c *Connector) domain(a account) string {
	if c.domainTrait != "" {
		return connectors.NormalizeDomain(traitString(a.Traits, c.domainTrait))
	}
	for _, k := range []string{"domain", "website"} {
		if d := connectors.NormalizeDomain(traitString(a.Traits, k)); d != "" {
			return d
		}
	}
	if isDomain(a.ExternalID) {
		return connectors.NormalizeDomain(a.ExternalID)
	}
	return ""
}

func traitString(traits map[string]any, key string) string {
	s, _ := traits[key].(string)
	return s
}

// isDomain reports whether s names a web domain (see connectors.NormalizeDomain).
func isDomain(s string) bool { return connectors.NormalizeDomain(s) != "" }
