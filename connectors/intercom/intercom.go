// Package intercom is the connector for Intercom: companies become customers, and
// conversations become the support-friction signals per company.
//
// Settings (type "intercom"): token (an access token, sent as Bearer); base_url defaults to
// https://api.intercom.io (EU workspaces: https://api.eu.intercom.io, AU: https://api.au.intercom.io).
//
// Options (all optional; any other key is an error):
//
//	api_version      the Intercom-Version header (default 2.11, the shapes this package reads)
//	page_size        conversations per search request, 1–150 (default 150)
//	rate_per_minute  request pace (default 1000; Intercom allows private apps 10,000 a minute
//	                 per app, shared with the workspace's other integrations)
//	customer_since_attribute  company custom attribute holding the customer-since date (a
//	                 date, RFC 3339 time or Unix time); wins over remote_created_at when set
//	channel_attribute         company custom attribute read as acquisition_channel (Intercom
//	                 has no standard field for it)
//
// # Records
//
// Customer per company: ExternalID is Intercom's company id (the id contacts link to), Domain
// comes from website, Name from name; attributes plan (the plan's name), industry, size,
// intercom_company_id (the company_id your product assigned) and customer_since. A company
// without a website takes the domain most of its attached contacts' work addresses share
// (GET /companies/{id}/contacts); one whose contacts give none is skipped and counted in the
// sync summary (domains.go).
//
// customer_since is the UTC day of remote_created_at, "the time the company was created by
// you": your product's sign-up date, which your Intercom integration sends. A company without
// it gets none. created_at is not used as a fallback: it is when the company was added to
// Intercom (often the day the messenger was installed or a bulk import ran), which says nothing
// about how long the account has been a customer, and a wrong date would pass or fail a tenure
// gate silently. Workspaces that keep the date in a custom attribute name it with
// customer_since_attribute.
//
// # Signals
//
// Per company, observed at the time the pass started (Settings.Now):
//
//   - tickets_90d: conversations created in the 90 days before that time;
//   - escalations_90d: of those, the ones marked priority;
//   - csat: of those with a conversation rating, 100 × the share rated 4 or 5 (Intercom's own
//     CSAT definition); omitted when none was rated;
//   - tickets_open: conversations whose state is open or snoozed, whatever their age.
//
// A conversation counts for each distinct company of its contacts (a contact's companies as
// the contact record lists them: up to 10, Intercom's embedded limit). Conversations whose
// contacts have no company count for nobody. Every company gets the three counts, zero included.
//
// # How a pass works, and why
//
// Counts over "the last 90 days" need every conversation in the window, not only the changed
// ones, so every run searches again (POST /conversations/search, cursor in the body) for
// conversations created in the window OR not closed — the second half catches conversations
// open for longer than 90 days, which tickets_open must see. Each conversation counts once, in
// the last state the search returned.
//
// A conversation names its contacts, not their companies. The contacts' companies are read
// with contact search (POST /contacts/search, id IN [...]), 150 ids a call — a full search
// page, Intercom's largest — so the calls grow with distinct contacts / 150, not with
// conversations. A contact the search leaves out (Intercom indexes new contacts a few minutes
// late) is read with GET /contacts/{id}; one that is gone (404) has no company. What was read
// is cached in the cursor a finished pass leaves, for the contacts of that pass (at most
// 20,000), and trusted for 7 days: a contact moved to another company counts for the new one
// within a week, and a daily sync re-reads each contact once a week.
//
// Every call goes through the shared client, which waits out a 429 until X-RateLimit-Reset
// (Intercom sends no Retry-After); the run reports its calls and the X-RateLimit-Remaining/
// X-RateLimit-Limit it last saw.
//
// Then the companies are read with the scroll API (GET /companies/scroll), the one listing
// without a 10,000-company ceiling, and each page is committed with its customers, their
// signals and a cursor holding the pass's per-company counts. A scroll cannot be resumed: it
// expires after a minute idle, so a run that failed while scrolling starts the scroll again
// from the beginning with the same counts and observation time (re-committing pages is
// idempotent). Intercom allows one open scroll per workspace: when a scroll start is refused
// because one exists (for instance the failed run's, not yet expired), the connector waits
// for it to expire and tries again (up to 3 times); when a scroll expires or Intercom asks to
// restart it mid-way, the scroll restarts from the beginning (up to 3 times).
//
// Limits: the cursor holds counts for companies with conversations in the window or open
// (about 40 bytes each; fine up to ~10k such companies); the conversation phase keeps one
// small entry per conversation and per contact in memory, and the finished pass's cursor holds
// the contact cache (about 70 bytes a contact).
package intercom

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("intercom", New)
	connectors.RegisterCapabilities("intercom",
		connectors.Capability{Input: connectors.AttrCustomerSince, How: "maps the company's remote_created_at (when your product created it); option customer_since_attribute"},
		connectors.Capability{Input: connectors.AttrPlan, How: "maps the company's plan.name"},
		connectors.Capability{Input: connectors.AttrIndustry, How: "maps the company's industry"},
		connectors.Capability{Input: connectors.AttrAcquisitionChannel, How: "with option channel_attribute: <company custom attribute>"},
		connectors.Capability{Input: "tickets_90d", How: "counts conversations created in the last 90 days"},
		connectors.Capability{Input: "csat", How: "conversation ratings of 4 or 5"},
	)
}

