// Package salesforce is the connector for Salesforce (type "salesforce"): accounts become
// customers, contacts become contacts, and won expansion opportunities become upsells_12m.
//
// Settings: instance_url (e.g. https://acme.my.salesforce.com) and access_token (an OAuth access
// token, sent as a Bearer token). base_url, when set, replaces instance_url as the address
// requests go to (a proxy); instance_url is still required.
//
// Options (every other key is rejected):
//
//	api_version   REST API version, default "v60.0" ("60.0" is accepted too).
//	upsell_types  comma-separated Opportunity.Type values that mark an upsell,
//	              default "Existing Customer - Upgrade".
//	ltv_field     Account field (API name, e.g. LTV__c) read as the ltv signal.
//	health_field  Account field read as health_score.
//	nps_field     Account field read as nps.
//	channel_field         Account field read as acquisition_channel, default AccountSource.
//	industry_field        Account field read as industry, default Industry.
//	customer_since_field  Account date field read as customer_since (e.g. Customer_Since__c).
//	                      Default: none — the CloseDate of the account's first won Opportunity.
//
// What it reads, all through SOQL (GET /services/data/vXX.X/query?q=…, following
// nextRecordsUrl as is while done=false):
//
//   - Account → Customer: ExternalID = Id, Domain from Website, Name, Owner = Owner.Email (the
//     owner's email through the relationship field, no extra User query), attributes
//     account_type (Type), industry (Industry), acquisition_channel (AccountSource, normalised
//     by connectors.Channel: "Partner Referral" → partner, "Web" → web, unknown values
//     snake_cased) and employees (NumberOfEmployees). Type is published as account_type, not
//     plan: its picklist (Customer - Direct, Customer - Channel, Partner, Prospect, …) says
//     what the relationship is, not what the account pays for. Accounts with
//     IsDeleted are skipped. The optional custom fields become signals observed at the account's
//     SystemModstamp (the only time Salesforce gives for the value); a non-numeric value is a
//     Problem naming the account.
//   - Contact → Contact: customer = AccountId, Email, Name, role = Title, OptedOut =
//     HasOptedOutOfEmail. Contacts without an email or an account are skipped: they can be
//     neither matched nor emailed.
//   - Opportunity → upsells_12m: the number of won (IsWon) opportunities whose Type is one of
//     upsell_types and whose CloseDate lies in the 12 months before the run (s.Now()), per account.
//   - Opportunity → customer_since: the earliest CloseDate of the account's won opportunities
//     (any Type), read in a phase of its own (SELECT Id, AccountId, CloseDate FROM Opportunity
//     WHERE IsWon = true ORDER BY Id, resumable after the last Id) and published with the
//     upsells, for every account that has one. It reads every won opportunity on every run:
//     a first win can be added to an account without changing the account's SystemModstamp.
//     With customer_since_field set, the Account field is read instead and this phase skipped.
//
// Incremental strategy. Accounts and contacts are read incrementally on SystemModstamp (which
// moves on user and automated edits): the first pass reads everything, later passes read
// `WHERE SystemModstamp >= <high-water mark − connectors.Overlap> ORDER BY SystemModstamp`, one
// mark per object. upsells_12m is not incremental: its window moves with the clock even when
// nothing changes in Salesforce, and an account whose last upsell leaves the window must drop
// to 0. So every run (1) counts the won upsell opportunities in the window — a narrow query,
// small even in large orgs — and (2) at the end lists every account id (SELECT Id FROM Account,
// 2,000 ids a request) and publishes upsells_12m for each, 0 included, observed at s.Now().
//
// Resuming. The cursor is JSON: the phase (opportunities, accounts, contacts, first_won,
// upsells), where
// to resume inside it, the per-object high-water marks, and the running upsell counts per
// account (bounded by the number of accounts with an upsell in the window) and the first won
// CloseDate per account during a run (about 35 bytes per customer account). Query locators
// (nextRecordsUrl) expire after about 15 minutes idle, so a resumed run does not reuse one: it
// re-queries from the last committed SystemModstamp (accounts, contacts; re-reading records with
// that exact stamp is harmless) or after the last committed Id (opportunities, account ids;
// ORDER BY Id with Id > last keeps the running counts exact).
//
// Errors: Salesforce answers errors as [{"message","errorCode"}]; INVALID_SESSION_ID (401)
// asks for a new token. REQUEST_LIMIT_EXCEEDED (403) is two things (limits.go): a concurrency
// limit, backed off and retried, or the org's rolling 24-hour allocation, which stops the run
// with the usage from the Sforce-Limit-Info header (api-usage=used/limit; logged at debug level).
// Requests are paced at 10 per second (bursts of 25): Salesforce limits requests per 24 hours
// (and concurrent long-running ones), not per second.
package salesforce

