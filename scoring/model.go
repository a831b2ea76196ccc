package scoring

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// Customer is one account as scoring sees it.
type Customer struct {
	ID string
	// Signals holds present values only: an absent key (or a NaN value) means missing.
	Signals map[string]float64
	// Attributes are strings such as plan, industry, acquisition_channel, segment and
	// customer_since (YYYY-MM-DD or RFC 3339, from which tenure_days is derived).
	Attributes map[string]string
	// OptedOut: every reachable contact opted out, or the CRM says so. Never eligible.
	OptedOut bool
	// IsPartner: already an affiliate. Never eligible.
	IsPartner bool
	// Stale lists signals whose value is older than its source's freshness window (the caller
	// decides), with when each was observed (zero if unknown; it only words the caution). A
	// stale signal counts as missing everywhere — score, confidence, gates — and is flagged in
	// Result.Stale and in Reasons.
	Stale map[string]time.Time
}

// Contribution is one weighted signal's part in a customer's score.
type Contribution struct {
	Signal   string  `json:"signal"`
	Value    float64 `json:"value"` // 0 when missing
	Present  bool    `json:"present"`
	Goodness float64 `json:"goodness"` // 0..1, higher is better whatever the weight's sign
	Weight   float64 `json:"weight"`
	Points   float64 `json:"points"` // |Weight| * Goodness
}

// Result is one customer's score and the evidence for it.
type Result struct {
	ID         string  `json:"id"`
	Score      float64 `json:"score"`      // 0..100
	Confidence float64 `json:"confidence"` // share of |weight| whose signal is present, 0..1
	Eligible   bool    `json:"eligible"`
	// Segment is the name of the segment whose weights scored this customer; "" for the base.
	Segment string `json:"segment,omitempty"`
	// Stale names the signals the model reads that the caller marked stale for this customer,
	// sorted; they were treated as missing.
	Stale []string `json:"stale,omitempty"`
	// FailedGates says why a customer is not eligible, in order: "opted out", "already a
	// partner", each failing gate (with "(x missing)" when a signal it reads is missing), then
	// "confidence 0.40 below minimum 0.60". Empty when Eligible.
	FailedGates []string `json:"failed_gates,omitempty"`
	// Contributions are sorted by Points descending, then Signal. Nil when Options.Detail
	// skipped this result.
	Contributions []Contribution `json:"contributions,omitempty"`
	// Reasons are at most three plain-English phrases for a CSM. Nil when Detail skipped it.
	Reasons []string `json:"reasons,omitempty"`
	Rank    int      `json:"rank"` // 1-based position in the returned order
}

// Model is a compiled Config. It is immutable and safe for concurrent use.
type Model struct {
	cfg  Config
	hash string

	// Weighted signals (non-zero in the base or in any segment) in name order; the summation
	// order is fixed so scores are bit-for-bit reproducible.
	signals  []string
	weights  []float64 // base weights; 0 when only a segment weighs the signal
	negative []bool    // the signal's sign, the same wherever it is weighted
	xf       []xform   // per signal

	// segs[0] is the base; segs[1:] are Config.Segments in order.
	segs []segment

	// cols are the signal columns Score materialises: the weighted signals first (same index as
	// signals), then signals only gates read.
	cols      []string
	tenureCol int // index of tenure_days in cols, or -1
	// attrs are the attribute columns the model reads: gate attributes, segment conditions,
	// and customer_since when tenure_days is read.
	attrs     []string
	sinceAttr int // index of customer_since in attrs, or -1

	gates           []gate
	missingGoodness float64
	currency        string
}