// Provides is what a pass publishes: the support signals and the company attributes, with the
// channel only when channel_attribute names where it is kept.
func (c *Connector) Provides() connectors.Provides {
	p := connectors.Provides{Signals: []string{"csat", "escalations_90d", "tickets_90d", "tickets_open"},
		Attributes: []string{connectors.AttrCustomerSince, connectors.AttrIndustry, "intercom_company_id", connectors.AttrPlan, "size"}}
	if c.channelAttr != "" {
		p.Attributes = append([]string{connectors.AttrAcquisitionChannel}, p.Attributes...)
	}
	return p
}

// DefaultBaseURL is Intercom's US data centre.
const DefaultBaseURL = "https://api.intercom.io"

// Window is how far back the conversation counts reach.
const Window = 90 * 24 * time.Hour

// Connector reads one Intercom workspace. Build it with New.
type Connector struct {
	s        connectors.Settings
	api      *connectors.Client
	pageSize int
	// sinceAttr and channelAttr name company custom attributes ("" = not read).
	sinceAttr, channelAttr string
}

var optionKeys = []string{"api_version", "page_size", "rate_per_minute", "customer_since_attribute", "channel_attribute"}

// New builds an Intercom connector, checking the token, base_url and options.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"token": s.Token}); err != nil {
		return nil, err
	}
	if s.BaseURL != "" {
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("intercom: base_url %q must be an absolute URL such as https://api.eu.intercom.io", s.BaseURL)
		}
	}
	o := s.ReadOptions(optionKeys...)
	version := o.String("api_version", "2.11")
	pageSize := o.Number("page_size", 150, 1, 150)
	rpm := o.Number("rate_per_minute", 1000, 1, 1e6)
	sinceAttr := o.NonEmpty("customer_since_attribute", "leave it out to read remote_created_at")
	channelAttr := o.NonEmpty("channel_attribute", "leave it out when no custom attribute holds the channel")
	if err := o.Err(); err != nil {
		return nil, err
	}
	c := &Connector{s: s, pageSize: int(pageSize), sinceAttr: sinceAttr, channelAttr: channelAttr}
	c.api = connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(rpm, time.Minute, 20))
	bearer := "Bearer " + strings.TrimSpace(s.Token)
	c.api.Auth = func(r *http.Request) { r.Header.Set("Authorization", bearer) }
	c.api.Header = http.Header{"Intercom-Version": {version}}
	return c, nil
}

// company is the part of an Intercom company the connector reads.
type company struct {
	ID        string          `json:"id"`
	CompanyID string          `json:"company_id"`
	Name      string          `json:"name"`
	Website   string          `json:"website"`
	Industry  string          `json:"industry"`
	Size      float64         `json:"size"`
	Plan      json.RawMessage `json:"plan"` // {"type":"plan","id","name"}; older data: a string, {} or []
	// RemoteCreatedAt is when the company was created in your product (Unix seconds; 0 or
	// absent when your integration does not send it).
	RemoteCreatedAt int64                      `json:"remote_created_at"`
	Custom          map[string]json.RawMessage `json:"custom_attributes"`
}

func (co company) planName() string {
	var p struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(co.Plan, &p) == nil && p.Name != "" {
		return p.Name
	}
	var s string
	if json.Unmarshal(co.Plan, &s) == nil {
		return s
	}
	return ""
}

