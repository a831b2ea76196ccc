// Package hubspot is the connector for HubSpot CRM (API v3): companies become customers,
// contacts become the people to recruit, and company properties and won expansion deals become
// signals.
//
// # Settings
//
//	connectors:
//	  - name: crm
//	    type: hubspot
//	    token: "${HUBSPOT_TOKEN}"          # a private app token, sent as Bearer
//	    options: {ltv_property: total_revenue, health_property: health_score_custom}
//
// base_url defaults to https://api.hubapi.com. The token needs the scopes
// crm.objects.companies.read, crm.objects.contacts.read, crm.objects.deals.read and
// crm.objects.owners.read.
//
// Options (all optional; unknown keys are an error):
//
//	ltv_property       company property read as the ltv signal (e.g. total_revenue)
//	mrr_property       company property read as the mrr signal
//	arr_property       company property read as annual revenue; emitted as mrr = value / 12
//	                   (set mrr_property or arr_property, not both)
//	health_property    company property read as the health_score signal (e.g. health_score_custom)
//	optout_property    contact property that marks an opt-out; default hs_email_optout
//	champion_property  contact property that marks the champion (true/yes/1); default: none
//	upsell_dealtype    dealtype value that marks an expansion deal; default existingbusiness
//	attr.<name>        company property copied into attribute <name> (e.g. attr.plan: plan_tier)
//	customer_since_property  company property holding when it became a customer; default
//	                   hs_lifecyclestage_customer_date (else the first won deal's closedate)
//	channel_property   company property read as acquisition_channel; default hs_analytics_source
//	                   (original source)
//	industry_property  company property read as industry; default industry
//	full_sync_every    how often a full pass replaces the incremental one; default 24h
//	                   ("0s": every run is a full pass)
//	requests_per_10s   request budget for the list endpoints; default 100 (Free/Starter; 190 on
//	                   Professional/Enterprise private apps)
//	search_per_second  request budget for the search endpoints; default 4
//	search_window      results HubSpot serves for one search query; default 10000
//
// # Records
//
// Company → Customer{ExternalID: company id, Domain: domain, Name: name, Owner: the email of the
// owner in hubspot_owner_id (from GET /crm/v3/owners, active owners only), Attributes:
// industry, lifecycle_stage (lifecyclestage), employees (numberofemployees), customer_since,
// acquisition_channel and the attr.* mappings}.
//
// A company without a domain takes the domain most of its contacts' work addresses share
// (connectors.DomainFromContacts; contacts by associatedcompanyid, one search per 100 such
// companies); one whose contacts give none is skipped and counted in the sync summary
// (domains.go).
//
// customer_since is the UTC day of hs_lifecyclestage_customer_date ("became a customer",
// set by HubSpot when the lifecycle stage moves to customer). A company without it takes the
// closedate of its earliest won deal (of any deal type), which a full pass reads in its deals
// phase and keeps per company in the cursor; incremental passes read no deals, so for those
// companies the value is the one the last full pass published (the store keeps it).
// acquisition_channel is hs_analytics_source (the company's original source, which HubSpot
// derives from its contacts) normalised by connectors.Channel: ORGANIC_SEARCH →
// organic_search, REFERRALS → referral, DIRECT_TRAFFIC → direct, … Values and dates are
// normalised in connectors/attributes.go, the same for every connector.
//
// Contact → Contact{Customer: the primary associated company (associatedcompanyid, else the
// primary company association), Email, Name: firstname lastname, Role: jobtitle, OptedOut:
// optout_property, Champion: champion_property}. Contacts without an email or a company are
// skipped: a CRM holds many prospects, and creating customers from their email domains would
// fill the store with companies that are not customers.
//
// # Signals
//
//   - ltv, mrr, health_score: from the mapped company properties (numbers that HubSpot sends
//     as strings; empty values are skipped, unreadable ones reported as problems), observed at
//     the company's hs_lastmodifieddate.
//   - upsells_12m: per company, the closed-won deals (hs_is_closed_won, or stage closedwon)
//     whose dealtype is upsell_dealtype and whose closedate lies within the 12 months before the
//     pass started; companies without such deals get 0. Observed at the start of the pass.
//
// upsells_12m needs every deal, so it is computed on full passes only: the full pass reads all
// deals first (keeping a per-company count in the cursor, one entry per company with an
// expansion deal — fine up to tens of thousands), then emits the count with each company.
// Incremental passes do not read deals, so upsells_12m is at most full_sync_every old. It is
// observed at the pass's start, not its end, so that a pass resumed after a failure records the
// same observation as a clean one. Deal amounts are read but not emitted: ltv and mrr come from
// the mapped company properties (HubSpot's calculated total_revenue already sums closed-won
// amounts, in the portal's currency).
//
// # Passes
//
// An empty cursor starts a full pass, which uses the list endpoints (GET
// /crm/v3/objects/{type}, 100 per page, associations=companies for contacts and deals): they
// are not subject to the search endpoint's 10,000-result window nor its lower rate. Phases:
// deals, companies, contacts. The high-water mark of each type is the earlier of the phase's
// start and the newest last-modified time seen.
//
// Later runs are incremental passes (companies, then contacts) using POST
// /crm/v3/objects/{type}/search with last-modified ≥ (high-water mark − connectors.Overlap) in
// epoch ms, sorted ascending, 200 per page. Companies filter on hs_lastmodifieddate and
// contacts on lastmodifieddate (filtering contacts on hs_lastmodifieddate silently finds
// nothing). A search query serves at most search_window results and answers 400 past them:
// before that point (or on such a 400) the connector starts a new query from the newest
// timestamp seen. If more than search_window records share one timestamp the run fails with an
// error rather than loop (the high-water mark stays put; resetting the cursor runs a full pass).
//
// Records are committed about every 1,000 (and at the end of each phase) with the cursor that
// resumes after them: the phase, the paging token, the search window's lower bound, the
// high-water marks and, in a full pass, the expansion-deal counts. A failed run resumes from the
// last commit and re-reads at most one batch; the store's upserts make that harmless.
//
// Records deleted in HubSpot are not removed: the store keeps what it last saw.
package hubspot

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("hubspot", New)
	connectors.RegisterCapabilities("hubspot",
		connectors.Capability{Input: connectors.AttrCustomerSince, How: "maps hs_lifecyclestage_customer_date (else the first won deal's closedate); option customer_since_property"},
		connectors.Capability{Input: connectors.AttrAcquisitionChannel, How: "maps hs_analytics_source (original source); option channel_property"},
		connectors.Capability{Input: connectors.AttrIndustry, How: "maps industry; option industry_property"},
		connectors.Capability{Input: connectors.AttrPlan, How: "with option attr.plan: <company property>"},
		connectors.Capability{Input: "upsells_12m", How: "counts won deals of dealtype existingbusiness closed in the last 12 months"},
		connectors.Capability{Input: "ltv", How: "with option ltv_property (e.g. total_revenue)"},
		connectors.Capability{Input: "mrr", How: "with option mrr_property or arr_property"},
		connectors.Capability{Input: "health_score", How: "with option health_property"},
	)
}

