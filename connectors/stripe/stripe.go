// Package stripe is the connector for Stripe billing (type "stripe"): customers become
// customers, paid invoices add up to ltv, and active subscriptions to mrr.
//
// Settings: api_key (a secret or restricted key with read access to customers, invoices and
// subscriptions; sent as a Bearer token). base_url defaults to https://api.stripe.com.
//
// Options (every other key is rejected):
//
//	currency             reporting currency, ISO code, default "usd". Money is published in
//	                     major units of this currency only.
//	domain_metadata_key  customer metadata key holding the company's web domain (e.g.
//	                     "company_domain"); when a customer has it, it wins over the email.
//	api_version          Stripe-Version header to pin (e.g. "2024-06-20"); default: the
//	                     account's default version. The fields read here are stable across versions.
//	plan_metadata_key    subscription metadata key naming the plan; wins over the price's
//	                     nickname and product name when a subscription has it.
//	customer_since_metadata_key  customer metadata key holding the date the customer started
//	                     (for customers migrated into Stripe); wins over start_date when set.
//
// Matching. A Stripe customer belongs to the company named by its domain_metadata_key value,
// else by its email's domain (connectors.DomainFromContacts: free-mail addresses give no
// domain). Several Stripe customers with one domain are one company: their money is added up.
// A customer with no domain is skipped and counted in the sync summary: known only by its
// Stripe id, it would be a second customer for a company another source already knows.
//
// Signals, published for every customer in the last phase of a full pass (once every invoice
// and subscription has been counted), observed at s.Now():
//
//   - ltv: the sum of amount_paid over paid invoices (GET /v1/invoices?status=paid), in major
//     units. Refunds and credit notes issued later are not subtracted.
//   - mrr: over subscriptions with status active or past_due, the sum of
//     price.unit_amount × quantity per item, normalised to a month by price.recurring.interval /
//     interval_count (day ×30, week ×4.33, month ×1, year ÷12). Discounts, taxes and metered
//     (usage-based) items are not included: a metered price has no fixed monthly amount.
//
// Currencies. Amounts are integers in the currency's minor unit (cents; yen have none; dinars
// have three decimals). Only invoices and subscriptions in the reporting currency are counted:
// others are skipped and their number is logged at the end of the pass. A company with any
// skipped invoice gets no ltv, and one with a skipped subscription (or an item priced in tiers,
// which has no unit amount) gets no mrr: the connector must not publish a value it only partly
// sees. Customers with no paid invoice or no active subscription get 0.
//
//   - seats: the quantities of the licensed (not metered) items of the company's active and
//     past_due subscriptions, in any currency (seats are not money). Published only for
//     companies with such an item.
//
// Attributes, on every customer of a company:
//
//   - customer_since: the UTC day of the earliest start_date among the company's active and
//     past_due subscriptions (start_date is kept across plan changes), else the customer's own
//     created time. Canceled subscriptions are not listed (see below), so a company that
//     canceled and came back counts from its current subscription.
//   - plan: the plan of the company's largest active subscription by monthly amount: its main
//     item's (largest amount) price nickname, else the price's product name, read with GET
//     /v1/products/{id} once per product and run — a subscription list cannot expand
//     data.items.data.price.product, which is deeper than the four levels Stripe expands.
//
// Not published: upsells_12m. Plan upgrades are visible only in /v1/events
// (customer.subscription.updated), which Stripe keeps for 30 days, so a 12-month count cannot be
// computed (see DESIGN.md: a connector must not publish a signal it can only partly see). Use
// a CRM's won expansion deals for it instead.
//
// Every run is a full pass, in three phases: invoices, subscriptions (GET /v1/subscriptions,
// which lists the not-canceled ones), then customers. Stripe lists are newest first and filter
// only on creation time, while ltv needs every invoice ever paid and a customer's email can
// change at any time, so an incremental window would miss changes. Lists are read 100 at a
// time with starting_after=<last id> while has_more, and expand data.customer so each invoice
// and subscription is matched to its company as it is read. The cursor (JSON) holds the
// phase, the last id read and the running totals per company (only companies with money so
// far: about 60 bytes each, so it stays well under a megabyte up to ~10,000 paying companies).
// A failed run resumes from the last committed page with its totals, and ends equal to a
// clean run; if the object it would resume after has been deleted meanwhile (Stripe answers
// "No such …"), the pass starts over. The customers phase publishes the customers with their
// ltv and mrr.
//
// Requests are paced at 25 per second, a quarter of Stripe's live-mode limit (100/s; test
// mode allows 25/s), to leave room for the account's other integrations.
package stripe

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
	connectors.Register("stripe", New)
	connectors.RegisterCapabilities("stripe",
		connectors.Capability{Input: connectors.AttrCustomerSince, How: "maps the earliest active subscription's start_date (else the customer's created); option customer_since_metadata_key"},
		connectors.Capability{Input: connectors.AttrPlan, How: "maps the largest active subscription's price nickname or product name; option plan_metadata_key"},
		connectors.Capability{Input: connectors.SignalSeats, How: "adds up the quantities of active subscriptions' licensed items"},
		connectors.Capability{Input: SignalLTV, How: "adds up paid invoices"},
		connectors.Capability{Input: SignalMRR, How: "adds up active subscriptions, normalised to a month"},
	)
}

