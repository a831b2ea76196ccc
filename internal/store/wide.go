package store

import (
	"slices"
	"strconv"
	"time"
)

// The wide signal rows are written on the ingest hot path; encoding/json's reflection and map
// sorting cost more than the database work there. These encoders write the same JSON for the
// two fixed shapes, keys sorted, and are read back with encoding/json.

// encoder reuses its key and byte buffers across the rows of one page.
type encoder struct {
	keys []string
	buf  []byte
}

// vals writes {"signal": value, ...}, keys sorted.
func (e *encoder) vals(m map[string]float64) string {
	e.keys = e.keys[:0]
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys)
	b := append(e.buf[:0], '{')
	for i, k := range e.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, k)
		b = append(b, ':')
		b = strconv.AppendFloat(b, m[k], 'g', -1, 64)
	}
	e.buf = append(b, '}')
	return string(e.buf)
}

// latest writes {"signal": {"v": value, "t": "RFC 3339"}, ...}, keys sorted.
func (e *encoder) latest(m map[string]latestVal) string {
	e.keys = e.keys[:0]
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys)
	b := append(e.buf[:0], '{')
	for i, k := range e.keys {
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
	e.buf = append(b, '}')
	return string(e.buf)
}
