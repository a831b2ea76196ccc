package stripe

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
)

// Phases of a pass, in order.
const (
	phaseInvoices      = "invoices"
	phaseSubscriptions = "subscriptions"
	phaseCustomers     = "customers"
	phaseDone          = "done"
)

// Signal names.
const (
	SignalLTV = "ltv"
	SignalMRR = "mrr"
)

// total is what a pass has added up for one company so far, in minor units. Short JSON names
// keep the cursor small.
type total struct {
	LTV int64   `json:"l,omitempty"`
	MRR float64 `json:"m,omitempty"`
	// PartialLTV / PartialMRR: something could not be counted (another currency, a tiered
	// price), so the value is not published.
	PartialLTV bool `json:"pl,omitempty"`
	PartialMRR bool `json:"pm,omitempty"`
	// Since is the earliest start_date (epoch s) of the company's active subscriptions.
	Since int64 `json:"s,omitempty"`
	// Plan names the company's largest active subscription, PlanMRR its monthly amount.
	Plan    string  `json:"p,omitempty"`
	PlanMRR float64 `json:"pa,omitempty"`
	// Seats adds up the quantities of licensed items; HasSeats says some item had one.
	Seats    int64 `json:"q,omitempty"`
	HasSeats bool  `json:"hq,omitempty"`
}

// skipped counts what a pass left out, for the log line at its end.
type skipped struct {
	Invoices         int `json:"invoices,omitempty"`          // paid invoices in another currency
	Subscriptions    int `json:"subscriptions,omitempty"`     // subscriptions in another currency
	UncountedItems   int `json:"uncounted_items,omitempty"`   // items without a unit amount or with an unknown interval
	DeletedCustomers int `json:"deleted_customers,omitempty"` // invoices/subscriptions of deleted customers
}

// state is the cursor.
type state struct {
	Phase string `json:"phase,omitempty"`
	// After is the id of the last object committed in this phase (starting_after).
	After string `json:"after,omitempty"`
	// Totals are keyed by company: "d:<domain>" or "c:<customer id>".
	Totals  map[string]*total `json:"totals,omitempty"`
	Skipped skipped           `json:"skipped,omitzero"`
}

// Sync runs or resumes a full pass: invoices, subscriptions, then customers with their ltv and
// mrr. Every page is committed with the cursor to resume from.
func (c *Connector) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	var st state
	if err := connectors.DecodeCursor(cursor, &st); err != nil {
		return err
	}
	if st.Phase == "" || st.Phase == phaseDone {
		st = state{Phase: phaseInvoices}
	}
	if st.Totals == nil {
		st.Totals = map[string]*total{}
	}
	expand := url.Values{"expand[]": {"data.customer"}}
	restarted := false
	c.products = map[string]string{} // product names are read once per run
	for {
		var err error
		switch st.Phase {
		case phaseInvoices:
			q := url.Values{"status": {"paid"}}
			maps.Copy(q, expand)
			err = listAll(ctx, c, "/v1/invoices", q, &st, sink, phaseSubscriptions, c.addInvoices)
		case phaseSubscriptions:
			// Without status, Stripe lists every subscription that is not canceled.
			err = listAll(ctx, c, "/v1/subscriptions", expand, &st, sink, phaseCustomers, c.addSubscriptions)
		case phaseCustomers:
			err = listAll(ctx, c, "/v1/customers", nil, &st, sink, phaseDone, c.addCustomers)
		case phaseDone:
			return nil
		default:
			return fmt.Errorf("stripe: the stored cursor names an unknown phase %q; reset this connector's cursor", st.Phase)
		}
		if errors.Is(err, errCursorGone) && !restarted {
			// The object a resumed page starts after was deleted since: Stripe cannot page
			// from it. The totals so far cannot be split by page, so start the pass over.
			c.log.Warn("stripe: resume point no longer exists; starting the pass over", "phase", st.Phase, "after", st.After)
			st, restarted = state{Phase: phaseInvoices, Totals: map[string]*total{}}, true
			continue
		}
		if err != nil {
			return err
		}
	}
}

