package ranker

import (
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
)

func TestPrecedenceCurrent(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	v := func(name, source string, value float64, age int) store.SignalValue {
		return store.SignalValue{Name: name, Source: source, Value: value, ObservedAt: t0.AddDate(0, 0, -age)}
	}
	p := Precedence{Default: []string{"crm", "support", "nps"}, PerSignal: map[string][]string{"nps": {"nps", "crm"}}}
	tests := []struct {
		name   string
		values []store.SignalValue
		signal string
		want   float64
	}{
		{"first listed connector wins even when older", []store.SignalValue{v("health_score", "support", 40, 0), v("health_score", "crm", 90, 10)}, "health_score", 90},
		{"per-signal order overrides config order", []store.SignalValue{v("nps", "crm", 6, 0), v("nps", "nps", 10, 30)}, "nps", 10},
		{"unlisted sources lose to listed ones", []store.SignalValue{v("csat", "webhook", 10, 0), v("csat", "nps", 80, 5)}, "csat", 80},
		{"between unlisted sources the newer wins", []store.SignalValue{v("csat", "old-tool", 10, 9), v("csat", "webhook", 70, 1)}, "csat", 70},
		{"a single source is taken as is", []store.SignalValue{v("ltv", "support", 1200, 3)}, "ltv", 1200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.Current(tc.values)[tc.signal]
			if got.Value != tc.want {
				t.Errorf("current %s = %v from %s, want %v", tc.signal, got.Value, got.Source, tc.want)
			}
		})
	}
}

func TestInputsOptOutAndPartner(t *testing.T) {
	snap := &Snapshot{
		Customers: []store.Customer{
			{ID: "a", Attributes: map[string]string{"is_partner": "Yes"}},
			{ID: "b", Attributes: map[string]string{}},
			{ID: "c", Attributes: map[string]string{}},
			{ID: "d", Attributes: map[string]string{"opted_out": "true"}},
		},
		Contacts: map[string][]store.Contact{
			"b": {{Email: "x@b.io", OptedOut: true}, {Email: "y@b.io", OptedOut: true}},
			"c": {{Email: "x@c.io", OptedOut: true}, {Email: "y@c.io"}},
		},
	}
	in := snap.Inputs()
	if !in[0].IsPartner || in[0].OptedOut {
		t.Errorf("a = %+v, want partner", in[0])
	}
	if !in[1].OptedOut {
		t.Error("b: every contact opted out, but the customer is not treated as opted out")
	}
	if in[2].OptedOut {
		t.Error("c: one contact may still be asked, but the customer is treated as opted out")
	}
	if !in[3].OptedOut {
		t.Error("d: the CRM says opted out")
	}
}
