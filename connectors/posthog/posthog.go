// Package posthog is the connector for PostHog product analytics. It measures each account's
// product usage with one HogQL query over PostHog's events, grouped by the account (PostHog
// group analytics), and emits usage signals.
//
// API: POST {base_url}/api/projects/{project_id}/query/ with "Authorization: Bearer <personal
// API key>" (the key needs the Query Read permission) and {"query":{"kind":"HogQLQuery",
// "query":"SELECT …"}}; the answer is {results: [[…]], columns: […]}. The query orders by the
// group key and pages with an explicit LIMIT/OFFSET (PostHog returns 100 rows without LIMIT).
//
// Settings: api_key and project_id (required), base_url (default https://us.posthog.com; EU
// Cloud is https://eu.posthog.com, or a self-hosted instance).
// Options:
//   - group_index: the group type index of accounts (companies) in this project, 0–4
//     (default 0). Project settings → Groups lists them.
//   - domain_property: the group property that holds the company's web domain. Default: none —
//     the group key itself is the domain (the common setup: groups keyed by company domain).
//   - page_size: accounts per query, 1–50000 (default 10000).
//
// Records (per account with events in the last 60 days; all observed at the pass's as-of time):
//   - active_users: distinct persons with an event in the 30 days before as-of.
//   - product_events_30d: events in those 30 days.
//   - usage_trend: events in the last 30 days ÷ events in the 30 days before them; left out
//     when the earlier window has no events (a ratio over nothing says nothing).
//   - Customer reference: ExternalID = the group key, Domain = the domain (see above). An
//     account whose domain is unknown matches only a customer this connector already placed by
//     domain; otherwise the store counts it as unmatched. No Customer records: PostHog is not
//     the authority on who the customers are, so it does not name them.
//
// The as-of time is the connector clock at the start of a pass; the query's windows are
// anchored to it (not to the server's now()), so every page of a pass — also one resumed after
// a failure — counts over the same windows, and the observations say exactly when they hold. A
// pass left unfinished for more than a day starts over, since its numbers would be stale.
//
// Deliberately not emitted: seats (PostHog knows users, not purchased seats). Accounts with no
// events in 60 days get no new observations; their earlier ones age out by freshness. The
// counts depend on PostHog keeping at least 60 days of events, which every plan does.
//
// Sync state (the cursor, JSON): the as-of time and the offset of the next page. Each finished
// pass is a complete snapshot, so the next run starts a new one.
//
// Rate: PostHog allows 240 query requests a minute and 2,400 an hour; we pace at 2,400/hour
// with a burst of 200 (within both), and honour 429's Retry-After through the shared client.
package posthog

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("posthog", New)
	connectors.RegisterCapabilities("posthog",
		connectors.Capability{Input: "active_users", How: "counts distinct persons per account group over 30 days"},
		connectors.Capability{Input: "product_events_30d", How: "counts events per account group over 30 days"},
		connectors.Capability{Input: "usage_trend", How: "events in the last 30 days ÷ the 30 before"},
	)
}

// Provides is what a pass publishes: the usage signals. PostHog is not the authority on who the
// customers are, so no attributes.
func (c *Connector) Provides() connectors.Provides {
	return connectors.Provides{Signals: []string{"active_users", "product_events_30d", "usage_trend"}}
}

// DefaultBaseURL is PostHog US Cloud.
const DefaultBaseURL = "https://us.posthog.com"

const (
	defaultPageSize = 10000
	maxPageSize     = 50000
	// staleAfter is how old an unfinished pass may be before it starts over.
	staleAfter = 24 * time.Hour
	window     = 30 // days
)

var options = []string{"domain_property", "group_index", "page_size"}

// propertyName is what domain_property may be: it is written into the query, so only plain
// property names are allowed.
var propertyName = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// Connector reads usage for one PostHog project. Build it with New.
type Connector struct {
	client     *connectors.Client
	path       string // the query endpoint
	groupIndex int
	domainProp string
	pageSize   int
	now        func() time.Time
}

// New builds a PostHog connector, rejecting settings it cannot use.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"api_key": s.APIKey, "project_id": s.ProjectID}); err != nil {
		return nil, fmt.Errorf("posthog: %w", err)
	}
	o := s.ReadOptions(options...)
	if err := o.Err(); err != nil {
		return nil, err
	}
	project := strings.TrimSpace(s.ProjectID)
	if strings.ContainsAny(project, "/?#% ") {
		return nil, fmt.Errorf("posthog: project_id %q is not a project id (find it in PostHog's project settings)", s.ProjectID)
	}
	c := &Connector{path: "/api/projects/" + url.PathEscape(project) + "/query/", now: s.Now,
		groupIndex: o.Int("group_index", 0, 0, 4)}
	if v, ok := o.Lookup("domain_property"); ok {
		if c.domainProp = v; !propertyName.MatchString(v) {
			o.Invalid("domain_property", "must be a property name (letters, digits, _ and $)")
		}
	}
	c.pageSize = o.Int("page_size", defaultPageSize, 1, maxPageSize)
	if err := o.Err(); err != nil {
		return nil, err
	}
	key := s.APIKey
	c.client = connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(2400, time.Hour, 200))
	c.client.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
	return c, nil
}

// cursor is the sync state between pages and runs.
type cursor struct {
	AsOf   int64 `json:"as_of,omitempty"` // Unix seconds; 0 = no pass in progress
	Offset int   `json:"offset,omitempty"`
}

