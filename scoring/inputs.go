package scoring

import (
	"fmt"
	"maps"
	"slices"
)

// Input is one name the model reads from the data, and what in the config reads it.
type Input struct {
	Name      string   `json:"name"`
	Attribute bool     `json:"attribute,omitempty"` // a customer attribute rather than a signal
	UsedBy    []string `json:"used_by"`             // "weight nps", "gate `tenure_days >= 90`", "segment enterprise"
	// DerivedFrom names the attribute a derived signal is computed from (tenure_days from
	// customer_since): a source providing either satisfies the input.
	DerivedFrom string `json:"derived_from,omitempty"`
}

// Inputs lists what the model reads: weighted signals (base and segments), gate variables
// and segment conditions, sorted by name. opted_out and is_partner are left out: they are hard
// rules, not inputs a source must provide.
func (m *Model) Inputs() []Input {
	by := map[string]*Input{}
	use := func(name string, attr bool, what string) {
		in, ok := by[name]
		if !ok {
			in = &Input{Name: name, Attribute: attr}
			if name == TenureDays {
				in.DerivedFrom = AttrCustomerSince
			}
			by[name] = in
		}
		if !slices.Contains(in.UsedBy, what) {
			in.UsedBy = append(in.UsedBy, what)
		}
	}
	for _, name := range m.signals {
		use(name, false, "weight "+name)
	}
	for _, g := range m.gates {
		for _, v := range g.vars {
			if v.name == VarOptedOut || v.name == VarIsPartner {
				continue
			}
			use(v.name, v.kind == kindAttr, fmt.Sprintf("gate `%s`", g.text))
		}
	}
	for _, s := range m.cfg.Segments {
		for _, attr := range slices.Sorted(maps.Keys(s.When)) {
			use(attr, true, "segment "+s.Name)
		}
	}
	out := make([]Input, 0, len(by))
	for _, name := range slices.Sorted(maps.Keys(by)) {
		out = append(out, *by[name])
	}
	return out
}
