package scoring

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Canonical signal names. Connectors publish these; any other name is a custom signal and is
// scored and usable in gates just the same.
const (
	HealthScore      = "health_score"
	NPS              = "nps"
	CSAT             = "csat"
	ActiveUsers      = "active_users"
	Seats            = "seats"
	ProductEvents30d = "product_events_30d"
	UsageTrend       = "usage_trend"
	LTV              = "ltv"
	MRR              = "mrr"
	Upsells12m       = "upsells_12m"
	Tickets90d       = "tickets_90d"
	TicketsOpen      = "tickets_open"
	Escalations90d   = "escalations_90d"
	RetentionCost    = "retention_cost"
	TenureDays       = "tenure_days"
	ReferralsMade    = "referrals_made"
)

// CanonicalSignals lists the canonical signal names in a fixed order.
var CanonicalSignals = []string{
	HealthScore, NPS, CSAT, ActiveUsers, Seats, ProductEvents30d, UsageTrend, LTV, MRR,
	Upsells12m, Tickets90d, TicketsOpen, Escalations90d, RetentionCost, TenureDays, ReferralsMade,
}

// Attribute names gates may use as strings. An attribute a customer lacks reads as "" so that
// `plan != "free"` needs no guard. Other attribute names work too but are resolved per customer.
var KnownAttributes = []string{
	"plan", "industry", "acquisition_channel", "customer_since", "segment", "owner",
	"lifecycle_stage", "name", "domain", "country",
}

// Gate variables that are booleans, from Customer.OptedOut and Customer.IsPartner.
const (
	VarOptedOut  = "opted_out"
	VarIsPartner = "is_partner"
)

// DefaultMissingGoodness is the goodness of a missing signal when Config.MissingGoodness is 0:
// below the median, so an unknown value never reads as a good one.
const DefaultMissingGoodness = 0.25

// maxSegments bounds Config.Segments: a customer's segment is kept in 16 bits.
const maxSegments = 1<<16 - 2

// modelVersion is part of Hash: change it whenever the scoring arithmetic changes, so scores
// stored with an old hash are never mistaken for comparable ones.
const modelVersion = "scoring/v1"

// Config is what Marketing/RevOps tune. The zero value is not usable (no weights); start from
// DefaultConfig.
type Config struct {
	// Weights maps a signal to its weight. A negative weight marks friction (fewer is better).
	// Zero weights are ignored. Names that no customer has are fine: those signals count as
	// missing for everyone.
	Weights map[string]float64
	// Gates are expr-lang boolean expressions; a customer is eligible only if all are true.
	Gates []string
	// MinConfidence (0..1): a customer whose Confidence is below it is not eligible. 0 = off.
	MinConfidence float64
	// MissingGoodness (0..1) is the goodness of a missing signal; 0 means DefaultMissingGoodness.
	// It is further capped per signal so that missing never beats a median value (see doc.go).
	MissingGoodness float64
	// Currency is the symbol money signals (ltv, mrr, retention_cost) are shown with in
	// reasons; "" means "$". It does not affect scores, so it is not part of Hash.
	Currency string
	// Transforms maps a signal to how its value becomes goodness; signals not listed use
	// percentile rank. See Transform.
	Transforms map[string]Transform
	// Segments override weights for groups of customers (by plan, industry, any attribute);
	// the first matching segment wins. See Segment.
	Segments []Segment
}

