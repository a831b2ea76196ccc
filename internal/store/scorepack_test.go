package store

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Every field of a pack entry comes back with its exact bits: ids sharing prefixes or not
// (empty, unicode, control bytes), ranks of any sign, scores whose repeats are elided, and
// failed-gate lists (nil and empty both read back as the empty list).
func TestScorePackRoundTrips(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, tc := range []struct {
		name   string
		scores []Score
	}{
		{"one", []Score{{CustomerID: "c_1", Rank: 1, Score: 91.123456789012, Confidence: 1, Eligible: true}}},
		{"prefixes", []Score{
			{CustomerID: "", Rank: 3, Score: negZero, Confidence: math.SmallestNonzeroFloat64},
			{CustomerID: "a", Rank: -2, Score: math.MaxFloat64, Confidence: math.Inf(1), FailedGates: []string{}},
			{CustomerID: "ab", Rank: 0, Score: math.MaxFloat64, Confidence: math.Inf(1), FailedGates: []string{"nps >= 7", "tab\tgate"}},
			{CustomerID: "abc\x00\n", Rank: 1 << 40, Score: 1e-300, Confidence: math.Inf(-1), FailedGates: []string{"nps >= 7", "tab\tgate"}},
			{CustomerID: "b", Rank: 5, Score: 1e-300, Confidence: 0.3333333333333333, FailedGates: []string{"nps >= 7"}, Eligible: true},
			{CustomerID: "é—客户", Rank: 6, Score: 0, Confidence: 0, FailedGates: []string{""}},
		}},
		{"NaN keeps its bits", []Score{{CustomerID: "x", Score: math.Float64frombits(0x7ff8000000000001), Confidence: math.NaN()}}},
		{"a full pack", fullPack(packSize)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encodePack(nil, pointers(tc.scores))
			var got []Score
			run := runShape{ID: 7}
			if err := decodePack(data, func(e *packEntry) bool { got = append(got, packScore(&run, e)); return true }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.scores) {
				t.Fatalf("%d entries read back, want %d", len(got), len(tc.scores))
			}
			for i, w := range tc.scores {
				g := got[i]
				if g.CustomerID != w.CustomerID || g.Rank != w.Rank || math.Float64bits(g.Score) != math.Float64bits(w.Score) ||
					math.Float64bits(g.Confidence) != math.Float64bits(w.Confidence) || g.Eligible != w.Eligible ||
					!slices.Equal(g.FailedGates, w.FailedGates) || g.FailedGates == nil || g.Reasons == nil || g.Contributions != nil || g.RunID != 7 {
					t.Errorf("entry %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// A reader that stops early reads no further, and a truncated or altered pack is an error, never
// a panic.
func TestScorePackStopsAndRejectsDamage(t *testing.T) {
	data := encodePack(nil, pointers(fullPack(100)))
	n := 0
	if err := decodePack(data, func(e *packEntry) bool { n++; return n < 10 }); err != nil || n != 10 {
		t.Fatalf("stopped after %d entries (err %v), want 10", n, err)
	}
	for _, bad := range [][]byte{nil, {2}, data[:len(data)-1], append(slices.Clone(data), 0)} {
		if err := decodePack(bad, func(*packEntry) bool { return true }); err == nil {
			t.Errorf("a damaged pack of %d bytes decoded without error", len(bad))
		}
	}
}

func FuzzDecodeScorePack(f *testing.F) {
	f.Add(encodePack(nil, pointers(fullPack(20))))
	f.Add([]byte{1, 1, 0, 0, 0, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var again []Score
		run := runShape{}
		if decodePack(data, func(e *packEntry) bool { again = append(again, packScore(&run, e)); return true }) != nil {
			return
		}
		// Whatever decodes re-encodes to a pack that decodes the same (entries are in the
		// order given, so sorted or not does not matter to the format).
		if re := encodePack(nil, pointers(again)); decodePack(re, func(*packEntry) bool { return true }) != nil {
			t.Fatalf("re-encoded pack of %q does not decode", data)
		}
	})
}

func fullPack(n int) []Score {
	out := make([]Score, n)
	for i := range out {
		out[i] = Score{CustomerID: "cust_" + strings.Repeat("0", i%3) + string(rune('a'+i%26)) + "_" + strconv.Itoa(i),
			Rank: n - i, Score: float64(i%50) / 7, Confidence: float64(i%4) / 4, Eligible: i%3 == 0}
		if !out[i].Eligible {
			out[i].FailedGates = [][]string{nil, {"nps >= 7"}, {"plan in (pro)", "nps >= 7"}}[i%3]
		}
	}
	slices.SortFunc(out, func(a, b Score) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	return out
}

func pointers(scores []Score) []*Score {
	out := make([]*Score, len(scores))
	for i := range scores {
		out[i] = &scores[i]
	}
	return out
}