// Provides is what a sync publishes with these options: upsells_12m and the standard company
// attributes always, the signals whose property options are set, and the attr.* mappings.
func (c *Connector) Provides() connectors.Provides {
	p := connectors.Provides{Signals: []string{"upsells_12m"}, Attributes: []string{connectors.AttrAcquisitionChannel,
		connectors.AttrCustomerSince, "employees", connectors.AttrIndustry, "lifecycle_stage"}}
	for sig, prop := range map[string]string{"ltv": c.options.ltv, "mrr": c.options.mrr + c.options.arr, "health_score": c.options.health} {
		if prop != "" {
			p.Signals = append(p.Signals, sig)
		}
	}
	for name := range c.options.attrs {
		if !slices.Contains(p.Attributes, name) {
			p.Attributes = append(p.Attributes, name)
		}
	}
	slices.Sort(p.Signals)
	slices.Sort(p.Attributes)
	return p
}

// DefaultBaseURL is HubSpot's API host.
const DefaultBaseURL = "https://api.hubapi.com"

// Defaults for the options.
const (
	DefaultOptOutProperty = "hs_email_optout"
	DefaultUpsellDealType = "existingbusiness"
	DefaultFullSyncEvery  = 24 * time.Hour
	DefaultRequestsPer10s = 100
	DefaultSearchPerSec   = 4
	DefaultSearchWindow   = 10000

	DefaultCustomerSinceProperty = "hs_lifecyclestage_customer_date"
	DefaultChannelProperty       = "hs_analytics_source"
	DefaultIndustryProperty      = "industry"
)

// Page sizes HubSpot allows at most.
const (
	listLimit   = 100
	searchLimit = 200
)

// Connector syncs one HubSpot portal. Build it with New.
type Connector struct {
	s       connectors.Settings
	api     *connectors.Client // list endpoints and owners
	search  *connectors.Client // search endpoints (own, lower rate)
	options options
}

type options struct {
	ltv, mrr, arr, health string
	optOut, champion      string
	// Company properties read as the canonical attributes.
	since, channel, industry string
	upsellType               string
	attrs                    map[string]string // attribute -> company property
	fullEvery                time.Duration
	window                   int
	// Request budgets per second for the list and search endpoints (the list one is
	// documented per 10 s).
	reqPer10s, searchPerSec float64
}

