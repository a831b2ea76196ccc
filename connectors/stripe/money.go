package stripe

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
)

// zeroDecimal and threeDecimal list the currencies whose Stripe amounts are not in hundredths
// (Stripe's "zero-decimal" and "three-decimal" currencies).
var (
	zeroDecimal = map[string]bool{"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true,
		"krw": true, "mga": true, "pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true,
		"xof": true, "xpf": true}
	threeDecimal = map[string]bool{"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true}
)

// minorUnitExponent is the number of decimals between a currency's minor and major unit.
func minorUnitExponent(currency string) int {
	switch {
	case zeroDecimal[currency]:
		return 0
	case threeDecimal[currency]:
		return 3
	}
	return 2
}

// toMajor converts an amount in minor units to major units, rounded to the minor unit.
func toMajor(minor float64, exponent int) float64 {
	return math.Round(minor) / math.Pow10(exponent)
}

// monthsPer is how many of an interval make a month (the community MRR recipe).
var monthsPer = map[string]float64{"day": 30, "week": 4.33, "month": 1, "year": 1.0 / 12}

// errNoUnitAmount marks an item whose price has no fixed unit amount (tiered pricing): its
// monthly amount cannot be known from the subscription.
var errNoUnitAmount = errors.New("price has no unit amount")

// price is the part of a Stripe Price that MRR needs.
type price struct {
	ID                string  `json:"id"`
	Currency          string  `json:"currency"`
	UnitAmount        *int64  `json:"unit_amount"`
	UnitAmountDecimal *string `json:"unit_amount_decimal"`
	BillingScheme     string  `json:"billing_scheme"`
	Nickname          string  `json:"nickname"` // the plan's name as the merchant wrote it
	// Product is the product's id, or the product itself when expanded.
	Product   productRef `json:"product"`
	Recurring *struct {
		Interval      string `json:"interval"`
		IntervalCount int    `json:"interval_count"`
		UsageType     string `json:"usage_type"`
	} `json:"recurring"`
}

// subscriptionItem is one line of a subscription.
type subscriptionItem struct {
	ID       string `json:"id"`
	Quantity *int64 `json:"quantity"`
	Price    *price `json:"price"`
}

// itemMRR is the monthly amount of one subscription item in minor units. Metered items count
// 0 (usage has no fixed amount), as do items without a recurring price.
func itemMRR(it subscriptionItem) (float64, error) {
	p := it.Price
	if p == nil || p.Recurring == nil || p.Recurring.UsageType == "metered" {
		return 0, nil
	}
	var unit float64
	switch {
	case p.UnitAmountDecimal != nil && *p.UnitAmountDecimal != "":
		// The decimal form carries sub-cent prices exactly; unit_amount is then rounded.
		f, err := strconv.ParseFloat(*p.UnitAmountDecimal, 64)
		if err != nil {
			return 0, errNoUnitAmount
		}
		unit = f
	case p.UnitAmount != nil:
		unit = float64(*p.UnitAmount)
	default:
		return 0, errNoUnitAmount
	}
	factor, ok := monthsPer[p.Recurring.Interval]
	if !ok {
		return 0, errors.New("unknown interval " + strconv.Quote(p.Recurring.Interval))
	}
	qty := int64(1)
	if it.Quantity != nil {
		qty = *it.Quantity
	}
	return unit * float64(qty) * factor / float64(max(p.Recurring.IntervalCount, 1)), nil
}

// customerRef is an expandable customer field: an id, or the customer object when expanded.
type customerRef struct {
	customer
	expanded bool
}

func (r *customerRef) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &r.customer.ID)
	}
	if string(b) == "null" {
		return nil
	}
	r.expanded = true
	return json.Unmarshal(b, &r.customer)
}

// customer is the part of a Stripe Customer the connector reads.
type customer struct {
	ID       string            `json:"id"`
	Deleted  bool              `json:"deleted"`
	Email    string            `json:"email"`
	Name     string            `json:"name"`
	Metadata map[string]string `json:"metadata"`
	Created  int64             `json:"created"` // epoch seconds
}

func (c customer) id() string { return c.ID }

// invoice is the part of a Stripe Invoice ltv needs.
type invoice struct {
	ID         string      `json:"id"`
	Customer   customerRef `json:"customer"`
	Currency   string      `json:"currency"`
	AmountPaid int64       `json:"amount_paid"`
	Status     string      `json:"status"`
}

func (i invoice) id() string { return i.ID }

// subscription is the part of a Stripe Subscription mrr needs.
type subscription struct {
	ID       string                 `json:"id"`
	Customer customerRef            `json:"customer"`
	Status   string                 `json:"status"`
	Currency string                 `json:"currency"`
	Items    list[subscriptionItem] `json:"items"`
	// StartDate is when the subscription started (epoch seconds), kept across plan changes.
	StartDate int64             `json:"start_date"`
	Metadata  map[string]string `json:"metadata"`
}

func (s subscription) id() string { return s.ID }

// list is Stripe's list envelope.
type list[T any] struct {
	Object  string `json:"object"`
	HasMore bool   `json:"has_more"`
	Data    []T    `json:"data"`
}