// customer maps a company to a customer.
func (co company) customer() connectors.Customer {
	c := connectors.Customer{Ref: connectors.Ref{ExternalID: co.ID, Domain: connectors.NormalizeDomain(co.Website)},
		Name: strings.TrimSpace(co.Name)}
	attrs := map[string]string{}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			attrs[k] = v
		}
	}
	set("plan", connectors.Plan(co.planName()))
	set("industry", connectors.Plan(co.Industry))
	if d, ok := connectors.UnixDay(co.RemoteCreatedAt); ok {
		set(connectors.AttrCustomerSince, d)
	}
	if co.Size > 0 {
		set("size", strconv.FormatFloat(co.Size, 'f', -1, 64))
	}
	set("intercom_company_id", co.CompanyID)
	if len(attrs) > 0 {
		c.Attributes = attrs
	}
	return c
}

// customer maps a company with the connector's custom-attribute options on top of the
// standard fields. Problems name custom dates that could not be read.
func (c *Connector) customer(co company) (connectors.Customer, []connectors.Problem) {
	cust := co.customer()
	attrs := map[string]string{}
	if c.sinceAttr != "" {
		if v := customText(co.Custom[c.sinceAttr]); v != "" {
			attrs[connectors.AttrCustomerSince] = v
		}
	}
	if c.channelAttr != "" {
		attrs[connectors.AttrAcquisitionChannel] = customText(co.Custom[c.channelAttr])
	}
	var probs []connectors.Problem
	for _, attr := range cust.SetAttributes(attrs) {
		probs = append(probs, connectors.Problem{Where: c.s.Name + ": company " + co.ID,
			Message: fmt.Sprintf("custom attribute %s = %s is not a date; %s skipped", c.sinceAttr, co.Custom[c.sinceAttr], attr)})
	}
	return cust, probs
}

// customText reads a custom attribute as text: a string as is, a number (a Unix time) as
// written; null or absent is "".
func customText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// conversation is the part of a conversation (search result) the counts need.
type conversation struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	State     string   `json:"state"`    // open | closed | snoozed
	Priority  string   `json:"priority"` // priority | not_priority
	Contacts  contacts `json:"contacts"`
	Rating    *struct {
		Rating int `json:"rating"`
	} `json:"conversation_rating"`
}

// contacts reads the conversation's contact references: {"type":"contact.list","contacts":[…]}
// in API 2.x, a bare list in some older payloads.
type contacts []string

func (cs *contacts) UnmarshalJSON(b []byte) error {
	type ref struct {
		ID string `json:"id"`
	}
	var list []ref
	if err := json.Unmarshal(b, &list); err != nil {
		var wrapped struct {
			Contacts []ref `json:"contacts"`
		}
		if err := json.Unmarshal(b, &wrapped); err != nil {
			return err
		}
		list = wrapped.Contacts
	}
	*cs = (*cs)[:0]
	for _, r := range list {
		if r.ID != "" {
			*cs = append(*cs, r.ID)
		}
	}
	return nil
}

// stats are one company's counts in a pass. Short JSON names keep the cursor small.
type stats struct {
	Tickets     int `json:"t,omitempty"`
	Open        int `json:"o,omitempty"`
	Escalations int `json:"e,omitempty"`
	Rated       int `json:"r,omitempty"`
	Satisfied   int `json:"s,omitempty"`
}

// aggregate counts conversations per company. companiesOf gives a conversation's companies.
func aggregate(convs []conversation, companiesOf func(conversation) []string, since time.Time) map[string]*stats {
	out := map[string]*stats{}
	latest := map[string]conversation{}
	for _, c := range convs { // in result order: a later copy is a later state
		latest[c.ID] = c
	}
	for _, c := range latest {
		inWindow := !time.Unix(c.CreatedAt, 0).Before(since)
		open := c.State == "open" || c.State == "snoozed"
		if !inWindow && !open {
			continue
		}
		for _, co := range companiesOf(c) {
			st := out[co]
			if st == nil {
				st = &stats{}
				out[co] = st
			}
			if open {
				st.Open++
			}
			if !inWindow {
				continue
			}
			st.Tickets++
			if c.Priority == "priority" {
				st.Escalations++
			}
			if c.Rating != nil && c.Rating.Rating >= 1 {
				st.Rated++
				if c.Rating.Rating >= 4 {
					st.Satisfied++
				}
			}
		}
	}
	return out
}

// signals are the observations for one company; st may be nil (no conversations at all).
func signals(ref connectors.Ref, st *stats, at time.Time) []connectors.Signal {
	st = cmp.Or(st, &stats{})
	return connectors.SupportSignals(ref, connectors.SupportCounts{Tickets: st.Tickets, Open: st.Open, Escalations: st.Escalations,
		Rated: st.Rated, Satisfied: st.Satisfied}, at)
}
