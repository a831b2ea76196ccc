// Package coverage compares what the scoring model reads with what the configured sources
// publish and what the store actually holds, so a model that needs an input nobody provides
// is reported ("gate `tenure_days >= 90` needs customer_since; no connector provides it
// (hubspot can: …) — 0 of 300 customers have it") instead of silently shortlisting nobody.
// `advocate score`, `advocate serve` at start and `advocate doctor` ask it.
package coverage

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/scoring"
)

// Source is one configured connector and what it publishes.
type Source struct {
	Name     string              `json:"name"`
	Type     string              `json:"type"`
	Provides connectors.Provides `json:"provides"`
	// Known is false when the connector cannot say what it publishes (it implements no
	// connectors.Describer, or its settings do not build); it is then assumed to publish anything.
	Known bool `json:"known"`
}

// Sources builds each configured connector (no I/O) and asks what it publishes.
func Sources(cfg *config.Config) []Source {
	out := make([]Source, 0, len(cfg.Connectors))
	for _, s := range cfg.Connectors {
		src := Source{Name: s.Name, Type: s.Type}
		if c, err := connectors.New(s); err == nil {
			if d, ok := c.(connectors.Describer); ok {
				src.Provides, src.Known = d.Provides(), true
			}
		}
		if !src.Known {
			src.Provides.Any = true
		}
		out = append(out, src)
	}
	return out
}

// Held is how many customers hold a usable value of each input: a fresh signal value, or a
// non-empty attribute.
type Held struct {
	Customers  int            `json:"customers"`
	Signals    map[string]int `json:"signals"`
	Attributes map[string]int `json:"attributes"`
}

// FromTable counts what a scoring table (ranker.LoadTable) holds.
func FromTable(t *scoring.Table) Held {
	h := Held{Customers: len(t.IDs), Signals: map[string]int{}, Attributes: map[string]int{}}
	for j, name := range t.Signals {
		n := 0
		for i, v := range t.Cols[j] {
			if !math.IsNaN(v) && (t.Stale == nil || t.Stale[j] == nil || !t.Stale[j][i]) {
				n++
			}
		}
		h.Signals[name] = n
	}
	for name, col := range t.Attrs {
		n := 0
		for _, v := range col {
			if strings.TrimSpace(v) != "" {
				n++
			}
		}
		h.Attributes[name] = n
	}
	return h
}

// Input is one model input with who provides it and how many customers have it.
type Input struct {
	scoring.Input
	Providers []string `json:"providers"`          // configured connectors that publish it (or what it derives from)
	Open      []string `json:"open,omitempty"`     // configured connectors that publish whatever their data names (long-format CSV, push API)
	CouldBe   []string `json:"could_be,omitempty"` // connector types that can, when no configured one does
	Have      int      `json:"have"`               // customers with a usable value
	Of        int      `json:"of"`                 // customers in the store
	Warning   string   `json:"warning,omitempty"`  // set when the input is a problem
}

// Report is the whole check.
type Report struct {
	Inputs   []Input  `json:"inputs"`
	Warnings []string `json:"warnings"`
}

// gateShare is the share of customers a gate input must reach before it is not worth a
// warning: below it, most customers fail the gate for want of data, not on their merits.
const gateShare = 0.5

// Check compares the model's inputs with the sources and the data. held may be zero (no data
// read yet): then only the sources are compared.
func Check(model *scoring.Model, sources []Source, held Held) Report {
	r := Report{Inputs: []Input{}, Warnings: []string{}}
	for _, in := range model.Inputs() {
		c := Input{Input: in, Have: have(in, held), Of: held.Customers}
		c.Providers, c.Open = providers(in, sources)
		if len(c.Providers) == 0 {
			for _, tc := range connectors.WhoCanProvide(need(in)) {
				c.CouldBe = append(c.CouldBe, tc.Type+": "+tc.How)
			}
		}
		c.Warning = warning(c)
		if c.Warning != "" {
			r.Warnings = append(r.Warnings, c.Warning)
		}
		r.Inputs = append(r.Inputs, c)
	}
	// A gate reading a name nothing else knows is most often a typo: say so with the rest.
	r.Warnings = append(r.Warnings, model.Warnings()...)
	return r
}

// need is the name a source must publish for in: the attribute a derived signal comes from.
func need(in scoring.Input) string {
	if in.DerivedFrom != "" {
		return in.DerivedFrom
	}
	return in.Name
}

// providers splits the sources that publish in (or what it derives from) by name from those
// that publish whatever their data names.
func providers(in scoring.Input, sources []Source) (named, open []string) {
	for _, s := range sources {
		p := s.Provides
		switch {
		case p.Any:
			open = append(open, s.Name)
		case p.Has(in.Name) || (in.DerivedFrom != "" && p.Has(in.DerivedFrom)):
			named = append(named, s.Name)
		}
	}
	return named, open
}

// have counts customers with the input; a derived signal counts its source attribute where
// the signal itself is absent (the table holds one or the other, rarely both).
func have(in scoring.Input, h Held) int {
	if in.Attribute {
		return h.Attributes[in.Name]
	}
	n := h.Signals[in.Name]
	if in.DerivedFrom != "" {
		n = max(n, h.Attributes[in.DerivedFrom])
	}
	return n
}

// gated reports whether a gate reads the input (a missing gate input fails the customer).
func gated(in scoring.Input) (string, bool) {
	i := slices.IndexFunc(in.UsedBy, func(u string) bool { return strings.HasPrefix(u, "gate ") })
	if i < 0 {
		return "", false
	}
	return in.UsedBy[i], true
}

// Gate reports whether a gate reads the input: missing data there keeps customers off the
// shortlist, where a weight without data only leaves the score to the other signals.
func (in Input) Gate() bool {
	_, g := gated(in.Input)
	return g
}

// warning words what is wrong with c, or "" when nothing is.
func warning(c Input) string {
	user, isGate := gated(c.Input)
	if !isGate {
		user = c.UsedBy[0]
	}
	needs := need(c.Input)
	data := ""
	if c.Of > 0 {
		data = fmt.Sprintf(" — %d of %d customers have it", c.Have, c.Of)
	}
	short := c.Of > 0 && float64(c.Have) < gateShare*float64(c.Of)
	switch {
	case len(c.Providers) == 0 && (c.Of == 0 || short):
		could := ""
		if len(c.CouldBe) > 0 {
			could = " (" + strings.Join(c.CouldBe, "; ") + ")"
		}
		if len(c.Open) > 0 {
			could += fmt.Sprintf("; %s brings it only if its data names it", strings.Join(c.Open, ", "))
		}
		return fmt.Sprintf("%s needs %s; no configured connector maps it%s%s", user, needs, could, data)
	case isGate && short:
		return fmt.Sprintf("%s needs %s, from %s%s: the others fail the gate for want of data",
			user, needs, strings.Join(c.Providers, ", "), data)
	case c.Of > 0 && c.Have == 0:
		return fmt.Sprintf("%s reads %s, which %s should provide%s", user, needs, strings.Join(c.Providers, ", "), data)
	}
	return ""
}
