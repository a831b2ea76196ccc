// Package zendesk is the connector for Zendesk Support: organizations become customers, and
// tickets become the support-friction signals per organization.
//
// Settings (type "zendesk"): base_url (https://acme.zendesk.com; a trailing /api/v2 is
// accepted), email and token (an API token; requests use Basic "{email}/token:{token}").
//
// Options (all optional; any other key is an error):
//
//	page_size               organizations and open-ticket search per request, 1–100 (default 100)
//	export_page_size        tickets per incremental-export request, 1–1000 (default 1000)
//	rate_per_minute         pace of ordinary API calls (default 100: half the smallest plan's
//	                        200/min, as the account's budget is shared with its other integrations)
//	export_rate_per_minute  pace of incremental-export calls (default 10, Zendesk's documented limit)
//
// # Signals
//
// Per organization, observed at the time the pass started (Settings.Now):
//
//   - tickets_90d: tickets created in the 90 days before that time;
//   - escalations_90d: of those, tickets with priority urgent or high;
//   - csat: 100 × good / (good + bad) satisfaction ratings on those tickets; omitted when none
//     was rated. The ticket record does not carry the rating's own date, so the window is the
//     ticket's creation date (ratings follow the solve within days);
//   - tickets_open: tickets whose status is new, open, pending or hold, whatever their age.
//
// Every listed organization gets the three counts, zero included: no ticket is a fact.
// Tickets without an organization count for nobody.
//
// # How a pass works, and why
//
// The incremental export returns each ticket's current state, so counts over "the last 90
// days" cannot be updated from the changes alone. Only 90 days matter, though, so every run
// re-exports from start_time = now − 90 days (bounded work, always correct) instead of keeping
// per-ticket state between runs. Any ticket created in the window was updated in it, so the
// export sees them all; a ticket met twice (updated during the export) counts once, in its
// latest state. Tickets open for longer than 90 days without an update are not in that export,
// so tickets_open comes from the Export Search Results endpoint (query status<solved), which
// lists every unsolved ticket.
//
// A pass then lists all organizations (cursor pagination) and commits each page of customers
// together with their signals and a cursor holding the pass's per-organization counts. A run
// that fails while listing organizations resumes from the last committed page with the same
// counts and observation time; a run that fails while reading tickets, before anything was
// committed, redoes the ticket phase. Organizations are listed in full every pass (the list
// endpoint is cheap and not under the export limit) because every organization's counts are
// re-emitted; the store's idempotent upserts make unchanged ones cost nothing.
//
// Limits: the cursor holds counts for organizations with tickets in the window or open
// tickets (about 40 bytes each; fine up to ~10k such organizations). The ticket phase keeps
// one small entry per ticket created in the window in memory (~100 bytes each).
package zendesk

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("zendesk", New)
	connectors.RegisterCapabilities("zendesk",
		connectors.Capability{Input: "tickets_90d", How: "counts tickets created in the last 90 days"},
		connectors.Capability{Input: "tickets_open", How: "counts unsolved tickets"},
		connectors.Capability{Input: "escalations_90d", How: "counts urgent and high-priority tickets of the last 90 days"},
		connectors.Capability{Input: "csat", How: "good / rated satisfaction ratings of the last 90 days' tickets"},
	)
}

// Provides is what a pass publishes. An organization has no standard field for when it
// became a customer, its plan or how it was acquired (only admin-defined organization_fields),
// so no such attributes.
func (c *Connector) Provides() connectors.Provides {
	return connectors.Provides{Signals: []string{"csat", "escalations_90d", "tickets_90d", "tickets_open"},
		Attributes: []string{"zendesk_external_id", "zendesk_tags"}}
}

// Window is how far back the ticket counts reach.
const Window = 90 * 24 * time.Hour

// Connector reads one Zendesk account. Build it with New.
type Connector struct {
	s connectors.Settings
	// api paces ordinary calls; export paces the incremental exports (10/min on Zendesk).
	api, export    *connectors.Client
	pageSize       int
	exportPageSize int
}