import (
	"cmp"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("salesforce", New)
	connectors.RegisterCapabilities("salesforce",
		connectors.Capability{Input: connectors.AttrCustomerSince, How: "maps the first won Opportunity's CloseDate; option customer_since_field"},
		connectors.Capability{Input: connectors.AttrAcquisitionChannel, How: "maps Account.AccountSource; option channel_field"},
		connectors.Capability{Input: connectors.AttrIndustry, How: "maps Account.Industry; option industry_field"},
		connectors.Capability{Input: SignalUpsells, How: "counts won Opportunities of Type Existing Customer - Upgrade closed in the last 12 months"},
		connectors.Capability{Input: "ltv", How: "with option ltv_field (an Account field)"},
		connectors.Capability{Input: "health_score", How: "with option health_field (an Account field)"},
		connectors.Capability{Input: "nps", How: "with option nps_field (an Account field)"},
	)
}

// Provides is what a sync publishes with these options: upsells_12m, the standard account
// attributes, customer_since, and the signals whose field options are set.
func (c *Connector) Provides() connectors.Provides {
	p := connectors.Provides{Signals: []string{SignalUpsells}, Attributes: []string{"account_type", "employees"}}
	p.Attributes = append(p.Attributes, slices.Collect(maps.Keys(c.attrFields))...)
	if !slices.Contains(p.Attributes, connectors.AttrCustomerSince) {
		p.Attributes = append(p.Attributes, connectors.AttrCustomerSince)
	}
	p.Signals = append(p.Signals, slices.Collect(maps.Keys(c.fields))...)
	slices.Sort(p.Signals)
	slices.Sort(p.Attributes)
	return p
}

// Defaults for the options.
const (
	DefaultAPIVersion  = "v60.0"
	DefaultUpsellTypes = "Existing Customer - Upgrade"
)

// Option keys.
const (
	OptAPIVersion  = "api_version"
	OptUpsellTypes = "upsell_types"
	OptLTVField    = "ltv_field"
	OptHealthField = "health_field"
	OptNPSField    = "nps_field"

	OptChannelField  = "channel_field"
	OptIndustryField = "industry_field"
	OptSinceField    = "customer_since_field"
)

// attrFieldOptions maps each attribute-field option to the attribute it feeds.
var attrFieldOptions = map[string]string{
	OptChannelField:  connectors.AttrAcquisitionChannel,
	OptIndustryField: connectors.AttrIndustry,
	OptSinceField:    connectors.AttrCustomerSince,
}

// fieldOptions maps each custom-field option to the signal it feeds.
var fieldOptions = map[string]string{
	OptLTVField:    "ltv",
	OptHealthField: "health_score",
	OptNPSField:    "nps",
}

