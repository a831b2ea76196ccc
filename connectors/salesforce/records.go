package salesforce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// account is an Account record as SOQL returns it. A null field decodes as the zero value.
type account struct {
	ID                string   `json:"Id"`
	Name              string   `json:"Name"`
	Website           string   `json:"Website"`
	Type              string   `json:"Type"`
	NumberOfEmployees *float64 `json:"NumberOfEmployees"`
	Owner             *struct {
		Email string `json:"Email"`
	} `json:"Owner"`
	IsDeleted      bool   `json:"IsDeleted"`
	SystemModstamp string `json:"SystemModstamp"`
}

// accountPage maps a batch of Account records: customers, plus the signals read from the
// configured custom fields.
func (c *Connector) accountPage(records []json.RawMessage) (connectors.Page, time.Time, error) {
	var (
		page connectors.Page
		last time.Time
	)
	for _, raw := range records {
		var a account
		if err := json.Unmarshal(raw, &a); err != nil {
			return page, last, fmt.Errorf("account record: %w", err)
		}
		stamp, err := parseSFTime(a.SystemModstamp)
		if err != nil {
			return page, last, fmt.Errorf("account %s: SystemModstamp: %w", a.ID, err)
		}
		if stamp.After(last) {
			last = stamp
		}
		if a.IsDeleted || a.ID == "" {
			continue
		}
		cust := connectors.Customer{
			Ref:        connectors.Ref{ExternalID: a.ID, Domain: connectors.NormalizeDomain(a.Website)},
			Name:       strings.TrimSpace(a.Name),
			Attributes: map[string]string{},
		}
		if a.Owner != nil {
			cust.Owner = connectors.NormalizeEmail(a.Owner.Email)
		}
		if a.NumberOfEmployees != nil {
			cust.Attributes["employees"] = strconv.FormatFloat(*a.NumberOfEmployees, 'f', -1, 64)
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(raw, &all); err != nil {
			return page, last, fmt.Errorf("account %s: %w", a.ID, err)
		}
		attrs := map[string]string{"account_type": a.Type}
		for attr, field := range c.attrFields {
			attrs[attr] = text(all[field])
		}
		for _, attr := range cust.SetAttributes(attrs) {
			page.Problems = append(page.Problems, connectors.Problem{Where: fmt.Sprintf("Salesforce Account %s (%s)", a.ID, cust.Name),
				Message: fmt.Sprintf("field %s holds %s, not a date; %s skipped", c.attrFields[attr], all[c.attrFields[attr]], attr)})
		}
		page.Customers = append(page.Customers, cust)
		for _, sig := range slices.Sorted(maps.Keys(c.fields)) {
			field := c.fields[sig]
			v, ok, err := number(all[field])
			if err != nil {
				page.Problems = append(page.Problems, connectors.Problem{
					Where:   fmt.Sprintf("Salesforce Account %s (%s)", a.ID, cust.Name),
					Message: fmt.Sprintf("field %s (%s) %v; the value is skipped", field, sig, err)})
				continue
			}
			if ok {
				page.Signals = append(page.Signals, connectors.Signal{Customer: connectors.Ref{ExternalID: a.ID},
					Name: sig, Value: v, ObservedAt: stamp})
			}
		}
	}
	return page, last, nil
}

// text reads a field value as text: a string as is, a number or boolean as written; absent
// and null are "".
func text(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// number reads a field value as a number: a JSON number, or a string holding one (text and
// formula fields). Absent and null are "no value".
func number(raw json.RawMessage) (float64, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false, err
	}
	var (
		f   float64
		err error
	)
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, false, nil
		}
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
	default:
		err = fmt.Errorf("not a number")
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("holds %s, not a number", raw)
	}
	return f, true, nil
}

// contact is a Contact record as SOQL returns it.
type contact struct {
	ID                 string `json:"Id"`
	AccountID          string `json:"AccountId"`
	Email              string `json:"Email"`
	Name               string `json:"Name"`
	Title              string `json:"Title"`
	HasOptedOutOfEmail bool   `json:"HasOptedOutOfEmail"`
	IsDeleted          bool   `json:"IsDeleted"`
	SystemModstamp     string `json:"SystemModstamp"`
}

// contactPage maps a batch of Contact records. Contacts without an email or an account are
// left out: they can be neither emailed nor tied to a customer.
func contactPage(records []json.RawMessage) (connectors.Page, time.Time, error) {
	var (
		page connectors.Page
		last time.Time
	)
	for _, raw := range records {
		var ct contact
		if err := json.Unmarshal(raw, &ct); err != nil {
			return page, last, fmt.Errorf("contact record: %w", err)
		}
		stamp, err := parseSFTime(ct.SystemModstamp)
		if err != nil {
			return page, last, fmt.Errorf("contact %s: SystemModstamp: %w", ct.ID, err)
		}
		if stamp.After(last) {
			last = stamp
		}
		email := connectors.NormalizeEmail(ct.Email)
		if ct.IsDeleted || email == "" || ct.AccountID == "" {
			continue
		}
		page.Contacts = append(page.Contacts, connectors.Contact{
			Customer: connectors.Ref{ExternalID: ct.AccountID},
			Email:    email,
			Name:     strings.TrimSpace(ct.Name),
			Role:     strings.TrimSpace(ct.Title),
			OptedOut: ct.HasOptedOutOfEmail,
		})
	}
	return page, last, nil
}