// New builds a Zendesk connector, checking base_url, email, token and the options.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"base_url": s.BaseURL, "email": s.Email, "token": s.Token}); err != nil {
		return nil, err
	}
	base := strings.TrimRight(strings.TrimSpace(s.BaseURL), "/")
	base = strings.TrimSuffix(base, "/api/v2") // paths below carry it
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("zendesk: base_url %q must be an absolute URL such as https://acme.zendesk.com", s.BaseURL)
	}
	o := s.ReadOptions("export_page_size", "export_rate_per_minute", "page_size", "rate_per_minute")
	exportPageSize := o.Number("export_page_size", 1000, 1, 1000)
	exportRate := o.Number("export_rate_per_minute", 10, 1, 1e6)
	pageSize := o.Number("page_size", 100, 1, 100)
	rate := o.Number("rate_per_minute", 100, 1, 1e6)
	if err := o.Err(); err != nil {
		return nil, err
	}
	s.BaseURL = base
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(strings.TrimSpace(s.Email)+"/token:"+s.Token))
	auth := func(r *http.Request) { r.Header.Set("Authorization", basic) }
	c := &Connector{s: s, pageSize: int(pageSize), exportPageSize: int(exportPageSize)}
	c.api = connectors.NewClient(s, base, connectors.PerSecond(rate, time.Minute, 10))
	c.export = connectors.NewClient(s, base, connectors.PerSecond(exportRate, time.Minute, 10))
	c.api.Auth, c.export.Auth = auth, auth
	return c, nil
}

// organization is the part of a Zendesk organization the connector reads.
type organization struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	DomainNames []string `json:"domain_names"`
	ExternalID  *string  `json:"external_id"`
	Tags        []string `json:"tags"`
}

// customer maps an organization to a customer: the first domain name that is a web domain
// identifies it across sources.
func (o organization) customer() connectors.Customer {
	c := connectors.Customer{Ref: connectors.Ref{ExternalID: strconv.FormatInt(o.ID, 10)}, Name: strings.TrimSpace(o.Name)}
	for _, d := range o.DomainNames {
		if n := connectors.NormalizeDomain(d); n != "" {
			c.Domain = n
			break
		}
	}
	attrs := map[string]string{}
	if o.ExternalID != nil && strings.TrimSpace(*o.ExternalID) != "" {
		attrs["zendesk_external_id"] = strings.TrimSpace(*o.ExternalID)
	}
	if len(o.Tags) > 0 {
		attrs["zendesk_tags"] = strings.Join(o.Tags, ",")
	}
	if len(attrs) > 0 {
		c.Attributes = attrs
	}
	return c
}

// ticket is the part of a Zendesk ticket the counts need.
type ticket struct {
	ID             int64     `json:"id"`
	OrganizationID int64     `json:"organization_id"` // null: no organization
	Status         string    `json:"status"`
	Priority       string    `json:"priority"`
	CreatedAt      time.Time `json:"created_at"`
	Satisfaction   *struct {
		Score string `json:"score"`
	} `json:"satisfaction_rating"`
}

// stats are one organization's counts in a pass. Short JSON names keep the cursor small.
type stats struct {
	Tickets     int `json:"t,omitempty"`
	Open        int `json:"o,omitempty"`
	Escalations int `json:"e,omitempty"`
	Good        int `json:"g,omitempty"`
	Bad         int `json:"b,omitempty"`
}

// openStatuses are the statuses of a ticket still waiting on someone.
var openStatuses = map[string]bool{"new": true, "open": true, "pending": true, "hold": true}

// aggregate counts, per organization id, the window's tickets (each ticket once, in its
// latest state) and the open tickets.
func aggregate(window []ticket, open []ticket, since time.Time) map[string]*stats {
	out := map[string]*stats{}
	get := func(org int64) *stats {
		k := strconv.FormatInt(org, 10)
		if out[k] == nil {
			out[k] = &stats{}
		}
		return out[k]
	}
	latest := map[int64]ticket{}
	for _, t := range window { // in export order: a later copy is a later state
		latest[t.ID] = t
	}
	for _, t := range latest {
		if t.OrganizationID == 0 || t.Status == "deleted" || t.CreatedAt.Before(since) {
			continue
		}
		st := get(t.OrganizationID)
		st.Tickets++
		if t.Priority == "urgent" || t.Priority == "high" {
			st.Escalations++
		}
		if t.Satisfaction != nil {
			switch t.Satisfaction.Score {
			case "good":
				st.Good++
			case "bad":
				st.Bad++
			}
		}
	}
	seen := map[int64]bool{}
	for _, t := range open {
		if t.OrganizationID == 0 || !openStatuses[t.Status] || seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		get(t.OrganizationID).Open++
	}
	return out
}

// signals are the observations for one organization; st may be nil (no tickets at all).
func signals(ref connectors.Ref, st *stats, at time.Time) []connectors.Signal {
	st = cmp.Or(st, &stats{})
	return connectors.SupportSignals(ref, connectors.SupportCounts{Tickets: st.Tickets, Open: st.Open, Escalations: st.Escalations,
		Rated: st.Good + st.Bad, Satisfied: st.Good}, at)
}
