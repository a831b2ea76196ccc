// Package advocate is the domain core: the types every part of Advocate shares and the
// business rules they all ask. Adapters (the store, Slack, email, HTTP, vendor connectors) and
// jobs (sync, score, shortlist, decide, drip) sit around it; none of them re-derives a rule
// that lives here:
//
//   - which value of a signal is current (Sources: source precedence + freshness),
//   - who the person to ask at an account is (PickContact),
//   - what "opted out" means for an account (AccountOptedOut) and how yes/no attributes read (Truthy),
//   - how long a decision holds a customer back and the shortlist defaults (Decision, Policy).
//
// The package imports nothing from Advocate and does no I/O beyond the small reader
// interfaces it declares, so every rule is a pure function with a table-driven test.
package advocate

import (
	"strings"
	"time"
)

// Customer is an account: a company that pays for the product. Owner is the CSM's email.
type Customer struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Domain     string            `json:"domain"`
	Owner      string            `json:"owner"`
	Attributes map[string]string `json:"attributes,omitempty"`
	CreatedAt  time.Time         `json:"created_at,omitzero"`
	UpdatedAt  time.Time         `json:"updated_at,omitzero"`
}

// Label is how people see the account: "Name (domain)", whichever of the two is known, else its id.
func (c Customer) Label() string { return FirstNonBlank(Label(c.Name, c.Domain), c.ID) }

// Label names an account for people from its name and domain: "Name (domain)", or whichever
// of the two is known.
func Label(name, domain string) string {
	name, domain = strings.TrimSpace(name), strings.TrimSpace(domain)
	switch {
	case name == "":
		return domain
	case domain == "":
		return name
	}
	return name + " (" + domain + ")"
}

// Contact is a person at a customer who could be recruited.
type Contact struct {
	CustomerID string `json:"-"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Champion   bool   `json:"champion,omitempty"`
	OptedOut   bool   `json:"opted_out,omitempty"`
}

// SignalValue is the newest observation of one signal for one customer from one source.
type SignalValue struct {
	CustomerID string    `json:"-"`
	Name       string    `json:"-"`
	Source     string    `json:"source"`
	Value      float64   `json:"value"`
	ObservedAt time.Time `json:"observed_at"`
}

// Attribute names with a meaning to the rules in this package.
const (
	AttrOptedOut  = "opted_out"
	AttrIsPartner = "is_partner"
)

// Truthy reads the yes/no attributes and properties sources write in many spellings
// ("true", "Yes", "1", "on", "y", "x"). Anything else, including "", is false.
func Truthy(s string) bool {
	v, ok := ParseBool(s)
	return v && ok
}

// ParseBool reads a yes/no value in the spellings sources use; ok is false when s is neither
// (free text, a number other than 0 or 1). "" reads as no: an unticked CRM checkbox is empty.
func ParseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "y", "on", "x":
		return true, true
	case "0", "false", "no", "n", "off", "":
		return false, true
	}
	return false, false
}

// AccountOptedOut reports whether nobody at the account may be asked: its opted_out attribute
// (optedOutAttr, any spelling Truthy accepts) says so, or it has contacts and every one of them
// opted out. An account with no contacts on record is not opted out: it simply has nobody to
// ask yet. It takes counts, not contacts, because the scoring table reads them for a whole base
// in one aggregate query.
func AccountOptedOut(optedOutAttr string, contacts, optedOutContacts int) bool {
	return Truthy(optedOutAttr) || (contacts > 0 && optedOutContacts == contacts)
}

// IsPartner reads the is_partner attribute: the account is already an affiliate or partner.
func IsPartner(isPartnerAttr string) bool { return Truthy(isPartnerAttr) }

// FirstNonBlank returns the first value that is not empty or white space, else "".
func FirstNonBlank(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