// DefaultConfig returns the weights and gates Advocate ships with. Why these numbers:
//   - nps 3: a promoter has said, in words, that they recommend us; the strongest signal.
//   - health_score 2: the CS team's own summary of the relationship.
//   - product_events_30d 1.5, active_users 1, usage_trend 1: real, growing usage makes advocacy
//     credible and durable.
//   - referrals_made 1.5: already advocating informally.
//   - ltv 1, upsells_12m 1, csat 1: value and satisfaction; mrr and seats are left out because
//     they mostly restate ltv and company size, which say little about enthusiasm.
//   - tenure_days 0.5: a small nudge; the gate below does the real work.
//   - escalations_90d -2, tickets_90d -1.5, tickets_open -0.5, retention_cost -0.5: friction.
//
// Gate: tenure_days >= 90 (a customer needs a quarter of experience to vouch for the product).
// MinConfidence 0.3: at least ~30% of the weighted evidence must be known.
//
// Transform: nps uses NPSBuckets (9–10 promoter 1, 7–8 passive 0.5, 0–6 detractor 0) instead
// of percentile rank. NPS is an absolute scale with a meaning of its own: where most customers
// answer 9 or 10, percentile would leave a 9 with little credit, and where most answer low, a
// 6 (a detractor) would earn most of it. Every other signal keeps percentile rank, which needs
// no assumptions about units or ranges.
func DefaultConfig() Config {
	return Config{
		Weights: map[string]float64{
			NPS:              3,
			HealthScore:      2,
			ProductEvents30d: 1.5,
			ReferralsMade:    1.5,
			ActiveUsers:      1,
			UsageTrend:       1,
			LTV:              1,
			Upsells12m:       1,
			CSAT:             1,
			TenureDays:       0.5,
			Tickets90d:       -1.5,
			Escalations90d:   -2,
			TicketsOpen:      -0.5,
			RetentionCost:    -0.5,
		},
		Gates:         []string{"tenure_days >= 90"},
		MinConfidence: 0.3,
		Transforms:    map[string]Transform{NPS: NPSBuckets()},
	}
}

// validate reports every problem at once, so a user fixes the config in one go.
func (c Config) validate() error {
	var errs []error
	nonZero := 0
	for _, name := range slices.Sorted(maps.Keys(c.Weights)) {
		w := c.Weights[name]
		switch {
		case strings.TrimSpace(name) == "":
			errs = append(errs, errors.New("weights: empty signal name"))
		case math.IsNaN(w) || math.IsInf(w, 0):
			errs = append(errs, fmt.Errorf("weights: %s: weight must be a finite number, got %v", name, w))
		case w != 0:
			nonZero++
		}
	}
	if nonZero == 0 {
		errs = append(errs, errors.New("weights: no signal has a non-zero weight, so every score would be 0"))
	}
	if !(c.MinConfidence >= 0 && c.MinConfidence <= 1) {
		errs = append(errs, fmt.Errorf("min_confidence must be between 0 and 1, got %v", c.MinConfidence))
	}
	if !(c.MissingGoodness >= 0 && c.MissingGoodness <= 1) {
		errs = append(errs, fmt.Errorf("missing_goodness must be between 0 and 1, got %v", c.MissingGoodness))
	}
	for _, name := range slices.Sorted(maps.Keys(c.Transforms)) {
		if _, err := c.Transforms[name].compile(name); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.Segments) > maxSegments {
		errs = append(errs, fmt.Errorf("segments: at most %d allowed, got %d", maxSegments, len(c.Segments)))
	}
	if err := validateSegments(c.Weights, c.Segments); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (c Config) missingGoodness() float64 {
	if c.MissingGoodness == 0 {
		return DefaultMissingGoodness
	}
	return c.MissingGoodness
}

// hash is a stable digest of everything that changes scores: the model version, non-zero
// weights in name order, gates in order, the effective thresholds, transforms and segments.
// Equivalent configs (a zero weight present or not, MissingGoodness 0 vs 0.25, an explicit
// percentile transform or none) hash the same.
func (c Config) hash() string {
	var b strings.Builder
	b.WriteString(modelVersion)
	b.WriteString("\nweights")
	for _, name := range slices.Sorted(maps.Keys(c.Weights)) {
		if w := c.Weights[name]; w != 0 {
			b.WriteString("\n" + strconv.Quote(name) + "=" + strconv.FormatFloat(w, 'g', -1, 64))
		}
	}
	b.WriteString("\ngates")
	for _, g := range c.Gates {
		b.WriteString("\n" + strconv.Quote(strings.TrimSpace(g)))
	}
	b.WriteString("\nmin_confidence=" + strconv.FormatFloat(c.MinConfidence, 'g', -1, 64))
	b.WriteString("\nmissing_goodness=" + strconv.FormatFloat(c.missingGoodness(), 'g', -1, 64))
	// Sections added with transforms and segments are written only when non-default, so a
	// config that uses neither keeps the hash it had before they existed (same scores).
	for _, name := range slices.Sorted(maps.Keys(c.Transforms)) {
		if h := c.Transforms[name].hashText(); h != "" {
			b.WriteString("\ntransform " + strconv.Quote(name) + " " + h)
		}
	}
	b.WriteString(segmentsHash(c.Segments))
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}