// NewModel validates cfg and compiles its gates once. A bad gate is reported with its 1-based
// position, its text and the parser's or type checker's message.
func NewModel(cfg Config) (*Model, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("scoring config: %w", err)
	}
	m := &Model{
		cfg: Config{
			Weights:         maps.Clone(cfg.Weights),
			Gates:           slices.Clone(cfg.Gates),
			MinConfidence:   cfg.MinConfidence,
			MissingGoodness: cfg.MissingGoodness,
			Currency:        cfg.Currency,
			Segments:        cloneSegments(cfg.Segments),
		},
		currency:        cmp.Or(cfg.Currency, "$"),
		hash:            cfg.hash(),
		missingGoodness: cfg.missingGoodness(),
		tenureCol:       -1,
		sinceAttr:       -1,
	}
	if cfg.Transforms != nil {
		m.cfg.Transforms = make(map[string]Transform, len(cfg.Transforms))
		for k, t := range cfg.Transforms {
			m.cfg.Transforms[k] = t.clone()
		}
	}
	// Every signal some weight set uses, with its sign (validate checked they agree).
	all := map[string]float64{}
	for name, w := range cfg.Weights {
		if w != 0 {
			all[name] = w
		}
	}
	for _, s := range cfg.Segments {
		for name, w := range s.Weights {
			if w != 0 {
				all[name] = w
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		x, _ := cfg.Transforms[name].compile(name) // validated above
		m.signals = append(m.signals, name)
		m.weights = append(m.weights, cfg.Weights[name])
		m.negative = append(m.negative, all[name] < 0)
		m.xf = append(m.xf, x)
	}
	m.cols = slices.Clone(m.signals)
	colOf := func(name string) int {
		if i := slices.Index(m.cols, name); i >= 0 {
			return i
		}
		m.cols = append(m.cols, name)
		return len(m.cols) - 1
	}
	attrOf := func(name string) int {
		if i := slices.Index(m.attrs, name); i >= 0 {
			return i
		}
		m.attrs = append(m.attrs, name)
		return len(m.attrs) - 1
	}
	gates, err := compileGates(cfg.Gates, all, colOf, attrOf)
	if err != nil {
		return nil, fmt.Errorf("scoring config: %w", err)
	}
	m.gates = gates
	m.tenureCol = slices.Index(m.cols, TenureDays)
	if m.tenureCol >= 0 {
		m.sinceAttr = attrOf(AttrCustomerSince)
	}
	m.segs = append(m.segs, m.compileSegment("", nil, m.weights))
	for _, s := range cfg.Segments {
		w := slices.Clone(m.weights)
		for name, sw := range s.Weights {
			if j := slices.Index(m.signals, name); j >= 0 {
				w[j] = sw
			}
		}
		var when []cond
		for _, k := range slices.Sorted(maps.Keys(s.When)) {
			when = append(when, cond{attr: attrOf(k), value: s.When[k]})
		}
		m.segs = append(m.segs, m.compileSegment(s.Name, when, w))
	}
	return m, nil
}

func (m *Model) compileSegment(name string, when []cond, w []float64) segment {
	s := segment{name: name, when: when, w: w, absW: make([]float64, len(w))}
	for j, x := range w {
		s.absW[j] = math.Abs(x)
		s.sumAbs += s.absW[j]
	}
	return s
}

// Hash is a short, stable digest of everything that affects scores (model version, non-zero
// weights, gates, thresholds). Store it with a scoring run to know which runs are comparable.
func (m *Model) Hash() string { return m.hash }

// Config returns a copy of the configuration the model was built from.
func (m *Model) Config() Config {
	c := m.cfg
	c.Weights = maps.Clone(c.Weights)
	c.Gates = slices.Clone(c.Gates)
	c.Segments = cloneSegments(c.Segments)
	if c.Transforms != nil {
		ts := make(map[string]Transform, len(c.Transforms))
		for k, t := range c.Transforms {
			ts[k] = t.clone()
		}
		c.Transforms = ts
	}
	return c
}

// Signals returns the weighted signal names (in the base weights or any segment), sorted.
func (m *Model) Signals() []string { return slices.Clone(m.signals) }

// Gates describes the compiled gates in config order.
func (m *Model) Gates() []Gate {
	out := make([]Gate, len(m.gates))
	for i, g := range m.gates {
		out[i].Text = g.text
		for _, v := range g.vars {
			out[i].Vars = append(out[i].Vars, v.name)
			if v.kind == kindDynamic {
				out[i].Unknown = append(out[i].Unknown, v.name)
			}
		}
	}
	return out
}
