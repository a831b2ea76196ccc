package store

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// The decoders are the inner loop of whole-base scoring: one call per customer. These pin their
// speed so restructuring them (for readability) does not cost throughput.

const benchLatest = `{"active_users":{"v":51,"t":"2026-11-16T09:00:00Z"},"csat":{"v":44,"t":"2026-11-16T09:00:00Z"},` +
	`"health_score":{"v":63,"t":"2026-11-16T09:00:00Z"},"ltv":{"v":12.5,"t":"2026-11-16T09:00:00Z"},` +
	`"mrr":{"v":70,"t":"2026-11-16T09:00:00Z"},"nps":{"v":9,"t":"2026-11-16T09:00:00Z"}}`

const benchAttrs = `{"acquisition_channel": "partner", "customer_since": "2021-03-04", "plan": "growth"}`

func BenchmarkLatestDecoder(b *testing.B) {
	var d latestDecoder
	raw := []byte(benchLatest)
	out := make([]LatestValue, 0, 16)
	b.ReportAllocs()
	for range b.N {
		var ok bool
		if out, ok = d.fast(raw, out[:0]); !ok || len(out) != 6 {
			b.Fatal("fast path refused", len(out))
		}
	}
}

func BenchmarkDecodeFlat(b *testing.B) {
	var in interner
	raw := []byte(benchAttrs)
	b.ReportAllocs()
	for range b.N {
		if m, ok := decodeFlat(raw, &in); !ok || len(m) != 3 {
			b.Fatal("fast path refused")
		}
	}
}

// TestDecodersAgreeWithJSON: the fast paths accept what they should, refuse what they must
// leave to encoding/json, and agree with it where they accept.
func TestDecodersAgreeWithJSON(t *testing.T) {
	var d latestDecoder
	for _, tc := range []struct {
		raw  string
		want int // values decoded; -1: the fast path must refuse
	}{
		{benchLatest, 6},
		{`{}`, 0},
		{` { "nps" : { "t" : "2026-11-16T09:00:00Z" , "v" : 7 } } `, 1},
		{`{"nps":{"v":7}}`, -1},
		{`{"n\"ps":{"v":7,"t":"2026-11-16T09:00:00Z"}}`, -1},
		{`{"nps":{"v":7,"t":"2026-11-16T09:00:00Z","x":1}}`, -1},
		{`{"nps":{"v":7,"t":"2026-11-16T09:00:00Z"}} x`, -1},
		{`{"nps":{"v":x,"t":"2026-11-16T09:00:00Z"}}`, -1},
		{`{"nps":{"v":7,"t":"yesterday"}}`, -1},
		{`{"nps":{"v":7,"v":8}}`, -1},
		{`{"nps":{"v":7,"t":"2026-11-16T09:00:00Z"}`, -1},
		{`[]`, -1},
	} {
		got, ok := d.fast([]byte(tc.raw), nil)
		if tc.want < 0 {
			if ok {
				t.Errorf("fast(%s) accepted %v, want refusal", tc.raw, got)
			}
			continue
		}
		if !ok || len(got) != tc.want {
			t.Errorf("fast(%s) = %v, %v; want %d values", tc.raw, got, ok, tc.want)
		}
	}
	got, _ := d.fast([]byte(` { "nps" : { "t" : "2026-11-16T09:00:00Z" , "v" : 7 } } `), nil)
	if got[0].Name != "nps" || got[0].Value != 7 || got[0].ObservedAt.Format("2006-01-02") != "2026-11-16" {
		t.Errorf("decoded %+v", got[0])
	}

	var in interner
	for _, tc := range []struct {
		raw  string
		want string // "k=v;…" sorted; "!" for refusal
	}{
		{benchAttrs, "acquisition_channel=partner;customer_since=2021-03-04;plan=growth"},
		{` {} `, ""},
		{`{"a":"b"}`, "a=b"},
		{`{"a":1}`, "!"},
		{`{"a":"b\n"}`, "!"},
		{`{"a":"b",}`, "!"},
		{`{"a":"b"} x`, "!"},
		{`{"a" "b"}`, "!"},
		{`{"a":"b"`, "!"},
		{`[]`, "!"},
	} {
		m, ok := decodeFlat([]byte(tc.raw), &in)
		got := "!"
		if ok {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(m)) {
				parts = append(parts, k+"="+m[k])
			}
			got = strings.Join(parts, ";")
		}
		if got != tc.want {
			t.Errorf("decodeFlat(%s) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