// errCursorGone marks a list request whose starting_after object no longer exists.
var errCursorGone = errors.New("the object to resume after no longer exists")

// listAll pages through a Stripe list, newest first, handing each page to add and committing
// it with the cursor. On the last page the state moves to the next phase.
func listAll[T interface{ id() string }](ctx context.Context, c *Connector, path string, q url.Values, st *state,
	sink connectors.Sink, next string, add func(context.Context, []T, *state, *connectors.Page) error) error {
	for {
		var l list[T]
		if err := c.list(ctx, path, q, st.After, &l); err != nil {
			var se *connectors.StatusError
			if st.After != "" && errors.As(err, &se) && se.Status == http.StatusBadRequest &&
				strings.Contains(se.Message, "No such") && strings.Contains(se.Message, st.After) {
				return fmt.Errorf("%w: %w", errCursorGone, err)
			}
			return err
		}
		var page connectors.Page
		if err := add(ctx, l.Data, st, &page); err != nil {
			return err
		}
		finished := st.Skipped
		if l.HasMore {
			st.After = l.Data[len(l.Data)-1].id()
		} else {
			st.Phase, st.After = next, ""
			if next == phaseDone {
				*st = state{Phase: phaseDone} // the totals have been published
			}
		}
		page.Cursor = connectors.EncodeCursor(st)
		if err := sink.Commit(ctx, page); err != nil {
			return err
		}
		if !l.HasMore {
			if next == phaseDone {
				c.logPass(finished)
			}
			return nil
		}
	}
}

// list fetches one page of a list endpoint into out and checks the envelope.
func (c *Connector) list(ctx context.Context, path string, q url.Values, after string, out interface {
	envelope() (object string, hasMore bool, n int)
}) error {
	query := url.Values{"limit": {strconv.Itoa(PageSize)}}
	maps.Copy(query, q)
	if after != "" {
		query.Set("starting_after", after)
	}
	if err := c.client.JSON(ctx, connectors.Request{Path: path, Query: query}, out); err != nil {
		return err
	}
	object, hasMore, n := out.envelope()
	switch {
	case object != "list":
		return c.malformed(path, fmt.Errorf("object is %q, want \"list\"", object))
	case hasMore && n == 0:
		// Nothing to take starting_after from: following it would loop.
		return c.malformed(path, errors.New("has_more is true on an empty page"))
	}
	return nil
}

func (l *list[T]) envelope() (string, bool, int) { return l.Object, l.HasMore, len(l.Data) }

func (c *Connector) malformed(path string, err error) error {
	return &connectors.MalformedError{Connector: c.client.Connector, Method: http.MethodGet, Endpoint: path, Err: err}
}

// company returns a customer's company key and domain ("" when it has none): the domain
// metadata, else the domain of its email (connectors.DomainFromContacts over the one address
// Stripe holds), in which case byEmail is true.
func (c *Connector) company(cu customer) (key, domain string, byEmail bool) {
	if c.metadataKey != "" {
		domain = connectors.NormalizeDomain(cu.Metadata[c.metadataKey])
	}
	if domain == "" {
		domain, byEmail = connectors.DomainFromContacts([]string{cu.Email})
	}
	if domain != "" {
		return "d:" + domain, domain, byEmail
	}
	return "c:" + cu.ID, "", false
}

func (st *state) total(key string) *total {
	t := st.Totals[key]
	if t == nil {
		t = &total{}
		st.Totals[key] = t
	}
	return t
}

func (c *Connector) addInvoices(_ context.Context, invoices []invoice, st *state, _ *connectors.Page) error {
	for _, inv := range invoices {
		if inv.Status != "paid" || inv.Customer.ID == "" {
			continue
		}
		if inv.Customer.Deleted {
			st.Skipped.DeletedCustomers++
			continue
		}
		key, _, _ := c.company(inv.Customer.customer)
		t := st.total(key)
		if strings.ToLower(inv.Currency) != c.currency {
			t.PartialLTV = true
			st.Skipped.Invoices++
			continue
		}
		t.LTV += inv.AmountPaid
	}
	return nil
}

