// Package affiliates is the one interface Advocate drives affiliate platforms through
// (Rewardful, PartnerStack, FirstPromoter, Dub), with a registry keyed by platform name. Each
// platform is a pure HTTP client in its own subpackage; like every connector it imports nothing
// from internal/, so the job that decides *when* to create an affiliate lives elsewhere and this
// package only knows *how*.
//
// Import connectors/affiliates/all for the side effect of registering every platform.
package affiliates

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Person is who to enrol: the customer's contact that a CSM approved.
type Person struct {
	Email, FirstName, LastName string
	// ExternalID is our own id for the person (customer/contact). It is stored where the
	// platform has a field for it (PartnerStack partner_key, FirstPromoter cust_id, Dub
	// tenantId) and looked up by first there, so a renamed email still finds the affiliate.
	ExternalID string
}

// Affiliate is the platform's record of a person.
type Affiliate struct {
	ID    string
	Email string
	// Links are the referral links the platform made for the affiliate, primary first. Emails
	// carry Links[0]; an affiliate without links is reported as such, never given a made-up one.
	Links []string
	// Created is true when this call created the affiliate (false: it already existed).
	Created bool
}

// PlatformAffiliate is an affiliate as the platform lists it, with when it joined.
type PlatformAffiliate struct {
	ID        string
	Email     string
	CreatedAt time.Time // when the platform created (or the partner joined) it; zero when the platform does not say
}

// Referral statuses, normalized across platforms.
const (
	ReferralLead      = "lead"      // signed up (or a visitor the platform counts), not paying yet
	ReferralConverted = "converted" // became a paying customer
	ReferralCancelled = "cancelled" // churned, refunded, denied or deleted after the fact
)

// Commission statuses, normalized across platforms. Earnings KPIs count pending, due and paid.
const (
	CommissionPending = "pending" // earned but still in the platform's hold or approval window
	CommissionDue     = "due"     // approved, waiting for the next payout
	CommissionPaid    = "paid"
	CommissionVoided  = "voided" // declined, refunded, fraud, duplicate or cancelled
)

// Referral is a person an affiliate brought (a sign-up, not a click).
type Referral struct {
	ID             string
	AffiliateID    string
	AffiliateEmail string // empty when the platform does not say on this object
	CustomerEmail  string
	Status         string    // ReferralLead | ReferralConverted | ReferralCancelled
	CreatedAt      time.Time // when the referral signed up
	ConvertedAt    time.Time // zero until it converts
}

// Commission is money an affiliate earned. Only cash commissions are reported: credits,
// points and free months are dropped, since earnings KPIs are money.
type Commission struct {
	ID             string
	AffiliateID    string
	AffiliateEmail string
	ReferralID     string // empty when the platform does not link it
	AmountMinor    int64  // the commission (not the sale), in minor units of Currency
	Currency       string // ISO 4217, upper case
	Status         string // CommissionPending | CommissionDue | CommissionPaid | CommissionVoided
	CreatedAt      time.Time
}

// OutcomePage is one page of outcomes and the cursor to resume after it. A caller commits the
// page's records and Cursor together; a later Outcomes(ctx, Cursor, …) continues from there
// (and, once a walk finished, starts the next incremental pass).
type OutcomePage struct {
	// Affiliates are the platform's affiliates listed on this page with their join dates,
	// including those Advocate did not make: the only record of when they joined.
	Affiliates  []PlatformAffiliate
	Referrals   []Referral
	Commissions []Commission
	Cursor      string
}

// Platform is an affiliate platform.
type Platform interface {
	// Name is the platform's registry name (rewardful, partnerstack, firstpromoter, dub).
	Name() string
	// FindOrCreate looks the person up (by ExternalID where the platform stores one, else by
	// email) before creating; "email already taken" counts as found, so a retry after a lost
	// response or a concurrent create still yields one affiliate. It never asks the platform
	// to send its own welcome email where the platform has a switch: Advocate's drip onboards.
	FindOrCreate(ctx context.Context, p Person) (Affiliate, error)
	// Outcomes pages through affiliates, referrals and commissions changed since cursor (an empty cursor
	// walks everything), calling sink once per page with a resumable cursor. It stops at the
	// first sink error and returns it.
	Outcomes(ctx context.Context, cursor string, sink func(OutcomePage) error) error
}

// Settings configure a platform client (the `affiliates:` config block, plus test hooks).
type Settings struct {
	Platform  string // rewardful | partnerstack | firstpromoter | dub
	BaseURL   string // scheme and host only; the client adds /v1/…, /api/v2/…
	APIKey    string // Rewardful API secret | PartnerStack secret key | FirstPromoter API key | Dub key
	PublicKey string // PartnerStack public key
	AccountID string // FirstPromoter ACCOUNT-ID
	Campaign  string // Rewardful campaign_id | PartnerStack group_key | FirstPromoter campaign id | Dub groupId

	// PageSize is the list page size; 0 means the platform's maximum.
	PageSize int
	// HTTP, Limiter, Sleep, Now and Log override the shared client's defaults (tests: a fake's
	// client, an unlimited limiter, a Sleep that records waits).
	HTTP    *http.Client
	Limiter *rate.Limiter
	Sleep   func(ctx context.Context, d time.Duration) error
	Now     func() time.Time
	Log     *slog.Logger
}

// Factory builds a platform client from settings, validating what it needs.
type Factory func(Settings) (Platform, error)

// factories is written only by Register from package init functions, which run one at a time
// before anything calls New, so it needs no lock.
var factories = map[string]Factory{}

// Register makes a platform available to New; platform packages call it from init.
func Register(name string, f Factory) {
	if factories[name] != nil {
		panic("affiliates: platform " + name + " registered twice")
	}
	factories[name] = f
}

// New builds the client for s.Platform (case-insensitive).
func New(s Settings) (Platform, error) {
	f := factories[strings.ToLower(s.Platform)]
	if f == nil {
		known := slices.Sorted(maps.Keys(factories))
		return nil, fmt.Errorf("affiliates: unknown platform %q (known: %s)", s.Platform, strings.Join(known, ", "))
	}
	if s.APIKey == "" {
		return nil, fmt.Errorf("affiliates: platform %s: api_key is required", s.Platform)
	}
	return f(s)
}

// EncodeCursor turns a platform's cursor state into the opaque string callers store.
func EncodeCursor(platform string, state any) (string, error) {
	b, err := json.Marshal(state)
	if err != nil {
		return "", fmt.Errorf("affiliates %s: encode cursor: %w", platform, err)
	}
	return string(b), nil
}

// DecodeCursor reads a cursor EncodeCursor made; an empty cursor leaves state as it is (the
// start of a full walk).
func DecodeCursor(platform, cursor string, state any) error {
	if cursor == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(cursor), state); err != nil {
		return fmt.Errorf("affiliates %s: unreadable cursor %q (clear it to walk everything again): %w", platform, cursor, err)
	}
	return nil
}

// NormalizeEmail is how emails are compared: trimmed and lower-cased. Platforms store what they
// were sent, and people type their address in different cases.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CleanLinks drops empty and repeated links, keeping order.
func CleanLinks(links []string) []string {
	out := make([]string, 0, len(links))
	for _, l := range links {
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
