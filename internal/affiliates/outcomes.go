package affiliates

// Outcome sync (issue 12, "Outcomes"): the platform's referrals and commissions are walked
// from the stored cursor into the store, then summed per affiliate and published, from source
// "affiliates", as the is_partner attribute and the referral signals of the customer each
// affiliate belongs to. It runs as a pseudo-connector named "affiliates" through the Syncer, so
// runs, cursors, status and backoff work as for every connector.

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/store"
)

// SyncName names the outcome sync: `advocate sync affiliates`, its sync state and its source.
const SyncName = "affiliates"

// Signals the outcome sync publishes.
const (
	SignalReferralsMade   = "referrals_made"   // referrals (lead or converted), all time
	SignalReferrals90d    = "referrals_90d"    // of those, created in the last 90 days
	SignalConversionsMade = "conversions_made" // referrals that became paying customers
	SignalCommissionPaid  = "commission_paid"  // paid commissions, major units of the reporting currency
)

// RecentWindow is the window of referrals_90d.
const RecentWindow = 90 * 24 * time.Hour

// SyncSettings is the pseudo-connector's entry for cfg's affiliates section; ok is false when
// no platform is configured.
func SyncSettings(cfg *config.Config) (s connectors.Settings, ok bool) {
	if cfg == nil || !cfg.Affiliates.Configured() {
		return s, false
	}
	return connectors.Settings{Name: SyncName, Type: SyncName, Schedule: cfg.Affiliates.Schedule}, true
}

// WithSync is cfg's connectors followed by the outcome sync when a platform is configured: what
// `advocate sync` selects names from.
func WithSync(cfg *config.Config) []connectors.Settings {
	all := slices.Clone(cfg.Connectors)
	if s, ok := SyncSettings(cfg); ok {
		all = append(all, s)
	}
	return all
}

// Builder is a Syncer.Build that makes the outcome sync for the "affiliates" entry and hands
// every other entry to connectors.New.
func Builder(cfg *config.Config, st *store.Store, log *slog.Logger) func(connectors.Settings) (connectors.Connector, error) {
	return func(cs connectors.Settings) (connectors.Connector, error) {
		if cs.Type != SyncName {
			return connectors.New(cs)
		}
		if cfg == nil || !cfg.Affiliates.Configured() {
			return nil, errors.New("affiliates: no affiliate platform configured")
		}
		p, err := platforms.New(SettingsOf(cfg.Affiliates, log))
		if err != nil {
			return nil, err
		}
		return NewOutcomeSync(p, st, log, cs.Runtime.Now), nil
	}
}

// OutcomeStats is what the last publish found.
type OutcomeStats struct {
	Affiliates int `json:"affiliates"` // affiliates with any outcome or stored record
	Customers  int `json:"customers"`  // customers they belong to (is_partner)
	// Outside counts affiliates who match no customer (outside partners): counted, never
	// turned into customers.
	Outside int `json:"outside_partners"`
	// Currency is the reporting currency of commission_paid: the one most of the platform's
	// commissions are in. OtherCurrency counts paid commissions in other currencies, left out.
	Currency      string `json:"currency,omitempty"`
	OtherCurrency int    `json:"other_currency_commissions"`
}

// OutcomeSync is the outcome sync; it implements connectors.Connector.
type OutcomeSync struct {
	platform platforms.Platform
	st       *store.Store
	log      *slog.Logger
	now      func() time.Time
	// Last is what the last completed Sync published.
	Last OutcomeStats
}

// NewOutcomeSync syncs p's outcomes into st; now is the sync clock (nil: the store's).
func NewOutcomeSync(p platforms.Platform, st *store.Store, log *slog.Logger, now func() time.Time) *OutcomeSync {
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = st.Now
	}
	return &OutcomeSync{platform: p, st: st, log: log.With("component", "affiliates", "platform", p.Name()), now: now}
}

