// Package custify is the connector for Custify, the customer-success platform. It reads
// companies and their health score.
//
// API: GET {base_url}/company/all?page=P&itemsPerPage=N with "Authorization: Bearer <token>".
// The answer is {companies, total}; pages are 1-based, and the pass ends on a short or empty
// page or when page × itemsPerPage reaches total.
//
// Settings: token (required), base_url (default https://api.custify.com; other Custify
// clusters override it).
// Options:
//   - page_size: companies per request, 1–500 (default 100).
//   - health_score: the key under the company's metrics.health_scores to read. Default:
//     "global" (the global health score), else the only score when the workspace has exactly
//     one. With several scores and no global one, set it to the score id you want.
//
// Records:
//   - Customer per company: ExternalID = Custify's id, Domain = the company's domain, else its
//     website; Name; Owner = owners_csm when it is an email address; attributes plan,
//     industry and lifecycle_stage when Custify has them.
//   - Signal "health_score" (0–100, Custify's own scale: 0 worst, 100 best) from the company
//     object's metrics.health_scores — the value the Custify app and Custify's own API client
//     read. It is observed at the score's updated_at, else the company's updated_at, else the
//     sync's clock. GET /health_score/{id}/values?companyId= is not used: it needs the score
//     definition's id, costs one request per company, and returns history we do not need — the
//     store builds its own history from the observations.
//
// Deliberately not emitted: mrr, arr and ltv (the currency is the workspace's and unknown
// here; billing connectors own those signals); churn_risk (not a signal Advocate scores);
// people (contacts) — not needed for the health score.
//
// Sync state (the cursor, JSON): the next page of the pass in progress. Custify's list has no
// documented "updated since" parameter, so every run is a full pass; a run that fails resumes
// at the page after the last committed one. Re-reading is harmless: observations carry the
// score's own timestamp, so an unchanged score adds no history.
//
// Rate: Custify documents 429 with Retry-After, which the shared client honours, but no fixed
// rate; we pace at 5 requests/s (burst 10).
package custify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("custify", New)
	connectors.RegisterCapabilities("custify",
		connectors.Capability{Input: "health_score", How: "maps the company's health score (global, or option score)"},
		connectors.Capability{Input: connectors.AttrPlan, How: "maps the company's plan"},
		connectors.Capability{Input: connectors.AttrIndustry, How: "maps the company's industry"},
	)
}

// Provides is what a pass publishes: health_score and the company's plan, industry and
// lifecycle stage.
func (c *Connector) Provides() connectors.Provides {
	return connectors.Provides{Signals: []string{"health_score"},
		Attributes: []string{connectors.AttrIndustry, "lifecycle_stage", connectors.AttrPlan}}
}

// DefaultBaseURL is Custify's API host.
const DefaultBaseURL = "https://api.custify.com"

const (
	defaultPageSize = 100
	maxPageSize     = 500
	globalScore     = "global"
)

var options = []string{"health_score", "page_size"}

// Connector reads companies from one Custify workspace. Build it with New.
type Connector struct {
	client   *connectors.Client
	pageSize int
	scoreKey string // "" = global, else the only score
	now      func() time.Time
	log      *slog.Logger
}

// New builds a Custify connector, rejecting settings it cannot use.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"token": s.Token}); err != nil {
		return nil, fmt.Errorf("custify: %w", err)
	}
	o := s.ReadOptions(options...)
	c := &Connector{now: s.Now, log: cmp.Or(s.Runtime.Log, slog.Default()).With("connector", s.Name),
		pageSize: o.Int("page_size", defaultPageSize, 1, maxPageSize),
		scoreKey: o.NonEmpty("health_score", "leave it out to read the global health score"),
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	token := s.Token
	c.client = connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(5, time.Second, 10))
	c.client.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	return c, nil
}

// cursor is the sync state between pages and runs.
type cursor struct {
	// Page is the next page of the pass in progress; 0 means start a new pass.
	Page int `json:"page,omitempty"`
}

type listResponse struct {
	Companies []company `json:"companies"`
	Total     int       `json:"total"`
}

// company is the part of Custify's company object the connector reads.
type company struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Domain         string  `json:"domain"`
	Website        string  `json:"website"`
	OwnersCSM      any     `json:"owners_csm"` // an email address; tolerated as anything else
	Plan           any     `json:"plan"`
	Industry       any     `json:"industry"`
	LifecycleStage any     `json:"lifecycle_stage"`
	UpdatedAt      stamp   `json:"updated_at"`
	Metrics        metrics `json:"metrics"`
}

type metrics struct {
	HealthScores map[string]json.RawMessage `json:"health_scores"`
}

// scoreEntry is one health score on a company: {value, label, color, updated_at}, or a bare
// number in workspaces that store just the value.
type scoreEntry struct {
	Value     *float64 `json:"value"`
	UpdatedAt stamp    `json:"updated_at"`
}

// stamp is a timestamp as Custify sends it: an ISO 8601 string, or a number of Unix seconds or
// milliseconds. It keeps the text; parseTime reads it.
type stamp string

func (s *stamp) UnmarshalJSON(b []byte) error {
	text, err := connectors.TextOrNumber(b, "timestamp")
	if err != nil {
		return err
	}
	*s = stamp(text)
	return nil
}

