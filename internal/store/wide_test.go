package store

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func encodeVals(m map[string]float64) []byte {
	var e encoder
	return []byte(e.valsOf(valsAt(m, time.Time{})))
}
func encodeLatest(m map[string]latestVal) []byte { var e encoder; return []byte(e.latest(m)) }

// compact is the signals.cur form of m, as ingest writes it.
func (e *encoder) compact(m map[string]latestVal) any { return e.compactOf(sortedVals(m)) }

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

func TestLatestDecoderFastPathMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)
	for _, raw := range []string{
		string(encodeLatest(map[string]latestVal{"nps": {9, at}, "csat": {87.5, at.Add(time.Second)}})),
		// Postgres jsonb text: spaces, "t" before "v".
		`{"nps": {"t": "2026-11-16T06:00:00Z", "v": 9}, "csat": {"t": "2026-11-16T06:00:01Z", "v": 87.5}}`,
		`{}`,
		// Escapes take the slow path, same answer.
		`{"n\u0070s": {"v": 9, "t": "2026-11-16T06:00:00Z"}}`,
	} {
		var d latestDecoder
		got, err := d.decode([]byte(raw), nil)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		var want map[string]latestVal
		json.Unmarshal([]byte(raw), &want)
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", raw, len(got), len(want))
		}
		for _, v := range got {
			w := want[v.Name]
			if v.Value != w.V || !v.ObservedAt.Equal(w.T) {
				t.Errorf("%s: %s = %v at %v, want %v at %v", raw, v.Name, v.Value, v.ObservedAt, w.V, w.T)
			}
		}
	}
	var d latestDecoder
	if _, err := d.decode([]byte(`{"nps": [1,2]}`), nil); err == nil {
		t.Error("a malformed row decoded without error")
	}
}

func TestDecodeFlatMatchesEncodingJSON(t *testing.T) {
	for _, raw := range []string{`{}`, ` { "plan" : "growth", "industry":"fintech" } `, `{"a":""}`} {
		got, ok := decodeFlat([]byte(raw), new(interner))
		var want map[string]string
		json.Unmarshal([]byte(raw), &want)
		if !ok || len(got) != len(want) {
			t.Fatalf("%s: %v %v, want %v", raw, got, ok, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", raw, k, got[k], v)
			}
		}
	}
	for _, raw := range []string{`{"a":"x\"y"}`, `{"n":1}`, `{"a":"b"`, `[]`, `{"a":"b"} x`} {
		if _, ok := decodeFlat([]byte(raw), new(interner)); ok {
			t.Errorf("%s: fast path accepted what it should hand to encoding/json", raw)
		}
	}
}

// The compact form of the current values (signals.cur) reads back to the same values and
// times; a name it cannot hold gives no compact form (NULL: readers use the JSON).
func TestCompactCurrentRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 16, 6, 0, 0, 123456000, time.UTC)
	for _, m := range []map[string]latestVal{
		{"nps": {9, at}},
		{"nps": {9, at}, "csat": {0.1 + 0.2, at.Add(-time.Hour)}, "ltv": {48200.5, at}, "tiny": {-1e-9, at.Add(time.Second)}, "big": {3e21, at}},
	} {
		var e encoder
		raw, ok := e.compact(m).(string)
		if !ok {
			t.Fatalf("%v: no compact form", m)
		}
		var d latestDecoder
		got, err := d.decode([]byte(raw), nil)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if len(got) != len(m) {
			t.Fatalf("%s: %d values, want %d", raw, len(got), len(m))
		}
		for _, v := range got {
			if w := m[v.Name]; v.Value != w.V || !v.ObservedAt.Equal(w.T) {
				t.Errorf("%s: %s = %v at %v, want %v at %v", raw, v.Name, v.Value, v.ObservedAt, w.V, w.T)
			}
		}
	}
	for _, name := range []string{"a,b", "a b", "a=b", "a;b", ""} {
		var e encoder
		if got := e.compact(map[string]latestVal{name: {1, at}}); got != nil {
			t.Errorf("name %q: compact form %v, want none", name, got)
		}
	}
	var d latestDecoder
	for _, bad := range []string{"2026-11-16T06:00:00Z", "2026-11-16T06:00:00Z nps", "2026-11-16T06:00:00Z nps=x", "2026-13-16T06:00:00Z nps=1"} {
		if _, err := d.decode([]byte(bad), nil); err == nil {
			t.Errorf("%q decoded without error", bad)
		}
	}
}
