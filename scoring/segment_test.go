package scoring

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSegments(t *testing.T) {
	cfg := Config{
		Weights: map[string]float64{NPS: 1, HealthScore: 1},
		// min–max over the population: the anchors below make every goodness 0 or 1.
		Transforms: map[string]Transform{NPS: {Kind: TransformMinMax}, HealthScore: {Kind: TransformMinMax}, Seats: {Kind: TransformMinMax}},
		Segments: []Segment{
			// Enterprise health scores come from a different playbook: ignore them, and value
			// seat growth (a signal the base does not weigh).
			{Name: "enterprise", When: map[string]string{"plan": "enterprise"}, Weights: map[string]float64{HealthScore: 0, Seats: 1}},
			{Name: "fintech", When: map[string]string{"industry": "fintech"}, Weights: map[string]float64{NPS: 3}},
			{Name: "fintech-pro", When: map[string]string{"industry": "fintech", "plan": "pro"}, Weights: map[string]float64{NPS: 9}},
		},
	}
	m := mustModel(t, cfg)
	attrs := func(kv ...string) map[string]string {
		a := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i]] = kv[i+1]
		}
		return a
	}
	// Two anchors give every signal its range.
	cs := []Customer{
		{ID: "lo", Signals: map[string]float64{NPS: 0, HealthScore: 0, Seats: 0}},
		{ID: "hi", Signals: map[string]float64{NPS: 10, HealthScore: 100, Seats: 100}},
		{ID: "ent", Signals: map[string]float64{NPS: 10, HealthScore: 0, Seats: 100}, Attributes: attrs("plan", "enterprise")},
		{ID: "base", Signals: map[string]float64{NPS: 10, HealthScore: 0, Seats: 100}, Attributes: attrs("plan", "pro")},
		{ID: "fin", Signals: map[string]float64{NPS: 10, HealthScore: 0}, Attributes: attrs("industry", "fintech", "plan", "pro")},
		{ID: "ent-fin", Signals: map[string]float64{NPS: 10}, Attributes: attrs("industry", "fintech", "plan", "enterprise")},
	}
	got := byID(m.Score(testNow, cs))
	tests := []struct {
		id, segment string
		score, conf float64
		signals     []string // contributions, sorted
	}{
		{"ent", "enterprise", 100, 1, []string{NPS, Seats}},        // health removed, seats added
		{"base", "", 50, 1, []string{HealthScore, NPS}},            // seats not weighed
		{"fin", "fintech", 75, 1, []string{HealthScore, NPS}},      // first match wins over fintech-pro
		{"ent-fin", "enterprise", 62.5, 0.5, []string{NPS, Seats}}, // order decides; seats missing earn 0.25
		{"lo", "", 0, 1, []string{HealthScore, NPS}},               // no attributes: base
	}
	segOf := map[string]string{}
	for _, c := range cs {
		segOf[c.ID] = SegmentOf(cfg.Segments, c.Attributes)
	}
	for _, tt := range tests {
		r := got[tt.id]
		if segOf[tt.id] != r.Segment { // one customer's attributes put it where Score put it
			t.Errorf("%s: SegmentOf = %q, Score put it in %q", tt.id, segOf[tt.id], r.Segment)
		}
		var sigs []string
		for _, c := range r.Contributions {
			sigs = append(sigs, c.Signal)
		}
		slices.Sort(sigs)
		if r.Segment != tt.segment || !near(r.Score, tt.score) || !near(r.Confidence, tt.conf) || !slices.Equal(sigs, tt.signals) {
			t.Errorf("%s: segment %q score %v confidence %v signals %v; want %q %v %v %v",
				tt.id, r.Segment, r.Score, r.Confidence, sigs, tt.segment, tt.score, tt.conf, tt.signals)
		}
	}
	if !slices.Equal(m.Signals(), []string{HealthScore, NPS, Seats}) {
		t.Errorf("Signals() = %v", m.Signals())
	}
}

