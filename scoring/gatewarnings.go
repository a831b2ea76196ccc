package scoring

import (
	"fmt"
	"slices"
)

// Warnings lists what in the model's config is allowed but probably a mistake, one sentence
// each, in gate order: a gate reading a name that no weight, transform, segment condition,
// canonical signal or known attribute uses. Such a name is looked up per customer (a custom
// signal, else a custom attribute), so when it is a typo the gate fails for every customer
// and nobody is shortlisted.
func (m *Model) Warnings() []string {
	var out []string
	for i, g := range m.Gates() {
		for _, name := range g.Unknown {
			if m.usesName(name) {
				continue
			}
			out = append(out, fmt.Sprintf("gate %d %q reads %s, which no weight, transform, segment or known signal uses: "+
				"unless customers carry a custom signal or attribute of that name, the gate fails for all of them", i+1, g.Text, name))
		}
	}
	return out
}

// usesName reports whether the config names this signal or attribute outside the gates.
func (m *Model) usesName(name string) bool {
	if _, ok := m.cfg.Transforms[name]; ok {
		return true
	}
	return slices.ContainsFunc(m.cfg.Segments, func(s Segment) bool {
		_, when := s.When[name]
		_, weighted := s.Weights[name]
		return when || weighted
	})
}
