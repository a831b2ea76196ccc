package scoring

import (
	"slices"
	"strings"
	"testing"
)

func TestWarningsNameGateTypos(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // the names warned about, in gate order
	}{
		{"CanonicalWeightedAndKnownNamesAreFine", Config{Weights: map[string]float64{NPS: 1, "seats_used": 1},
			Gates: []string{"tenure_days >= 90", "seats_used > 3", `plan != "free"`, "!opted_out"}}, nil},
		{"TypoOfACanonicalSignal", Config{Weights: map[string]float64{NPS: 1}, Gates: []string{"tenure_dyas >= 90"}},
			[]string{"tenure_dyas"}},
		{"OneWarningPerUnknownName", Config{Weights: map[string]float64{NPS: 1}, Gates: []string{"nps >= 9 && helth > 3 || regoin == \"uk\""}},
			[]string{"helth", "regoin"}},
		{"TransformedSignalIsKnown", Config{Weights: map[string]float64{NPS: 1}, Transforms: map[string]Transform{"seats_used": {Kind: TransformLog}},
			Gates: []string{"seats_used > 3"}}, nil},
		{"SegmentNamesAreKnown", Config{Weights: map[string]float64{NPS: 1},
			Segments: []Segment{{Name: "uk", When: map[string]string{"region": "uk"}, Weights: map[string]float64{NPS: 2}}},
			Gates:    []string{`region != ""`}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings := mustModel(t, tt.cfg).Warnings()
			var got []string
			for _, w := range warnings {
				name := strings.Fields(strings.SplitN(w, " reads ", 2)[1])[0]
				got = append(got, strings.TrimSuffix(name, ","))
				if !strings.HasPrefix(w, "gate 1 ") || !strings.Contains(w, "fails for all of them") {
					t.Errorf("warning %q, want it to name the gate and say what a typo does", w)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warnings %q, want ones about %q", warnings, tt.want)
			}
		})
	}
}