// query builds the HogQL for one page: per account, distinct persons and events in the 30 days
// before asOf, and events in the 30 days before those.
func (c *Connector) query(asOf time.Time, offset int) string {
	g := fmt.Sprintf("$group_%d", c.groupIndex)
	at := fmt.Sprintf("fromUnixTimestamp(%d)", asOf.Unix())
	recent := fmt.Sprintf("timestamp >= %s - INTERVAL %d DAY", at, window)
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s AS account", g)
	if c.domainProp != "" {
		fmt.Fprintf(&b, ", any(group_%d.properties.%s) AS domain", c.groupIndex, c.domainProp)
	}
	fmt.Fprintf(&b, ", uniqExactIf(person_id, %s) AS active_users", recent)
	fmt.Fprintf(&b, ", countIf(%s) AS events_30d", recent)
	fmt.Fprintf(&b, ", countIf(timestamp < %s - INTERVAL %d DAY) AS events_prev_30d", at, window)
	fmt.Fprintf(&b, " FROM events WHERE timestamp >= %s - INTERVAL %d DAY AND timestamp < %s AND %s != ''", at, 2*window, at, g)
	fmt.Fprintf(&b, " GROUP BY account ORDER BY account ASC LIMIT %d OFFSET %d", c.pageSize, offset)
	return b.String()
}

type queryRequest struct {
	Query struct {
		Kind  string `json:"kind"`
		Query string `json:"query"`
	} `json:"query"`
}

type queryResponse struct {
	Results [][]any  `json:"results"`
	Columns []string `json:"columns"`
}

// Sync runs the usage query page by page, committing each page with the cursor to resume from.
func (c *Connector) Sync(ctx context.Context, raw string, sink connectors.Sink) error {
	var cur cursor
	if err := connectors.DecodeCursor(raw, &cur); err != nil {
		return fmt.Errorf("posthog: %w", err)
	}
	now := c.now()
	if cur.AsOf == 0 || now.Sub(time.Unix(cur.AsOf, 0)) > staleAfter {
		cur = cursor{AsOf: now.Unix()}
	}
	asOf := time.Unix(cur.AsOf, 0).UTC()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var req queryRequest
		req.Query.Kind, req.Query.Query = "HogQLQuery", c.query(asOf, cur.Offset)
		var resp queryResponse
		if err := c.client.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: c.path, Body: req}, &resp); err != nil {
			return fmt.Errorf("posthog: usage query at offset %d: %w", cur.Offset, err)
		}
		page, err := c.mapRows(resp, asOf)
		if err != nil {
			return fmt.Errorf("posthog: usage query at offset %d: %w", cur.Offset, err)
		}
		last := len(resp.Results) < c.pageSize
		if last {
			cur = cursor{}
		} else {
			cur.Offset += len(resp.Results)
		}
		page.Cursor = connectors.EncodeCursor(cur)
		if err := sink.Commit(ctx, page); err != nil {
			return fmt.Errorf("posthog: commit page: %w", err)
		}
		if last {
			return nil
		}
	}
}

// mapRows turns query rows into signals. Columns are found by name, so their order does not
// matter; a missing column fails the run (the answer is not what the query asked for).
func (c *Connector) mapRows(resp queryResponse, asOf time.Time) (connectors.Page, error) {
	var page connectors.Page
	col := map[string]int{}
	for i, name := range resp.Columns {
		col[name] = i
	}
	need := []string{"account", "active_users", "events_30d", "events_prev_30d"}
	if c.domainProp != "" {
		need = append(need, "domain")
	}
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return page, fmt.Errorf("answer has no %q column (columns: %s)", n, strings.Join(resp.Columns, ", "))
		}
	}
	for _, row := range resp.Results {
		key := strings.TrimSpace(cell[string](row, col["account"]))
		users, ok1 := number(row, col["active_users"])
		recent, ok2 := number(row, col["events_30d"])
		prev, ok3 := number(row, col["events_prev_30d"])
		if key == "" || !ok1 || !ok2 || !ok3 {
			page.Problems = append(page.Problems, connectors.Problem{Where: "posthog account " + key, Message: fmt.Sprintf("row %v is not an account with three counts; skipped", row)})
			continue
		}
		domainText := key
		if c.domainProp != "" {
			domainText = cell[string](row, col["domain"])
		}
		ref := connectors.Ref{ExternalID: key}
		if isDomain(domainText) {
			ref.Domain = connectors.NormalizeDomain(domainText)
		}
		sig := func(name string, v float64) {
			page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: name, Value: v, ObservedAt: asOf})
		}
		sig("active_users", users)
		sig("product_events_30d", recent)
		if prev > 0 {
			sig("usage_trend", math.Round(recent/prev*10000)/10000)
		}
	}
	return page, nil
}

func cell[T any](row []any, i int) T {
	var zero T
	if i < 0 || i >= len(row) {
		return zero
	}
	v, _ := row[i].(T)
	return v
}

// number reads a count: PostHog sends UInt64 as a JSON number, and some versions as a string.
func number(row []any, i int) (float64, bool) {
	if i < 0 || i >= len(row) {
		return 0, false
	}
	switch v := row[i].(type) {
	case float64:
		return v, v >= 0
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil && f >= 0
	}
	return 0, false
}

// isDomain reports whether s names a web domain (see connectors.NormalizeDomain).
func isDomain(s string) bool { return connectors.NormalizeDomain(s) != "" }
