package store

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// The wide signal rows are written on the ingest hot path; encoding/json's reflection and map
// sorting cost more than the database work there. These encoders write the same JSON for the
// two fixed shapes, keys sorted, and are read back with encoding/json.

// encodeVals writes {"signal": value, ...}.
func encodeVals(m map[string]float64) []byte {
	b := make([]byte, 0, 16+len(m)*24)
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, k)
		b = append(b, ':')
		b = strconv.AppendFloat(b, m[k], 'g', -1, 64)
	}
	return append(b, '}')
}

// encodeLatest writes {"signal": {"v": value, "t": "RFC 3339"}, ...}.
func encodeLatest(m map[string]latestVal) []byte {
	b := make([]byte, 0, 16+len(m)*64)
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		v := m[k]
		b = strconv.AppendQuote(b, k)
		b = append(b, `:{"v":`...)
		b = strconv.AppendFloat(b, v.V, 'g', -1, 64)
		b = append(b, `,"t":"`...)
		b = v.T.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, `"}`...)
	}
	return append(b, '}')
}
