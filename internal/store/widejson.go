package store

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// The wide JSON columns — signals.vals, signal_history.vals, customers.attributes — are on the
// hot paths of ingest and whole-base scoring, where encoding/json's reflection costs more than
// the database work. These encoders and decoders handle the shapes Advocate writes, and leave
// anything else to encoding/json.

// latestDecoder reads {"name": {"v": 1.5, "t": "RFC 3339"}, …} in either our own compact form
// or the normalised jsonb text of other tools (spaces, other key order). Anything it does not expect —
// escapes, other shapes — goes to encoding/json, so it is a fast path, never a second grammar.
type latestDecoder struct {
	times map[string]time.Time // most values from one sync share their observation time
	names interner             // a handful of signal names, repeated millions of times
}

// interner returns one shared string per distinct byte sequence, so decoding millions of rows
// of the same few keys and values allocates each only once. It stops growing at a bound:
// past it, strings are simply allocated.
type interner map[string]string

func (in *interner) get(b []byte) string {
	if s, ok := (*in)[string(b)]; ok { // no allocation: the compiler special-cases this lookup
		return s
	}
	s := string(b)
	if *in == nil {
		*in = interner{}
	}
	if len(*in) < 10000 {
		(*in)[s] = s
	}
	return s
}

func (d *latestDecoder) decode(raw []byte, out []LatestValue) ([]LatestValue, error) {
	if res, ok := d.fast(raw, out); ok {
		return res, nil
	}
	var m map[string]latestVal
	if err := json.Unmarshal(raw, &m); err != nil {
		return out, err
	}
	for name, v := range m {
		out = append(out, LatestValue{Name: name, Value: v.V, ObservedAt: v.T.UTC()})
	}
	return out, nil
}

// fast decodes the common case; ok is false for anything else, which decode hands to
// encoding/json.
func (d *latestDecoder) fast(b []byte, out []LatestValue) (_ []LatestValue, ok bool) {
	c := cursor{b: b}
	if !c.expect('{') {
		return out, false
	}
	if c.expect('}') {
		return out, c.end()
	}
	for {
		lv, ok := d.entry(&c)
		if !ok {
			return out, false
		}
		out = append(out, lv)
		if c.expect('}') {
			return out, c.end()
		}
		if !c.expect(',') {
			return out, false
		}
	}
}

// entry reads one `"name": {"v": 1.5, "t": "…"}`, its two fields in either order.
func (d *latestDecoder) entry(c *cursor) (LatestValue, bool) {
	name, ok := c.str()
	if !ok || !c.expect(':') || !c.expect('{') {
		return LatestValue{}, false
	}
	lv := LatestValue{Name: d.names.get(name)}
	seen := 0 // a bit per field: both must be there, once each
	for f := range 2 {
		if f == 1 && !c.expect(',') {
			return lv, false
		}
		bit, ok := d.field(c, &lv)
		if !ok || seen&bit != 0 {
			return lv, false
		}
		seen |= bit
	}
	return lv, seen == 3 && c.expect('}')
}

// field reads "v": number or "t": "RFC 3339" into lv and reports which (1 or 2).
func (d *latestDecoder) field(c *cursor, lv *LatestValue) (int, bool) {
	key, ok := c.str()
	if !ok || !c.expect(':') {
		return 0, false
	}
	switch string(key) {
	case "v":
		lv.Value, ok = c.number()
		return 1, ok
	case "t":
		ts, ok := c.str()
		if !ok {
			return 0, false
		}
		t, err := d.time(ts)
		lv.ObservedAt = t
		return 2, err == nil
	}
	return 0, false
}

func (d *latestDecoder) time(ts []byte) (time.Time, error) {
	if t, ok := d.times[string(ts)]; ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return t, err
	}
	t = t.UTC()
	if d.times == nil || len(d.times) > 4096 {
		d.times = map[string]time.Time{}
	}
	d.times[string(ts)] = t
	return t, nil
}

// decodeFlat reads a flat {"key": "value", …} object of plain strings (no escapes), the shape
// attributes always have; anything else reports !ok for encoding/json to handle.
func decodeFlat(b []byte, intern *interner) (map[string]string, bool) {
	c := cursor{b: b}
	if !c.expect('{') {
		return nil, false
	}
	m := map[string]string{}
	if c.expect('}') {
		return m, c.end()
	}
	for {
		k, ok := c.str()
		if !ok || !c.expect(':') {
			return nil, false
		}
		v, ok := c.str()
		if !ok {
			return nil, false
		}
		m[intern.get(k)] = intern.get(v)
		if c.expect('}') {
			return m, c.end()
		}
		if !c.expect(',') {
			return nil, false
		}
	}
}

// cursor walks JSON text for the fast decoders. It understands only what they accept: plain
// strings without escapes, bare numbers, punctuation and whitespace.
type cursor struct {
	b []byte
	i int
}

func (c *cursor) ws() {
	for c.i < len(c.b) && (c.b[c.i] == ' ' || c.b[c.i] == '\n' || c.b[c.i] == '\t' || c.b[c.i] == '\r') {
		c.i++
	}
}

// expect skips whitespace and consumes ch if it comes next.
func (c *cursor) expect(ch byte) bool {
	c.ws()
	if c.i < len(c.b) && c.b[c.i] == ch {
		c.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (c *cursor) end() bool {
	c.ws()
	return c.i == len(c.b)
}

// str reads a string without escapes or control characters and returns its bytes (a view of
// the input, not a copy).
func (c *cursor) str() ([]byte, bool) {
	if !c.expect('"') {
		return nil, false
	}
	start := c.i
	for c.i < len(c.b) && c.b[c.i] != '"' {
		if c.b[c.i] == '\\' || c.b[c.i] < 0x20 {
			return nil, false
		}
		c.i++
	}
	if c.i >= len(c.b) {
		return nil, false
	}
	c.i++
	return c.b[start : c.i-1], true
}

// number reads a bare number up to the next delimiter.
func (c *cursor) number() (float64, bool) {
	c.ws()
	start := c.i
	for c.i < len(c.b) && c.b[c.i] != ',' && c.b[c.i] != '}' && c.b[c.i] != ' ' {
		c.i++
	}
	v, err := strconv.ParseFloat(string(c.b[start:c.i]), 64)
	return v, err == nil
}

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