// Sync walks the platform's outcomes from cursor, storing each page and committing its cursor
// with it, then publishes every affiliate's totals.
func (o *OutcomeSync) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	name := o.platform.Name()
	err := o.platform.Outcomes(ctx, cursor, func(p platforms.OutcomePage) error {
		if err := o.st.SavePlatformAffiliates(ctx, name, listed(name, p.Affiliates)); err != nil {
			return err
		}
		if err := o.st.SaveAffiliateOutcomes(ctx, name, referrals(name, p.Referrals), commissions(name, p.Commissions)); err != nil {
			return err
		}
		return sink.Commit(ctx, connectors.Page{Cursor: p.Cursor})
	})
	if err != nil {
		return err
	}
	page, stats, err := o.publish(ctx)
	if err != nil {
		return err
	}
	if err := sink.Commit(ctx, page); err != nil {
		return err
	}
	o.Last = stats
	o.log.Info("affiliate outcomes published", "affiliates", stats.Affiliates, "customers", stats.Customers,
		"outside_partners", stats.Outside, "currency", stats.Currency, "other_currency_commissions", stats.OtherCurrency)
	return nil
}

func listed(platform string, in []platforms.PlatformAffiliate) []store.PlatformAffiliate {
	out := make([]store.PlatformAffiliate, len(in))
	for i, a := range in {
		out[i] = store.PlatformAffiliate{Platform: platform, ID: a.ID, Email: a.Email, JoinedAt: a.CreatedAt}
	}
	return out
}

func referrals(platform string, in []platforms.Referral) []store.AffiliateReferral {
	out := make([]store.AffiliateReferral, len(in))
	for i, r := range in {
		out[i] = store.AffiliateReferral{Platform: platform, ID: r.ID, AffiliateID: r.AffiliateID, AffiliateEmail: r.AffiliateEmail,
			CustomerEmail: r.CustomerEmail, Status: r.Status, CreatedAt: r.CreatedAt, ConvertedAt: r.ConvertedAt}
	}
	return out
}

func commissions(platform string, in []platforms.Commission) []store.AffiliateCommission {
	out := make([]store.AffiliateCommission, len(in))
	for i, c := range in {
		out[i] = store.AffiliateCommission{Platform: platform, ID: c.ID, AffiliateID: c.AffiliateID, AffiliateEmail: c.AffiliateEmail,
			ReferralID: c.ReferralID, AmountMinor: c.AmountMinor, Currency: c.Currency, Status: c.Status, CreatedAt: c.CreatedAt}
	}
	return out
}

// totals are one affiliate's (or, summed, one customer's) outcomes.
type totals struct {
	email                          string
	referrals, recent, conversions int
	paidMinor                      int64
}

// publish sums the stored outcomes per affiliate, maps affiliates to customers and builds the
// page that sets is_partner and the signals that changed.
func (o *OutcomeSync) publish(ctx context.Context) (connectors.Page, OutcomeStats, error) {
	var stats OutcomeStats
	now := o.now().UTC()
	byAff, currency, other, err := o.totals(ctx, now)
	if err != nil {
		return connectors.Page{}, stats, err
	}
	stats.Affiliates, stats.Currency, stats.OtherCurrency = len(byAff), currency, other
	byCustomer := map[string]*totals{}
	for _, id := range slices.Sorted(maps.Keys(byAff)) {
		t := byAff[id]
		cid, err := o.customerOf(ctx, t.email)
		if err != nil {
			return connectors.Page{}, stats, err
		}
		if cid == "" {
			stats.Outside++
			continue
		}
		sum := byCustomer[cid]
		if sum == nil {
			sum = &totals{}
			byCustomer[cid] = sum
		}
		sum.referrals += t.referrals
		sum.recent += t.recent
		sum.conversions += t.conversions
		sum.paidMinor += t.paidMinor
	}
	stats.Customers = len(byCustomer)
	page, err := o.page(ctx, byCustomer, currency, now)
	return page, stats, err
}