// Sync reads every company page by page, committing each page with the cursor to resume from.
func (c *Connector) Sync(ctx context.Context, raw string, sink connectors.Sink) error {
	var cur cursor
	if err := connectors.DecodeCursor(raw, &cur); err != nil {
		return fmt.Errorf("custify: %w", err)
	}
	page := max(cur.Page, 1)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "itemsPerPage": {strconv.Itoa(c.pageSize)}}
		var resp listResponse
		if err := c.client.JSON(ctx, connectors.Request{Path: "/company/all", Query: q}, &resp); err != nil {
			return fmt.Errorf("custify: list companies page %d: %w", page, err)
		}
		out := connectors.Page{}
		var unpicked map[string]bool // score keys seen when no score could be chosen
		for _, co := range resp.Companies {
			if keys := c.mapCompany(co, &out); len(keys) > 0 {
				if unpicked == nil {
					unpicked = map[string]bool{}
				}
				for _, k := range keys {
					unpicked[k] = true
				}
			}
		}
		if len(unpicked) > 0 {
			c.log.Warn("companies have several health scores and none is global; set options.health_score to one of them",
				"page", page, "scores", strings.Join(slices.Sorted(maps.Keys(unpicked)), ", "))
		}
		last := len(resp.Companies) < c.pageSize || (resp.Total > 0 && page*c.pageSize >= resp.Total)
		next := cursor{Page: page + 1}
		if last {
			next = cursor{} // the next run starts a new full pass
		}
		out.Cursor = connectors.EncodeCursor(next)
		if err := sink.Commit(ctx, out); err != nil {
			return fmt.Errorf("custify: commit page: %w", err)
		}
		if last {
			return nil
		}
		page++
	}
}

// mapCompany adds a company's customer record and health score to page. When the company has
// several health scores and the configuration picks none of them, it returns their keys.
func (c *Connector) mapCompany(co company, page *connectors.Page) (unpicked []string) {
	if strings.TrimSpace(co.ID) == "" {
		page.Problems = append(page.Problems, connectors.Problem{Where: "custify company " + co.Name, Message: "company without id skipped"})
		return nil
	}
	cust := customerOf(co)
	page.Customers = append(page.Customers, cust)
	key, unpicked := c.pickScore(co.Metrics.HealthScores)
	if len(unpicked) > 0 {
		return unpicked
	}
	if sig, ok := c.healthScore(co, key, cust.Ref, page); ok {
		page.Signals = append(page.Signals, sig)
	}
	return nil
}

// customerOf is the customer record of a company with an id.
func customerOf(co company) connectors.Customer {
	ref := connectors.Ref{ExternalID: co.ID, Domain: cmp.Or(connectors.NormalizeDomain(co.Domain), connectors.NormalizeDomain(co.Website))}
	cust := connectors.Customer{Ref: ref, Name: strings.TrimSpace(co.Name)}
	if owner, ok := co.OwnersCSM.(string); ok && strings.Contains(owner, "@") {
		cust.Owner = connectors.NormalizeEmail(owner)
	}
	attrs := map[string]string{}
	for k, v := range map[string]any{"plan": co.Plan, "industry": co.Industry, "lifecycle_stage": co.LifecycleStage} {
		if s, ok := v.(string); ok {
			attrs[k] = s
		}
	}
	cust.SetAttributes(attrs) // plan and industry normalised like every connector's
	return cust
}

// pickScore chooses which of a company's health scores to read: the configured one, else the
// global one, else the only one. With several and none of those it returns their keys instead.
func (c *Connector) pickScore(scores map[string]json.RawMessage) (key string, unpicked []string) {
	if c.scoreKey != "" {
		return c.scoreKey, nil
	}
	if _, ok := scores[globalScore]; ok {
		return globalScore, nil
	}
	if len(scores) > 1 {
		return "", slices.Sorted(maps.Keys(scores))
	}
	for k := range scores {
		return k, nil
	}
	return "", nil
}

// healthScore reads score key of a company as a signal; ok is false when the company has no
// such score or it is unusable (reported as a problem on page).
func (c *Connector) healthScore(co company, key string, ref connectors.Ref, page *connectors.Page) (sig connectors.Signal, ok bool) {
	rawScore, ok := co.Metrics.HealthScores[key]
	if !ok || string(rawScore) == "null" {
		return sig, false
	}
	where := "custify company " + co.ID
	var e scoreEntry
	if err := json.Unmarshal(rawScore, &e.Value); err != nil { // not a bare number: an object
		if err := json.Unmarshal(rawScore, &e); err != nil {
			page.Problems = append(page.Problems, connectors.Problem{Where: where, Message: "health score " + key + " is not readable: " + err.Error()})
			return sig, false
		}
	}
	if e.Value == nil {
		return sig, false
	}
	if *e.Value < 0 || *e.Value > 100 {
		page.Problems = append(page.Problems, connectors.Problem{Where: where, Message: fmt.Sprintf("health score %s = %v is outside 0–100; not recorded", key, *e.Value)})
		return sig, false
	}
	at, ok := parseTime(string(e.UpdatedAt))
	if !ok {
		if at, ok = parseTime(string(co.UpdatedAt)); !ok {
			at = c.now()
		}
	}
	return connectors.Signal{Customer: ref, Name: "health_score", Value: *e.Value, ObservedAt: at.UTC()}, true
}

// parseTime reads the ISO 8601 timestamps Custify sends, with or without fractional seconds
// and zone, and Unix seconds or milliseconds.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}
