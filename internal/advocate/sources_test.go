package advocate

import (
	"testing"
	"time"
)

func TestSourcesCurrent(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	v := func(name, source string, value float64, age int) SignalValue {
		return SignalValue{Name: name, Source: source, Value: value, ObservedAt: t0.AddDate(0, 0, -age)}
	}
	s := Sources{
		Order:     []string{"crm", "support", "nps"},
		PerSignal: map[string][]string{"nps": {"nps", "crm"}},
		Freshness: 180 * 24 * time.Hour,
		FreshFor:  map[string]time.Duration{"support": 30 * 24 * time.Hour},
	}
	tests := []struct {
		name      string
		values    []SignalValue
		signal    string
		want      float64
		wantStale bool
	}{
		{"first listed connector wins even when older", []SignalValue{v("health_score", "support", 40, 0), v("health_score", "crm", 90, 10)}, "health_score", 90, false},
		{"per-signal order overrides config order", []SignalValue{v("nps", "crm", 6, 0), v("nps", "nps", 10, 30)}, "nps", 10, false},
		{"unlisted sources lose to listed ones", []SignalValue{v("csat", "webhook", 10, 0), v("csat", "nps", 80, 5)}, "csat", 80, false},
		{"between unlisted sources the newer wins", []SignalValue{v("csat", "old-tool", 10, 9), v("csat", "webhook", 70, 1)}, "csat", 70, false},
		{"a single source is taken as is", []SignalValue{v("ltv", "support", 1200, 3)}, "ltv", 1200, false},
		{"a fresh value beats a stale preferred one", []SignalValue{v("health_score", "crm", 90, 200), v("health_score", "support", 40, 1)}, "health_score", 40, false},
		{"per-source freshness: support goes stale after 30 days", []SignalValue{v("tickets_90d", "support", 2, 31)}, "tickets_90d", 2, true},
		{"when every value is stale, precedence decides", []SignalValue{v("nps", "crm", 6, 400), v("nps", "nps", 9, 300)}, "nps", 9, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Current(tc.values, t0)[tc.signal]
			if got.Value != tc.want || got.Stale != tc.wantStale {
				t.Errorf("current %s = %v from %s (stale %v), want %v (stale %v)", tc.signal, got.Value, got.Source, got.Stale, tc.want, tc.wantStale)
			}
			v, ok := s.Value(tc.values, tc.signal, t0)
			if ok == tc.wantStale || (ok && v != tc.want) {
				t.Errorf("Value(%s) = %v, %v; a stale value must read as missing", tc.signal, v, ok)
			}
		})
	}
}

func TestAccountOptedOut(t *testing.T) {
	tests := []struct {
		name                  string
		attr                  string
		contacts, optedOutOfN int
		want                  bool
	}{
		{"no contacts on record is not opted out", "", 0, 0, false},
		{"every contact opted out", "", 2, 2, true},
		{"one contact may still be asked", "", 2, 1, false},
		{"the CRM says opted out", "true", 1, 0, true},
		{"spellings: Yes", " Yes ", 0, 0, true},
		{"spellings: no", "no", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := AccountOptedOut(tc.attr, tc.contacts, tc.optedOutOfN); got != tc.want {
				t.Errorf("AccountOptedOut = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTruthy(t *testing.T) {
	for s, want := range map[string]bool{"1": true, "true": true, "TRUE": true, "Yes": true, "y": true, "on": true, "x": true,
		"": false, "0": false, "false": false, "no": false, "off": false, "maybe": false} {
		if got := Truthy(s); got != want {
			t.Errorf("Truthy(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestClipNeverSplitsACharacter(t *testing.T) {
	if got := Clip("Müller & Söhne GmbH", 8); got != "Müller …" {
		t.Errorf("Clip = %q", got)
	}
	if got := ClipBytes("ééé", 3); got != "é" {
		t.Errorf("ClipBytes = %q, want one é (2 bytes), not a split sequence", got)
	}
	if got := FirstLine("first\nsecond"); got != "first" {
		t.Errorf("FirstLine = %q", got)
	}
}
