package connectors

import (
	"slices"
	"strings"
	"sync"
)

// Provides is what a configured connector publishes: canonical signal names and customer
// attribute names. Advocate compares it with what the scoring model reads, so a gate such as
// `tenure_days >= 90` that no source can feed is reported instead of shortlisting nobody.
type Provides struct {
	Signals    []string `json:"signals"`
	Attributes []string `json:"attributes"`
	// Any means the connector publishes whatever its data names (a long-format CSV file, the
	// push API): only the stored data can tell what arrived.
	Any bool `json:"any,omitempty"`
}

// Has reports whether p includes input as a signal or an attribute (always, with Any).
func (p Provides) Has(input string) bool {
	return p.Any || slices.Contains(p.Signals, input) || slices.Contains(p.Attributes, input)
}

// Describer is implemented by connectors that can say what they publish with the settings
// they were built from (a CSV connector: its column mapping; HubSpot: its property options).
type Describer interface {
	Provides() Provides
}

// Capability is an input a connector type can publish and how, for hints such as "HubSpot
// can: it maps hs_lifecyclestage_customer_date".
type Capability struct {
	Input string // canonical signal or attribute name
	How   string // the vendor field it comes from, or the option that enables it
}

var (
	capMu        sync.RWMutex
	capabilities = map[string][]Capability{}
)

// RegisterCapabilities records what a connector type can publish at best (with its options
// set). Connector packages call it from init next to Register.
func RegisterCapabilities(typ string, caps ...Capability) {
	capMu.Lock()
	defer capMu.Unlock()
	capabilities[typ] = append(capabilities[typ], caps...)
}

// TypeCapability is one connector type able to publish an input.
type TypeCapability struct {
	Type string
	How  string
}

// WhoCanProvide lists the registered connector types that can publish input, by type name.
func WhoCanProvide(input string) []TypeCapability {
	capMu.RLock()
	defer capMu.RUnlock()
	var out []TypeCapability
	for typ, caps := range capabilities {
		for _, c := range caps {
			if c.Input == input {
				out = append(out, TypeCapability{typ, c.How})
			}
		}
	}
	slices.SortFunc(out, func(a, b TypeCapability) int { return strings.Compare(a.Type, b.Type) })
	return out
}

// Provides is what the page publishes: the names of its signals and of its customers'
// attributes, sorted. Tests compare it with what a connector's Provides promises.
func (p *Page) Provides() Provides {
	var out Provides
	for _, s := range p.Signals {
		if !slices.Contains(out.Signals, s.Name) {
			out.Signals = append(out.Signals, s.Name)
		}
	}
	for _, c := range p.Customers {
		for a := range c.Attributes {
			if !slices.Contains(out.Attributes, a) {
				out.Attributes = append(out.Attributes, a)
			}
		}
	}
	slices.Sort(out.Signals)
	slices.Sort(out.Attributes)
	return out
}