func TestSegmentValidation(t *testing.T) {
	base := map[string]float64{NPS: 1, Tickets90d: -1}
	tests := []struct {
		name string
		segs []Segment
		want string
	}{
		{"no name", []Segment{{When: map[string]string{"plan": "pro"}}}, "segments[0]: name is required"},
		{"duplicate", []Segment{{Name: "a", When: map[string]string{"plan": "x"}}, {Name: "a", When: map[string]string{"plan": "y"}}}, `segments[1] "a": duplicate`},
		{"empty when", []Segment{{Name: "all"}}, "when is empty"},
		{"sign flip", []Segment{{Name: "s", When: map[string]string{"plan": "x"}, Weights: map[string]float64{Tickets90d: 2}}}, "opposite sign"},
		{"sign flip between segments", []Segment{
			{Name: "a", When: map[string]string{"plan": "x"}, Weights: map[string]float64{"refunds": -1}},
			{Name: "b", When: map[string]string{"plan": "y"}, Weights: map[string]float64{"refunds": 1}}}, `segments[1] "b": weights: refunds`},
		{"everything removed", []Segment{{Name: "s", When: map[string]string{"plan": "x"}, Weights: map[string]float64{NPS: 0, Tickets90d: 0}}}, "no signal keeps a non-zero weight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewModel(Config{Weights: base, Segments: tt.segs})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSegmentsInHash(t *testing.T) {
	cfg := Config{Weights: map[string]float64{NPS: 1}}
	h := mustModel(t, cfg).Hash()
	cfg.Segments = []Segment{{Name: "e", When: map[string]string{"plan": "enterprise"}, Weights: map[string]float64{NPS: 2}}}
	h2 := mustModel(t, cfg).Hash()
	cfg.Segments[0].Weights[NPS] = 3
	if h2 == h || mustModel(t, cfg).Hash() == h2 {
		t.Error("segments must be part of the hash")
	}
}

func TestStale(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 3, HealthScore: 1}, Gates: []string{"nps >= 9"}})
	observed := testNow.AddDate(-1, -2, 0) // 14 months ago
	others := []Customer{
		{ID: "p1", Signals: map[string]float64{NPS: 3, HealthScore: 10}},
		{ID: "p2", Signals: map[string]float64{NPS: 7, HealthScore: 20}},
		{ID: "p3", Signals: map[string]float64{NPS: 9, HealthScore: 30}},
	}
	stale := Customer{ID: "x", Signals: map[string]float64{NPS: 10, HealthScore: 90}, Stale: map[string]time.Time{NPS: observed}}
	absent := Customer{ID: "x", Signals: map[string]float64{HealthScore: 90}}
	rs := byID(m.Score(testNow, append(slices.Clone(others), stale)))["x"]
	ra := byID(m.Score(testNow, append(slices.Clone(others), absent)))["x"]
	if rs.Score != ra.Score || rs.Confidence != ra.Confidence {
		t.Errorf("stale NPS scored %v/%v, absent NPS %v/%v: a stale value must count as missing", rs.Score, rs.Confidence, ra.Score, ra.Confidence)
	}
	if !slices.Equal(rs.Stale, []string{NPS}) || ra.Stale != nil {
		t.Errorf("Stale = %v / %v", rs.Stale, ra.Stale)
	}
	if !slices.Equal(rs.FailedGates, []string{"nps >= 9 (nps stale)"}) {
		t.Errorf("FailedGates = %q", rs.FailedGates)
	}
	if n := len(rs.Reasons); n == 0 || rs.Reasons[n-1] != "NPS is 14 months old — treated as missing" {
		t.Errorf("Reasons = %q, want the stale caution last", rs.Reasons)
	}

	// Unknown age, several stale signals, one only a gate reads.
	m2 := mustModel(t, Config{Weights: map[string]float64{NPS: 3, HealthScore: 1}, Gates: []string{"tenure_days > 90"}})
	c := Customer{ID: "x", Signals: map[string]float64{NPS: 10, HealthScore: 90, TenureDays: 400},
		Stale: map[string]time.Time{NPS: {}, TenureDays: observed, "unread_signal": observed}}
	r := byID(m2.Score(testNow, append(slices.Clone(others), c)))["x"]
	if !slices.Equal(r.Stale, []string{NPS, TenureDays}) {
		t.Errorf("Stale = %v, want only the signals the model reads", r.Stale)
	}
	if n := len(r.Reasons); n == 0 || r.Reasons[n-1] != "NPS is out of date — treated as missing (+1 more stale)" {
		t.Errorf("Reasons = %q", r.Reasons)
	}
}

func TestAge(t *testing.T) {
	day := 24 * time.Hour
	for d, want := range map[time.Duration]string{
		day: "1 day", 40 * day: "40 days", 61 * day: "2 months", 426 * day: "14 months", 3 * 365 * day: "3 years", -day: "0 days",
	} {
		if got := age(d); got != want {
			t.Errorf("age(%v) = %q, want %q", d, got, want)
		}
	}
}