var (
	versionRE = regexp.MustCompile(`^v?(\d{2,3}\.\d)$`)
	// apiNameRE is what a Salesforce field API name looks like; anything else could change the
	// meaning of the SOQL we build.
	apiNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// Connector reads one Salesforce org. Build it with New.
type Connector struct {
	now         func() time.Time
	client      *connectors.Client
	log         *slog.Logger
	version     string   // "v60.0"
	upsellTypes []string // Opportunity.Type values that count as upsells
	// fields maps a signal name to the Account field it is read from.
	fields map[string]string
	// attrFields maps a canonical attribute to the Account field it is read from; without
	// customer_since, the first won opportunity gives it.
	attrFields map[string]string
}

// New builds a Salesforce connector, rejecting settings it cannot use.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"instance_url": s.InstanceURL, "access_token": s.AccessToken}); err != nil {
		return nil, err
	}
	if err := checkURL("instance_url", s.InstanceURL); err != nil {
		return nil, err
	}
	if s.BaseURL != "" {
		if err := checkURL("base_url", s.BaseURL); err != nil {
			return nil, err
		}
	}
	c := &Connector{now: s.Now, version: DefaultAPIVersion, fields: map[string]string{},
		attrFields: map[string]string{connectors.AttrAcquisitionChannel: "AccountSource", connectors.AttrIndustry: "Industry"}}
	for _, k := range slices.Sorted(maps.Keys(s.Options)) {
		v := strings.TrimSpace(s.Options[k])
		switch k {
		case OptAPIVersion:
			m := versionRE.FindStringSubmatch(v)
			if m == nil {
				return nil, fmt.Errorf("salesforce: options.%s %q is not an API version like v60.0", k, v)
			}
			c.version = "v" + m[1]
		case OptUpsellTypes:
			for _, t := range strings.Split(v, ",") {
				if t = strings.TrimSpace(t); t != "" {
					c.upsellTypes = append(c.upsellTypes, t)
				}
			}
			if len(c.upsellTypes) == 0 {
				return nil, fmt.Errorf("salesforce: options.%s is empty; list Opportunity types, e.g. %q", k, DefaultUpsellTypes)
			}
		case OptLTVField, OptHealthField, OptNPSField, OptChannelField, OptIndustryField, OptSinceField:
			if !apiNameRE.MatchString(v) {
				return nil, fmt.Errorf("salesforce: options.%s %q is not a field API name like Health_Score__c", k, v)
			}
			if attr, ok := attrFieldOptions[k]; ok {
				c.attrFields[attr] = v
			} else {
				c.fields[fieldOptions[k]] = v
			}
		default:
			return nil, fmt.Errorf("salesforce: unknown option %q (known: %s, %s, %s, %s, %s, %s, %s, %s)",
				k, OptAPIVersion, OptUpsellTypes, OptLTVField, OptHealthField, OptNPSField, OptChannelField, OptIndustryField, OptSinceField)
		}
	}
	if len(c.upsellTypes) == 0 {
		c.upsellTypes = []string{DefaultUpsellTypes}
	}
	c.log = cmp.Or(s.Runtime.Log, slog.Default()).With("connector", s.Name)
	c.client = connectors.NewClient(s, strings.TrimRight(s.InstanceURL, "/"), connectors.PerSecond(10, time.Second, 25))
	token := s.AccessToken
	c.client.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	c.client.Transient = concurrencyLimit
	return c, nil
}

func checkURL(key, raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("salesforce: %s %q is not a URL like https://acme.my.salesforce.com", key, raw)
	}
	return nil
}

// accountFields is the SELECT list for accounts, custom fields last in a fixed order.
func (c *Connector) accountFields() string {
	f := []string{"Id", "Name", "Website", "Type", "NumberOfEmployees", "Owner.Email", "IsDeleted", "SystemModstamp"}
	for _, m := range []map[string]string{c.attrFields, c.fields} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(f, m[k]) {
				f = append(f, m[k])
			}
		}
	}
	return strings.Join(f, ", ")
}

// soqlString quotes s as a SOQL string literal.
func soqlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return "'" + r.Replace(s) + "'"
}

// soqlTime formats t as a SOQL dateTime literal. It truncates to the second, which only ever
// widens a `>=` window.
func soqlTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// sfTimeLayouts are the forms Salesforce writes dateTime values in (+0000 without a colon).
var sfTimeLayouts = []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano}

func parseSFTime(s string) (time.Time, error) {
	for _, l := range sfTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a Salesforce dateTime", s)
}
