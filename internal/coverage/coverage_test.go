package coverage

import (
	"math"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/scoring"
)

func model(t *testing.T, cfg scoring.Config) *scoring.Model {
	t.Helper()
	m, err := scoring.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheck(t *testing.T) {
	connectors.RegisterCapabilities("coveragetest", connectors.Capability{Input: "customer_since", How: "maps the signup date"})
	m := model(t, scoring.Config{Weights: map[string]float64{"nps": 3, "tickets_90d": -1}, Gates: []string{"tenure_days >= 90"}})
	nan := math.NaN()
	table := &scoring.Table{IDs: []string{"a", "b", "c", "d"}, Signals: []string{"nps"}, Cols: [][]float64{{9, 10, nan, 7}},
		Attrs: map[string][]string{"customer_since": {"2022-01-01", "", "", ""}}}
	tests := []struct {
		name    string
		sources []Source
		held    Held
		want    []string // substrings, one per expected warning, in order
	}{
		{"nobody maps the gate's input, before any data",
			[]Source{{Name: "support", Known: true, Provides: connectors.Provides{Signals: []string{"tickets_90d"}}},
				{Name: "nps", Known: true, Provides: connectors.Provides{Signals: []string{"nps"}}}},
			Held{},
			[]string{"gate `tenure_days >= 90` needs customer_since; no configured connector maps it (coveragetest: maps the signup date)"}},
		{"with data: the count is said",
			[]Source{{Name: "nps", Known: true, Provides: connectors.Provides{Signals: []string{"nps", "tickets_90d"}}}},
			FromTable(table),
			[]string{"needs customer_since; no configured connector maps it (coveragetest: maps the signup date) — 1 of 4 customers have it",
				"weight tickets_90d reads tickets_90d, which nps should provide — 0 of 4 customers have it"}},
		{"a mapped gate input that most customers lack",
			[]Source{{Name: "crm", Known: true, Provides: connectors.Provides{Signals: []string{"nps", "tickets_90d"}, Attributes: []string{"customer_since"}}}},
			Held{Customers: 4, Signals: map[string]int{"nps": 3, "tickets_90d": 4}, Attributes: map[string]int{"customer_since": 1}},
			[]string{"gate `tenure_days >= 90` needs customer_since, from crm — 1 of 4 customers have it: the others fail the gate for want of data"}},
		{"all well", []Source{{Name: "crm", Known: true, Provides: connectors.Provides{Signals: []string{"nps", "tickets_90d"}, Attributes: []string{"customer_since"}}}},
			Held{Customers: 4, Signals: map[string]int{"nps": 3, "tickets_90d": 4}, Attributes: map[string]int{"customer_since": 4}},
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Check(m, tc.sources, tc.held)
			if len(r.Warnings) != len(tc.want) {
				t.Fatalf("warnings = %q, want %d", r.Warnings, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(r.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, r.Warnings[i], w)
				}
			}
		})
	}
}

func TestCheckWarnsAboutGateTypos(t *testing.T) {
	m := model(t, scoring.Config{Weights: map[string]float64{"nps": 1}, Gates: []string{"npss >= 9"}})
	r := Check(m, []Source{{Name: "crm", Known: true, Provides: connectors.Provides{Any: true}}}, Held{})
	if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[len(r.Warnings)-1], "npss") {
		t.Errorf("warnings = %q, want one naming the unknown gate variable npss", r.Warnings)
	}
}