var propName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.\-]*$`)

// New builds a HubSpot connector, rejecting settings it would not use.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"token": s.Token}); err != nil {
		return nil, err
	}
	o, err := parseOptions(s.Options)
	if err != nil {
		return nil, err
	}
	token := s.Token
	auth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	c := &Connector{s: s, options: o,
		api:    connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(o.reqPer10s, 10*time.Second, 10)),
		search: connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(o.searchPerSec, time.Second, 1)),
	}
	c.api.Auth, c.search.Auth = auth, auth
	return c, nil
}

// parseOptions reads the options over their defaults, in key order so that the first error
// reported is the same on every run.
func parseOptions(raw map[string]string) (options, error) {
	o := options{optOut: DefaultOptOutProperty, upsellType: DefaultUpsellDealType, attrs: map[string]string{},
		since: DefaultCustomerSinceProperty, channel: DefaultChannelProperty, industry: DefaultIndustryProperty,
		fullEvery: DefaultFullSyncEvery, window: DefaultSearchWindow,
		reqPer10s: DefaultRequestsPer10s, searchPerSec: DefaultSearchPerSec}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if err := o.set(k, strings.TrimSpace(raw[k])); err != nil {
			return options{}, err
		}
	}
	if o.mrr != "" && o.arr != "" {
		return options{}, fmt.Errorf("hubspot: options: set mrr_property or arr_property, not both")
	}
	return o, nil
}

// propertyOption is the field an option naming a HubSpot property sets, nil for other keys.
func (o *options) propertyOption(k string) *string {
	return map[string]*string{
		"ltv_property": &o.ltv, "mrr_property": &o.mrr, "arr_property": &o.arr, "health_property": &o.health,
		"optout_property": &o.optOut, "champion_property": &o.champion,
		"customer_since_property": &o.since, "channel_property": &o.channel, "industry_property": &o.industry,
	}[k]
}

// set reads one option.
func (o *options) set(k, v string) error {
	if dst := o.propertyOption(k); dst != nil {
		return setProperty(dst, k, v)
	}
	var err error
	switch k {
	case "upsell_dealtype":
		if v == "" {
			return fmt.Errorf("hubspot: options.upsell_dealtype is empty (default %s)", DefaultUpsellDealType)
		}
		o.upsellType = v
	case "full_sync_every":
		o.fullEvery, err = time.ParseDuration(v)
		if err != nil || o.fullEvery < 0 {
			return fmt.Errorf("hubspot: options.full_sync_every: %q is not a duration such as 24h", v)
		}
	case "requests_per_10s":
		o.reqPer10s, err = positive(k, v)
	case "search_per_second":
		o.searchPerSec, err = positive(k, v)
	case "search_window":
		if o.window, err = strconv.Atoi(v); err != nil || o.window < 1 {
			return fmt.Errorf("hubspot: options.search_window: %q is not a positive whole number", v)
		}
	default:
		name, ok := strings.CutPrefix(k, "attr.")
		if !ok || name == "" {
			return fmt.Errorf("hubspot: unknown option %q (known: ltv_property, mrr_property, arr_property, health_property, "+
				"optout_property, champion_property, customer_since_property, channel_property, industry_property, "+
				"upsell_dealtype, attr.<name>, full_sync_every, requests_per_10s, "+
				"search_per_second, search_window)", k)
		}
		var p string
		err = setProperty(&p, k, v)
		o.attrs[name] = p
	}
	return err
}

// setProperty sets an option that names a HubSpot property, after checking it is a name.
func setProperty(dst *string, k, v string) error {
	if !propName.MatchString(v) {
		return fmt.Errorf("hubspot: options.%s: %q is not a HubSpot property name (internal name, e.g. total_revenue)", k, v)
	}
	*dst = v
	return nil
}

func positive(key, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("hubspot: options.%s: %q is not a positive number", key, v)
	}
	return f, nil
}

// companyProps lists the company properties a sync requests.
func (c *Connector) companyProps() []string {
	ps := []string{"name", "domain", "lifecyclestage", "numberofemployees", "hubspot_owner_id", "hs_lastmodifieddate"}
	for _, p := range []string{c.options.industry, c.options.since, c.options.channel, c.options.ltv, c.options.mrr, c.options.arr, c.options.health} {
		if p != "" {
			ps = append(ps, p)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.options.attrs)) {
		ps = append(ps, c.options.attrs[name])
	}
	return dedupe(ps)
}

func (c *Connector) contactProps() []string {
	ps := []string{"email", "firstname", "lastname", "jobtitle", "associatedcompanyid", "lastmodifieddate", c.options.optOut}
	if c.options.champion != "" {
		ps = append(ps, c.options.champion)
	}
	return dedupe(ps)
}

var dealProps = []string{"dealtype", "dealstage", "hs_is_closed_won", "closedate", "amount", "pipeline"}

func dedupe(ps []string) []string {
	seen := map[string]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