// totals reads the platform's stored outcomes and sums them per affiliate id, with the
// affiliate's email from its outcomes or, failing that, the stored affiliates tables (Advocate's
// own and the platform's listing). Every listed affiliate is counted, outcomes or not, so one
// that belongs to a customer makes it a partner before its first referral.
func (o *OutcomeSync) totals(ctx context.Context, now time.Time) (map[string]*totals, string, int, error) {
	name := o.platform.Name()
	refs, err := o.st.AffiliateReferrals(ctx, name)
	if err != nil {
		return nil, "", 0, err
	}
	coms, err := o.st.AffiliateCommissions(ctx, name)
	if err != nil {
		return nil, "", 0, err
	}
	known, err := o.st.AffiliatesOnPlatform(ctx, name)
	if err != nil {
		return nil, "", 0, err
	}
	listed, err := o.st.PlatformAffiliates(ctx, name)
	if err != nil {
		return nil, "", 0, err
	}
	by := map[string]*totals{}
	get := func(id, email string) *totals {
		key := cmp.Or(id, "email:"+email)
		t := by[key]
		if t == nil {
			t = &totals{}
			by[key] = t
		}
		t.email = cmp.Or(t.email, email)
		return t
	}
	for _, a := range known {
		get(a.AffiliateID, a.Email)
	}
	for _, a := range listed {
		get(a.ID, a.Email)
	}
	for _, r := range refs {
		t := get(r.AffiliateID, r.AffiliateEmail)
		if r.Status == platforms.ReferralCancelled {
			continue
		}
		t.referrals++
		if !r.CreatedAt.Before(now.Add(-RecentWindow)) && !r.CreatedAt.After(now) {
			t.recent++
		}
		if r.Status == platforms.ReferralConverted {
			t.conversions++
		}
	}
	currency := reportingCurrency(coms)
	other := 0
	for _, c := range coms {
		t := get(c.AffiliateID, c.AffiliateEmail)
		switch {
		case c.Status != platforms.CommissionPaid:
		case c.Currency != currency:
			other++
		default:
			t.paidMinor += c.AmountMinor
		}
	}
	return by, currency, other, nil
}

// reportingCurrency is the currency most commissions are in (ties: the first alphabetically).
func reportingCurrency(coms []store.AffiliateCommission) string {
	n := map[string]int{}
	for _, c := range coms {
		n[c.Currency]++
	}
	best := ""
	for _, cur := range slices.Sorted(maps.Keys(n)) {
		if best == "" || n[cur] > n[best] {
			best = cur
		}
	}
	return best
}

// customerOf is the customer an affiliate belongs to (store.CustomerOfAffiliate); "" for an
// outside partner.
func (o *OutcomeSync) customerOf(ctx context.Context, email string) (string, error) {
	return o.st.CustomerOfAffiliate(ctx, o.platform.Name(), email)
}

// page is is_partner for every matched customer and each signal whose value differs from what
// this source published last, observed now: a sync that finds nothing new writes nothing.
func (o *OutcomeSync) page(ctx context.Context, byCustomer map[string]*totals, currency string, now time.Time) (connectors.Page, error) {
	var page connectors.Page
	for _, cid := range slices.Sorted(maps.Keys(byCustomer)) {
		// The page names customers by an identity of this source: their own id.
		if err := o.st.AddIdentity(ctx, SyncName, cid, cid); err != nil {
			return page, err
		}
		ref := connectors.Ref{ExternalID: cid}
		page.Customers = append(page.Customers, connectors.Customer{Ref: ref, Attributes: map[string]string{advocate.AttrIsPartner: "true"}})
		last, err := o.published(ctx, cid)
		if err != nil {
			return page, err
		}
		t := byCustomer[cid]
		vals := map[string]float64{SignalReferralsMade: float64(t.referrals), SignalReferrals90d: float64(t.recent),
			SignalConversionsMade: float64(t.conversions), SignalCommissionPaid: toMajor(t.paidMinor, currency)}
		for _, name := range slices.Sorted(maps.Keys(vals)) {
			if v, ok := last[name]; ok && v == vals[name] {
				continue
			}
			page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: name, Value: vals[name], ObservedAt: now})
		}
	}
	return page, nil
}

// published is the latest value of each signal this source published for the customer.
func (o *OutcomeSync) published(ctx context.Context, customerID string) (map[string]float64, error) {
	vals, err := o.st.LatestSignals(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, v := range vals {
		if v.Source == SyncName {
			out[v.Name] = v.Value
		}
	}
	return out, nil
}

// toMajor converts minor units of currency to major units (ISO 4217 exponents: most
// currencies have 2 decimals, a few 0 or 3).
func toMajor(minor int64, currency string) float64 {
	exp := 2
	switch strings.ToUpper(currency) {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF":
		exp = 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		exp = 3
	}
	return float64(minor) / math.Pow10(exp)
}