// Provides is what every pass publishes: ltv, mrr and seats, customer_since and plan.
func (c *Connector) Provides() connectors.Provides {
	return connectors.Provides{Signals: []string{SignalLTV, SignalMRR, connectors.SignalSeats},
		Attributes: []string{connectors.AttrCustomerSince, connectors.AttrPlan}}
}

// DefaultBaseURL is Stripe's API host; request paths carry the /v1 prefix.
const DefaultBaseURL = "https://api.stripe.com"

// DefaultCurrency is the reporting currency when options.currency is not set.
const DefaultCurrency = "usd"

// Option keys.
const (
	OptCurrency          = "currency"
	OptDomainMetadataKey = "domain_metadata_key"
	OptAPIVersion        = "api_version"
	OptPlanMetadataKey   = "plan_metadata_key"
	OptSinceMetadataKey  = "customer_since_metadata_key"
)

// PageSize is the number of objects requested per list call (Stripe's maximum).
const PageSize = 100

var (
	currencyRE = regexp.MustCompile(`^[a-z]{3}$`)
	versionRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$`)
)

// Connector reads one Stripe account. Build it with New.
type Connector struct {
	now         func() time.Time
	client      *connectors.Client
	log         *slog.Logger
	currency    string
	exponent    int    // decimals of the reporting currency's minor unit
	metadataKey string // "" = match by email domain only
	planKey     string // subscription metadata key naming the plan; "" = price nickname / product name
	sinceKey    string // customer metadata key holding customer_since; "" = subscription start_date
	// products caches product names for one run (plan names of prices without a nickname).
	products map[string]string
}

// New builds a Stripe connector, rejecting settings it cannot use.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"api_key": s.APIKey}); err != nil {
		return nil, err
	}
	if s.BaseURL != "" {
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("stripe: base_url %q is not a URL like %s", s.BaseURL, DefaultBaseURL)
		}
	}
	c := &Connector{now: s.Now, currency: DefaultCurrency}
	var version string
	for _, k := range slices.Sorted(maps.Keys(s.Options)) {
		v := strings.TrimSpace(s.Options[k])
		switch k {
		case OptCurrency:
			c.currency = strings.ToLower(v)
			if !currencyRE.MatchString(c.currency) {
				return nil, fmt.Errorf("stripe: options.%s %q is not a three-letter currency code like usd", k, v)
			}
		case OptDomainMetadataKey, OptPlanMetadataKey, OptSinceMetadataKey:
			if v == "" {
				return nil, fmt.Errorf("stripe: options.%s is empty; name the metadata key, or leave the option out", k)
			}
			*map[string]*string{OptDomainMetadataKey: &c.metadataKey, OptPlanMetadataKey: &c.planKey, OptSinceMetadataKey: &c.sinceKey}[k] = v
		case OptAPIVersion:
			if !versionRE.MatchString(v) {
				return nil, fmt.Errorf("stripe: options.%s %q is not a Stripe API version like 2024-06-20", k, v)
			}
			version = v
		default:
			return nil, fmt.Errorf("stripe: unknown option %q (known: %s, %s, %s, %s, %s)", k, OptAPIVersion, OptCurrency,
				OptDomainMetadataKey, OptPlanMetadataKey, OptSinceMetadataKey)
		}
	}
	c.exponent = minorUnitExponent(c.currency)
	// The README's base is .../v1 while ours is the host: accept both spellings.
	s.BaseURL = strings.TrimSuffix(strings.TrimRight(s.BaseURL, "/"), "/v1")
	c.log = cmp.Or(s.Runtime.Log, slog.Default()).With("connector", s.Name)
	c.client = connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(25, time.Second, 25))
	key := s.APIKey
	c.client.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
	if version != "" {
		c.client.Header = http.Header{"Stripe-Version": {version}}
	}
	return c, nil
}
