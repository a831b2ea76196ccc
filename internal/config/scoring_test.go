package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/scoring"
)

func TestParseScoringSection(t *testing.T) {
	c := mustParse(t, "scoring.yaml", nil)
	sc := c.Scoring

	ltv := sc.Transforms["ltv"]
	if ltv.Kind != "log" || ltv.Min == nil || *ltv.Min != 0 || ltv.Max == nil || *ltv.Max != 100000 {
		t.Errorf("ltv transform = %+v, want log capped to 0..100000 (an explicit min 0 is kept, not read as unset)", ltv)
	}
	if ev := sc.Transforms["product_events_30d"]; ev.Min != nil || ev.Max == nil || *ev.Max != 50000 {
		t.Errorf("events transform = %+v, want only max set (min from the population)", ev)
	}
	if nps := sc.Transforms["nps"]; len(nps.Buckets) != 3 || nps.Buckets[2] != (Bucket{Min: 9, Goodness: 1, Label: "promoter"}) {
		t.Errorf("nps buckets = %+v", nps.Buckets)
	}
	wantSegs := []Segment{
		{Name: "enterprise", When: map[string]string{"plan": "enterprise"}, Weights: map[string]float64{"ltv": 2, "seats": 1}},
		{Name: "regulated", When: map[string]string{"industry": "healthcare", "plan": "growth"}, Weights: map[string]float64{"tickets_90d": 0}},
	}
	if !reflect.DeepEqual(sc.Segments, wantSegs) {
		t.Errorf("segments = %+v\nwant       %+v", sc.Segments, wantSegs)
	}

	// The model built from the file is the one built by hand from the same settings: the
	// config adds nothing and loses nothing on the way to the scoring package.
	byHand := scoring.Config{
		Weights:         map[string]float64{"nps": 3, "ltv": 1, "product_events_30d": 1.5, "tickets_90d": -1.5, "upsells_12m": 1},
		Gates:           DefaultGates(),
		MinConfidence:   DefaultMinConfidence,
		MissingGoodness: DefaultMissingGoodness,
		Transforms: map[string]scoring.Transform{
			"nps":                scoring.NPSBuckets(),
			"ltv":                {Kind: scoring.TransformLog, Min: scoring.F(0), Max: scoring.F(100000)},
			"product_events_30d": {Kind: scoring.TransformMinMax, Max: scoring.F(50000)},
			"upsells_12m":        {Kind: scoring.TransformBoolean},
		},
		Segments: []scoring.Segment{
			{Name: "enterprise", When: map[string]string{"plan": "enterprise"}, Weights: map[string]float64{"ltv": 2, "seats": 1}},
			{Name: "regulated", When: map[string]string{"industry": "healthcare", "plan": "growth"}, Weights: map[string]float64{"tickets_90d": 0}},
		},
	}
	want, err := scoring.NewModel(byHand)
	if err != nil {
		t.Fatal(err)
	}
	got, err := scoring.NewModel(sc.ModelConfig())
	if err != nil {
		t.Fatalf("the parsed scoring section does not compile: %v", err)
	}
	if got.Hash() != want.Hash() {
		t.Errorf("model hash %s, want %s (the same settings written by hand)", got.Hash(), want.Hash())
	}
}

