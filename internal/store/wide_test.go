package store

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// The hand-written encoders must produce JSON that encoding/json reads back to the same values.
func TestWideEncodersRoundTrip(t *testing.T) {
	vals := map[string]float64{"nps": 10, "ltv": 48200.5, "tiny": 1e-9, "big": 3e21, "neg": -0.25, `we"ird`: 1, "zero": 0}
	var gotVals map[string]float64
	if err := json.Unmarshal(encodeVals(vals), &gotVals); err != nil {
		t.Fatalf("encodeVals: %v: %s", err, encodeVals(vals))
	}
	for k, v := range vals {
		if gotVals[k] != v {
			t.Errorf("%s: %v, want %v", k, gotVals[k], v)
		}
	}
	at := time.Date(2026, 11, 16, 6, 0, 0, 123456000, time.FixedZone("CET", 3600))
	latest := map[string]latestVal{"nps": {9, at}, "csat": {math.Pi, at.Add(time.Hour)}}
	var got map[string]latestVal
	if err := json.Unmarshal(encodeLatest(latest), &got); err != nil {
		t.Fatalf("encodeLatest: %v: %s", err, encodeLatest(latest))
	}
	for k, v := range latest {
		if got[k].V != v.V || !got[k].T.Equal(v.T) {
			t.Errorf("%s: %+v, want %+v", k, got[k], v)
		}
	}
}
