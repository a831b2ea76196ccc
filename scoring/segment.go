package scoring

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Segment overrides weights for the customers whose attributes match. Customers are assigned
// to the first segment (in config order) whose When all match; the rest use the base weights.
type Segment struct {
	Name string
	// When maps an attribute name (plan, industry, or any attribute) to the value it must have;
	// all must match. An empty When would match everyone and is rejected.
	When map[string]string
	// Weights are merged over the base weights: a signal listed here takes this weight, 0
	// removes it from the segment's score; unlisted signals keep the base weight. A signal must
	// keep the sign it has elsewhere: friction is friction in every segment (goodness is
	// computed once per signal over the whole population, and its direction comes from the sign).
	Weights map[string]float64
}

// cond is one compiled When entry.
type cond struct {
	attr  int // index into Model.attrs
	value string
}

// segment is a compiled segment (index 0 is the base weights).
type segment struct {
	name   string
	when   []cond
	w      []float64 // per weighted signal (Model.signals); 0 = not part of this segment's score
	absW   []float64
	sumAbs float64
}

// validateSegments checks segments on their own and against the base weights.
func validateSegments(base map[string]float64, segs []Segment) error {
	var errs []error
	seen := map[string]bool{}
	// sign is each signal's direction so far (base, then earlier segments): +1 good, -1 friction.
	sign := map[string]float64{}
	for name, w := range base {
		if w != 0 {
			sign[name] = math.Copysign(1, w)
		}
	}
	for i, s := range segs {
		at := fmt.Sprintf("segments[%d]", i)
		if s.Name != "" {
			at += " " + strconv.Quote(s.Name)
		}
		errs = append(errs, segmentNameProblems(at, s.Name, seen)...)
		seen[s.Name] = true
		errs = append(errs, whenProblems(at, s.When)...)
		errs = append(errs, weightProblems(at, base, s.Weights, sign)...)
	}
	return errors.Join(errs...)
}

// segmentNameProblems checks that a segment has a name no earlier one (in seen) had.
func segmentNameProblems(at, name string, seen map[string]bool) []error {
	switch {
	case strings.TrimSpace(name) == "":
		return []error{fmt.Errorf("%s: name is required (results show it)", at)}
	case seen[name]:
		return []error{fmt.Errorf("%s: duplicate segment name", at)}
	}
	return nil
}

// whenProblems checks a segment's conditions: at least one, each naming an attribute.
func whenProblems(at string, when map[string]string) []error {
	var errs []error
	if len(when) == 0 {
		errs = append(errs, fmt.Errorf("%s: when is empty, so it would match every customer; change the base weights instead", at))
	}
	for _, k := range slices.Sorted(maps.Keys(when)) {
		if strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("%s: when: empty attribute name", at))
		}
	}
	return errs
}

// weightProblems checks a segment's weights merged over the base: each finite, none turning a
// signal's sign (recorded in sign for later segments), and at least one left non-zero.
func weightProblems(at string, base, weights map[string]float64, sign map[string]float64) []error {
	var errs []error
	merged := maps.Clone(base)
	if merged == nil {
		merged = map[string]float64{}
	}
	for _, name := range slices.Sorted(maps.Keys(weights)) {
		w := weights[name]
		switch {
		case strings.TrimSpace(name) == "":
			errs = append(errs, fmt.Errorf("%s: weights: empty signal name", at))
		case math.IsNaN(w) || math.IsInf(w, 0):
			errs = append(errs, fmt.Errorf("%s: weights: %s: weight must be a finite number, got %v", at, name, w))
		case w != 0 && sign[name] != 0 && math.Copysign(1, w) != sign[name]:
			errs = append(errs, fmt.Errorf("%s: weights: %s: weight %v has the opposite sign to the base or an earlier segment; a signal is either good or friction everywhere", at, name, w))
		case w != 0:
			sign[name] = math.Copysign(1, w)
		}
		merged[name] = w
	}
	nonZero := false
	for _, w := range merged {
		nonZero = nonZero || (w != 0 && !math.IsNaN(w))
	}
	if !nonZero {
		errs = append(errs, fmt.Errorf("%s: no signal keeps a non-zero weight, so every score would be 0", at))
	}
	return errs
}

// segmentsHash is the segments' part of Config.hash.
func segmentsHash(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString("\nsegment " + strconv.Quote(s.Name))
		for _, k := range slices.Sorted(maps.Keys(s.When)) {
			b.WriteString(" when " + strconv.Quote(k) + "=" + strconv.Quote(s.When[k]))
		}
		for _, k := range slices.Sorted(maps.Keys(s.Weights)) {
			b.WriteString(" " + strconv.Quote(k) + "=" + strconv.FormatFloat(s.Weights[k], 'g', -1, 64))
		}
	}
	return b.String()
}

func cloneSegments(segs []Segment) []Segment {
	if segs == nil {
		return nil
	}
	out := make([]Segment, len(segs))
	for i, s := range segs {
		out[i] = Segment{Name: s.Name, When: maps.Clone(s.When), Weights: maps.Clone(s.Weights)}
	}
	return out
}

// segmentOf returns the index (0 = base) of the first segment customer i matches.
func (m *Model) segmentOf(i int, attrs [][]string) uint16 {
	for s := 1; s < len(m.segs); s++ {
		ok := true
		for _, c := range m.segs[s].when {
			if col := attrs[c.attr]; col == nil || col[i] != c.value {
				ok = false
				break
			}
		}
		if ok {
			return uint16(s)
		}
	}
	return 0
}

// SegmentOf names the segment a customer with attrs is scored in: the first of segs (in config
// order) whose When all match, "" for the base weights. It is Score's assignment rule for a
// caller holding one customer's attributes (an attribute the customer lacks reads as "").
func SegmentOf(segs []Segment, attrs map[string]string) string {
	for _, s := range segs {
		ok := len(s.When) > 0
		for k, v := range s.When {
			ok = ok && attrs[k] == v
		}
		if ok {
			return s.Name
		}
	}
	return ""
}