// TestScoringDefaultTransforms: a file that sets weights but no transforms keeps reading NPS as
// promoter/passive/detractor; a file that sets transforms replaces them, nps included.
func TestScoringDefaultTransforms(t *testing.T) {
	hashOf := func(t *testing.T, yaml string) string {
		t.Helper()
		c, err := Parse("advocate.yaml", []byte(yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err := scoring.NewModel(c.Scoring.ModelConfig())
		if err != nil {
			t.Fatal(err)
		}
		return m.Hash()
	}
	def := scoring.DefaultConfig()
	def.Weights = map[string]float64{"nps": 3, "health_score": 2}
	want, err := scoring.NewModel(def)
	if err != nil {
		t.Fatal(err)
	}
	if got := hashOf(t, "scoring: {weights: {nps: 3, health_score: 2}}\n"); got != want.Hash() {
		t.Errorf("weights only: hash %s, want DefaultConfig's transforms (%s)", got, want.Hash())
	}
	def.Transforms = map[string]scoring.Transform{"health_score": {Kind: scoring.TransformMinMax, Min: scoring.F(0), Max: scoring.F(100)}}
	want, err = scoring.NewModel(def)
	if err != nil {
		t.Fatal(err)
	}
	if got := hashOf(t, "scoring:\n  weights: {nps: 3, health_score: 2}\n  transforms: {health_score: {kind: minmax, min: 0, max: 100}}\n"); got != want.Hash() {
		t.Errorf("own transforms: hash %s, want %s (nps by percentile: the map replaces the default)", got, want.Hash())
	}
}

// TestScoringErrors checks that each scoring problem is reported on its own line, in the
// scoring package's words, all at once.
func TestScoringErrors(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		data    string
		want    []string
	}{
		{
			name:    "EveryKindOfMistake",
			fixture: "bad_scoring.yaml",
			want: []string{
				`bad_scoring.yaml:3: scoring.gates[1] "plan > 3": invalid operation: > (mismatched types string and int) (1:6)`,
				`bad_scoring.yaml:5: scoring.transforms.ltv: unknown kind "sigmoid" (want one of percentile, minmax, log, buckets, boolean)`,
				`bad_scoring.yaml:6: scoring.transforms.tickets_90d: min/max apply only to kinds minmax and log`,
				`bad_scoring.yaml:7: scoring.transforms.events: max (10) must be above both min (100) and 0: log reads values below 0 as 0`,
				`bad_scoring.yaml:12: scoring.transforms.nps: bucket at 9 has goodness 0.5, below the 0.8 of the bucket at 7: goodness must not decrease as values grow (a higher value would score lower); for friction use a negative weight instead`,
				`bad_scoring.yaml:14: scoring.transforms.csat.min: expected a number, got "low"`,
				`bad_scoring.yaml:15: unknown key "bucket" in scoring.transforms.seats (known: kind, min, max, buckets)`,
				`bad_scoring.yaml:19: scoring.segments[0] "enterprise": weights: tickets_90d: weight 1 has the opposite sign to the base or an earlier segment; a signal is either good or friction everywhere`,
				`bad_scoring.yaml:20: scoring.segments[1] "enterprise": duplicate segment name`,
				`bad_scoring.yaml:21: scoring.segments[1] "enterprise": when is empty, so it would match every customer; change the base weights instead`,
				`bad_scoring.yaml:22: scoring.segments[1] "enterprise": no signal keeps a non-zero weight, so every score would be 0`,
			},
		},
		{
			name: "NoWeightLeft",
			data: "scoring: {weights: {}}\n",
			want: []string{`advocate.yaml:1: scoring.weights: no signal has a non-zero weight, so every score would be 0`},
		},
		{
			name: "BucketsKindNeedsBuckets",
			data: "scoring:\n  transforms:\n    nps:\n      kind: buckets\n",
			want: []string{`advocate.yaml:4: scoring.transforms.nps: kind buckets needs at least one bucket`},
		},
		{
			name: "TwoBucketsStartTogether",
			data: "scoring:\n  transforms:\n    nps:\n      kind: buckets\n      buckets:\n        - {min: 0, goodness: 0}\n        - {min: 9, goodness: 1}\n        - {min: 9, goodness: 1}\n",
			want: []string{`advocate.yaml:8: scoring.transforms.nps: two buckets start at 9`},
		},
		{
			name: "BucketGoodnessOutOfRange",
			data: "scoring:\n  transforms:\n    nps: {kind: buckets, buckets: [{min: 0, goodness: 0}]}\n    csat:\n      kind: buckets\n      buckets:\n        - {min: 50, goodness: 1.5}\n",
			want: []string{`advocate.yaml:7: scoring.transforms.csat: bucket at 50: goodness must be between 0 and 1, got 1.5`},
		},
		{
			name: "BucketsOnAnotherKind",
			data: "scoring:\n  transforms:\n    ltv:\n      kind: minmax\n      buckets: [{min: 0, goodness: 1}]\n",
			want: []string{`advocate.yaml:5: scoring.transforms.ltv: buckets apply only to kind buckets`},
		},
		{
			name: "SegmentNeedsAName",
			data: "scoring:\n  segments:\n    - when: {plan: pro}\n      weights: {ltv: 2}\n",
			want: []string{`advocate.yaml:3: scoring.segments[0]: name is required (results show it)`},
		},
		{
			name: "SegmentWrongTypes",
			data: "scoring:\n  segments:\n    - name: pro\n      when: {plan: [pro, enterprise]}\n      weights: {ltv: lots}\n",
			want: []string{
				`advocate.yaml:4: scoring.segments[0].when.plan: expected a string, got a list`,
				`advocate.yaml:5: scoring.segments[0].weights.ltv: expected a number, got "lots"`,
			},
		},
		{
			name: "GateAndTransformTogether",
			data: "scoring:\n  gates: [\"nps >= \"]\n  transforms: {nps: {kind: sigmoid}}\n",
			want: []string{
				`advocate.yaml:2: scoring.gates[0] "nps >=": unexpected token EOF (1:6)`,
				`advocate.yaml:3: scoring.transforms.nps: unknown kind "sigmoid" (want one of percentile, minmax, log, buckets, boolean)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, data := "advocate.yaml", []byte(tt.data)
			if tt.fixture != "" {
				name, data = tt.fixture, readFixture(t, tt.fixture)
			}
			c, err := Parse(name, data, nil)
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want errors", c.Scoring)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestStarterShowsTransformsAndSegments(t *testing.T) {
	text := string(Starter())
	for _, key := range []string{"transforms:", "kind: buckets", "kind: log", "segments:", "when:"} {
		if !strings.Contains(text, key) {
			t.Errorf("starter does not show %q", key)
		}
	}
	// The examples are comments, so the starter scores like the defaults.
	c, err := Parse("advocate.yaml", Starter(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Scoring.Transforms, DefaultTransforms()) || len(c.Scoring.Segments) != 0 {
		t.Errorf("starter transforms %+v, segments %+v; want the defaults", c.Scoring.Transforms, c.Scoring.Segments)
	}
}
