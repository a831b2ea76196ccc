package stripe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
)

// productRef is a price's product: an id, or the product object when expanded.
type productRef struct {
	ID   string
	Name string
}

func (r *productRef) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &r.ID)
	}
	if string(b) == "null" {
		return nil
	}
	var p struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	err := json.Unmarshal(b, &p)
	r.ID, r.Name = p.ID, p.Name
	return err
}

// seatsOf is the number of licensed seats of a subscription: the quantities of its licensed
// items (metered items have no quantity). ok is false when no item has one.
func seatsOf(items []subscriptionItem) (n int64, ok bool) {
	for _, it := range items {
		if it.Quantity == nil || (it.Price != nil && it.Price.Recurring != nil && it.Price.Recurring.UsageType == "metered") {
			continue
		}
		n, ok = n+*it.Quantity, true
	}
	return n, ok
}

// mainItem is the item a subscription is named after: the one with the largest monthly
// amount (the base plan rather than an add-on), the first on a tie or when none has an amount.
func mainItem(items []subscriptionItem) (subscriptionItem, bool) {
	best, bestMRR := -1, -1.0
	for i, it := range items {
		m, err := itemMRR(it)
		if err != nil {
			m = 0
		}
		if m > bestMRR {
			best, bestMRR = i, m
		}
	}
	if best < 0 {
		return subscriptionItem{}, false
	}
	return items[best], true
}

// planName names a subscription's plan: its plan_metadata_key value when set, else the main
// item's price nickname, else the name of the price's product (GET /v1/products/{id}, once
// per product and run: a subscription list cannot expand data.items.data.price.product, one
// level past Stripe's four).
func (c *Connector) planName(ctx context.Context, sub subscription, items []subscriptionItem) (string, error) {
	if c.planKey != "" {
		if v := connectors.Plan(sub.Metadata[c.planKey]); v != "" {
			return v, nil
		}
	}
	it, ok := mainItem(items)
	if !ok || it.Price == nil {
		return "", nil
	}
	if n := connectors.Plan(it.Price.Nickname); n != "" {
		return n, nil
	}
	if n := connectors.Plan(it.Price.Product.Name); n != "" {
		return n, nil
	}
	return c.productName(ctx, it.Price.Product.ID)
}

// productName returns a product's name, asking Stripe once per product per run.
func (c *Connector) productName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if name, ok := c.products[id]; ok {
		return name, nil
	}
	var p struct {
		Name string `json:"name"`
	}
	if err := c.client.JSON(ctx, connectors.Request{Path: "/v1/products/" + url.PathEscape(id)}, &p); err != nil {
		return "", fmt.Errorf("stripe: read product %s for a plan name: %w", id, err)
	}
	c.products[id] = connectors.Plan(p.Name)
	return c.products[id], nil
}

// takeSubscription adds one active subscription's plan, seats and start date to its company's
// total. The plan is that of the company's largest subscription by monthly amount.
func (c *Connector) takeSubscription(ctx context.Context, t *total, sub subscription, items []subscriptionItem) error {
	if sub.StartDate > 0 && (t.Since == 0 || sub.StartDate < t.Since) {
		t.Since = sub.StartDate
	}
	if n, ok := seatsOf(items); ok {
		t.Seats, t.HasSeats = t.Seats+n, true
	}
	var amount float64
	for _, it := range items {
		if m, err := itemMRR(it); err == nil {
			amount += m
		}
	}
	if t.Plan != "" && amount <= t.PlanMRR {
		return nil
	}
	name, err := c.planName(ctx, sub, items)
	if err != nil || name == "" {
		return err
	}
	t.Plan, t.PlanMRR = name, amount
	return nil
}

// attributes are a Stripe customer's attributes: customer_since (the company's earliest
// active subscription start_date, else the customer's own created time, else its
// customer_since_metadata_key value, which wins when set) and plan.
func (c *Connector) attributes(cu customer, t *total) map[string]string {
	since := t.Since
	if since == 0 {
		since = cu.Created
	}
	attrs := map[string]string{connectors.AttrPlan: t.Plan}
	if d, ok := connectors.UnixDay(since); ok {
		attrs[connectors.AttrCustomerSince] = d
	}
	if c.sinceKey != "" && strings.TrimSpace(cu.Metadata[c.sinceKey]) != "" {
		attrs[connectors.AttrCustomerSince] = cu.Metadata[c.sinceKey]
	}
	return attrs
}
