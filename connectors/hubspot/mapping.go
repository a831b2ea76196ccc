package hubspot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// object is one CRM record as the list and search endpoints return it.
type object struct {
	ID           prop                    `json:"id"`
	Properties   map[string]prop         `json:"properties"`
	UpdatedAt    string                  `json:"updatedAt"`
	Archived     bool                    `json:"archived"`
	Associations map[string]associations `json:"associations"`
}

type associations struct {
	Results []association `json:"results"`
}

type association struct {
	ID   prop   `json:"id"`
	Type string `json:"type"`
}

// page is the list and search response: {results, paging:{next:{after}}} (search adds total).
type page struct {
	Results []object `json:"results"`
	paging
}

type paging struct {
	Paging *struct {
		Next *struct {
			After string `json:"after"`
		} `json:"next"`
	} `json:"paging"`
}

// next is the token of the next page, "" on the last.
func (p *paging) next() string {
	if p.Paging == nil || p.Paging.Next == nil {
		return ""
	}
	return p.Paging.Next.After
}

// prop is a property value. HubSpot sends every property as a string or null; a number or a
// boolean is accepted too, so a portal whose values come back unquoted still loads.
type prop string

func (p *prop) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*p = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = prop(s)
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("property value %s is not a string", b)
	default:
		*p = prop(b)
	}
	return nil
}

func (o *object) get(name string) string { return strings.TrimSpace(string(o.Properties[name])) }

// modified is the record's last-modified time: the property the search filters on, else the
// record's updatedAt.
func (o *object) modified(property string) (time.Time, bool) {
	if t, ok := parseTime(o.get(property)); ok {
		return t, true
	}
	return parseTime(o.UpdatedAt)
}

// company returns the primary associated company of a contact or deal: the
// associatedcompanyid property, else the association labelled primary (type
// "<object>_to_company"), else the first one.
func (o *object) company(primaryType string) string {
	if id := o.get("associatedcompanyid"); id != "" && id != "0" {
		return id
	}
	rs := o.Associations["companies"].Results
	for _, a := range rs {
		if a.Type == primaryType && a.ID != "" {
			return string(a.ID)
		}
	}
	if len(rs) > 0 {
		return string(rs[0].ID)
	}
	return ""
}

// parseTime reads a HubSpot datetime: ISO 8601 (what v3 returns) or epoch milliseconds (what
// older properties and filters use). A date-only value is midnight UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "1", "on", "y":
		return true
	}
	return false
}

// companyAttributes are the company's attributes as HubSpot holds them; Customer.SetAttributes
// normalises them. firstWon is the closedate (epoch ms) of the company's earliest won deal,
// 0 when unknown: customer_since falls back to it when the company property is empty.
func (c *Connector) companyAttributes(o object, firstWon int64) map[string]string {
	attrs := map[string]string{
		connectors.AttrIndustry:           o.get(c.options.industry),
		connectors.AttrAcquisitionChannel: o.get(c.options.channel),
		connectors.AttrCustomerSince:      o.get(c.options.since),
		"lifecycle_stage":                 o.get("lifecyclestage"),
		"employees":                       o.get("numberofemployees"),
	}
	if attrs[connectors.AttrCustomerSince] == "" && firstWon > 0 {
		attrs[connectors.AttrCustomerSince] = strconv.FormatInt(firstWon, 10)
	}
	for attr, p := range c.options.attrs {
		if v := o.get(p); v != "" {
			attrs[attr] = v
		}
	}
	return attrs
}

// firstWon returns the company a won deal (any deal type) belongs to and its closedate in
// epoch ms, for customer_since; ok is false for open or lost deals, deals without a company
// or a readable closedate, and deals dated after now (a forecast, not a customer yet).
func firstWon(o object, now time.Time) (company string, closed int64, ok bool) {
	if !truthy(o.get("hs_is_closed_won")) && !strings.EqualFold(o.get("dealstage"), "closedwon") {
		return "", 0, false
	}
	t, ok := parseTime(o.get("closedate"))
	company = o.company("deal_to_company")
	if !ok || company == "" || t.After(now) {
		return "", 0, false
	}
	return company, t.UnixMilli(), true
}

// mapCompany turns a company into a customer and its property signals. Problems name values
// that could not be read; the rest of the record still loads.
func (c *Connector) mapCompany(o object, owners map[string]string, firstWon int64, now time.Time) (connectors.Customer, []connectors.Signal, []connectors.Problem) {
	id := string(o.ID)
	cust := connectors.Customer{
		Ref:   connectors.Ref{ExternalID: id, Domain: connectors.NormalizeDomain(o.get("domain"))},
		Name:  o.get("name"),
		Owner: owners[o.get("hubspot_owner_id")],
	}
	var probs []connectors.Problem
	for _, attr := range cust.SetAttributes(c.companyAttributes(o, firstWon)) {
		probs = append(probs, connectors.Problem{Where: "hubspot company " + id,
			Message: fmt.Sprintf("property %s = %q is not a date; %s skipped", c.options.since, o.get(c.options.since), attr)})
	}

	at, ok := o.modified("hs_lastmodifieddate")
	if !ok {
		at = now
	}
	var sigs []connectors.Signal
	add := func(signal, property string, scale float64) {
		if property == "" {
			return
		}
		raw := o.get(property)
		if raw == "" {
			return
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			probs = append(probs, connectors.Problem{Where: "hubspot company " + id,
				Message: fmt.Sprintf("property %s = %q is not a number; %s skipped", property, raw, signal)})
			return
		}
		sigs = append(sigs, connectors.Signal{Customer: cust.Ref, Name: signal, Value: v * scale, ObservedAt: at})
	}
	add("ltv", c.options.ltv, 1)
	add("mrr", c.options.mrr, 1)
	add("mrr", c.options.arr, 1.0/12)
	add("health_score", c.options.health, 1)
	return cust, sigs, probs
}

// mapContact turns a contact into a person at its company; ok is false for a contact without
// an email or a company.
func (c *Connector) mapContact(o object) (connectors.Contact, bool) {
	email := connectors.NormalizeEmail(o.get("email"))
	company := o.company("contact_to_company")
	if email == "" || company == "" {
		return connectors.Contact{}, false
	}
	ct := connectors.Contact{
		Customer: connectors.Ref{ExternalID: company},
		Email:    email,
		Name:     strings.TrimSpace(o.get("firstname") + " " + o.get("lastname")),
		Role:     o.get("jobtitle"),
		OptedOut: truthy(o.get(c.options.optOut)),
	}
	if c.options.champion != "" {
		ct.Champion = truthy(o.get(c.options.champion))
	}
	return ct, true
}

// upsell returns the company a deal counts for in upsells_12m: a won deal of the expansion
// type, closed within the 12 months up to now. ok is false for any other deal.
func (c *Connector) upsell(o object, now time.Time) (company string, ok bool) {
	if !strings.EqualFold(o.get("dealtype"), c.options.upsellType) {
		return "", false
	}
	if !truthy(o.get("hs_is_closed_won")) && !strings.EqualFold(o.get("dealstage"), "closedwon") {
		return "", false
	}
	closed, ok := parseTime(o.get("closedate"))
	if !ok || closed.After(now) || !closed.After(now.AddDate(-1, 0, 0)) {
		return "", false
	}
	company = o.company("deal_to_company")
	return company, company != ""
}