func (c *Connector) addSubscriptions(ctx context.Context, subs []subscription, st *state, _ *connectors.Page) error {
	for _, sub := range subs {
		if (sub.Status != "active" && sub.Status != "past_due") || sub.Customer.ID == "" {
			continue
		}
		if sub.Customer.Deleted {
			st.Skipped.DeletedCustomers++
			continue
		}
		key, _, _ := c.company(sub.Customer.customer)
		t := st.total(key)
		items := sub.Items.Data
		if sub.Items.HasMore {
			// A subscription embeds its first 10 items; the rest come from their own list.
			var err error
			if items, err = c.allItems(ctx, sub.ID); err != nil {
				return err
			}
		}
		// Plan, seats and start date are not money: every currency counts.
		if err := c.takeSubscription(ctx, t, sub, items); err != nil {
			return err
		}
		if strings.ToLower(sub.Currency) != c.currency {
			t.PartialMRR = true
			st.Skipped.Subscriptions++
			continue
		}
		for _, it := range items {
			m, err := itemMRR(it)
			if err != nil {
				t.PartialMRR = true
				st.Skipped.UncountedItems++
				continue
			}
			t.MRR += m
		}
	}
	return nil
}

// allItems lists every item of one subscription.
func (c *Connector) allItems(ctx context.Context, subID string) ([]subscriptionItem, error) {
	var (
		items []subscriptionItem
		after string
	)
	for {
		var l list[subscriptionItem]
		if err := c.list(ctx, "/v1/subscription_items", url.Values{"subscription": {subID}}, after, &l); err != nil {
			return nil, err
		}
		items = append(items, l.Data...)
		if !l.HasMore {
			return items, nil
		}
		after = l.Data[len(l.Data)-1].ID
	}
}

// addCustomers maps customers and publishes each company's ltv and mrr; a company seen again
// on a later page gets the same values again, which the store ignores.
func (c *Connector) addCustomers(_ context.Context, customers []customer, st *state, page *connectors.Page) error {
	now := c.now()
	done := map[string]bool{}
	for _, cu := range customers {
		if cu.Deleted || cu.ID == "" {
			continue
		}
		key, domain, byEmail := c.company(cu)
		if domain == "" {
			// Known only by its Stripe id, it would become a customer no other source meets.
			page.Matching.Unmatched++
			c.log.Info("customer skipped: no domain metadata and no work email", "customer", cu.ID)
			continue
		}
		if byEmail {
			page.Matching.ByContactDomain++
		}
		ref := connectors.Ref{ExternalID: cu.ID, Domain: domain}
		t := st.Totals[key]
		if t == nil {
			t = &total{}
		}
		cust := connectors.Customer{Ref: ref, Name: strings.TrimSpace(cu.Name)}
		for _, attr := range cust.SetAttributes(c.attributes(cu, t)) {
			page.Problems = append(page.Problems, connectors.Problem{Where: "Stripe customer " + cu.ID,
				Message: fmt.Sprintf("metadata %s = %q is not a date; %s skipped", c.sinceKey, cu.Metadata[c.sinceKey], attr)})
		}
		page.Customers = append(page.Customers, cust)
		if done[key] {
			continue
		}
		done[key] = true
		if t.HasSeats {
			page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: connectors.SignalSeats, Value: float64(t.Seats), ObservedAt: now})
		}
		if !t.PartialLTV {
			page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: SignalLTV, Value: toMajor(float64(t.LTV), c.exponent), ObservedAt: now})
		}
		if !t.PartialMRR {
			page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: SignalMRR, Value: toMajor(t.MRR, c.exponent), ObservedAt: now})
		}
	}
	return nil
}

// logPass reports what a completed pass left out and why.
func (c *Connector) logPass(sk skipped) {
	c.log.Info("stripe pass complete", "currency", c.currency,
		"invoices_other_currency_skipped", sk.Invoices,
		"subscriptions_other_currency_skipped", sk.Subscriptions,
		"items_without_unit_amount_skipped", sk.UncountedItems,
		"deleted_customer_objects_skipped", sk.DeletedCustomers)
}
