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
//
// What it reads, all through SOQL (GET /services/data/vXX.X/query?q=…, following
// nextRecordsUrl as is while done=false):
//
//   - Account → Customer: ExternalID = Id, Domain from Website, Name, Owner = Owner.Email (the
//     owner's email through the relationship field, no extra User query), attributes
//     account_type (Type), industry (Industry) and employees (NumberOfEmployees). Accounts with
//     IsDeleted are skipped. The optional custom fields become signals observed at the account's
//     SystemModstamp (the only time Salesforce gives for the value); a non-numeric value is a
//     Problem naming the account.
//   - Contact → Contact: customer = AccountId, Email, Name, role = Title, OptedOut =
//     HasOptedOutOfEmail. Contacts without an email or an account are skipped: they can be
//     neither matched nor emailed.
//   - Opportunity → upsells_12m: the number of won (IsWon) opportunities whose Type is one of
//     upsell_types and whose CloseDate lies in the 12 months before the run (s.Now()), per account.
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
// Resuming. The cursor is JSON: the phase (opportunities, accounts, contacts, upsells), where
// to resume inside it, the per-object high-water marks, and the running upsell counts per
// account (bounded by the number of accounts with an upsell in the window). Query locators
// (nextRecordsUrl) expire after about 15 minutes idle, so a resumed run does not reuse one: it
// re-queries from the last committed SystemModstamp (accounts, contacts; re-reading records with
// that exact stamp is harmless) or after the last committed Id (opportunities, account ids;
// ORDER BY Id with Id > last keeps the running counts exact).
//
// Errors: Salesforce answers errors as [{"message","errorCode"}]; INVALID_SESSION_ID (401)
// asks for a new token, REQUEST_LIMIT_EXCEEDED (403) means the org's 24-hour API allowance is
// spent. The Sforce-Limit-Info header (api-usage=used/limit) is logged at debug level.
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

func init() { connectors.Register("salesforce", New) }

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
)

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
	c := &Connector{now: s.Now, version: DefaultAPIVersion, fields: map[string]string{}}
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
		case OptLTVField, OptHealthField, OptNPSField:
			if !apiNameRE.MatchString(v) {
				return nil, fmt.Errorf("salesforce: options.%s %q is not a field API name like Health_Score__c", k, v)
			}
			c.fields[fieldOptions[k]] = v
		default:
			return nil, fmt.Errorf("salesforce: unknown option %q (known: %s, %s, %s, %s, %s)",
				k, OptAPIVersion, OptUpsellTypes, OptLTVField, OptHealthField, OptNPSField)
		}
	}
	if len(c.upsellTypes) == 0 {
		c.upsellTypes = []string{DefaultUpsellTypes}
	}
	c.log = cmp.Or(s.Runtime.Log, slog.Default()).With("connector", s.Name)
	c.client = connectors.NewClient(s, strings.TrimRight(s.InstanceURL, "/"), connectors.PerSecond(10, time.Second, 25))
	token := s.AccessToken
	c.client.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
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
	f := []string{"Id", "Name", "Website", "Type", "Industry", "NumberOfEmployees", "Owner.Email", "IsDeleted", "SystemModstamp"}
	for _, sig := range slices.Sorted(maps.Keys(c.fields)) {
		if !slices.Contains(f, c.fields[sig]) {
			f = append(f, c.fields[sig])
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
