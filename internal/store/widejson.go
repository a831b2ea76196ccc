package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	// the last time read, checked before the map: a sync's rows follow each other
	lastTS string
	last   time.Time
	names  interner // a handful of signal names, repeated millions of times
}

// interner returns one shared string per distinct byte sequence, so decoding millions of rows
// of the same few keys and values allocates each only once. It stops growing at a bound:
// past it, strings are simply allocated. A small direct-mapped cache in front of the map
// answers the few names every row repeats without hashing them (a million rows x 15 names).
type interner struct {
	m      map[string]string
	recent [64]string
}

func (in *interner) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	slot := &in.recent[(len(b)*31+int(b[0])*7+int(b[len(b)-1]))&63]
	if *slot == string(b) { // no allocation: the compiler special-cases this comparison
		return *slot
	}
	s, ok := in.m[string(b)] // no allocation either
	if !ok {
		s = string(b)
		if in.m == nil {
			in.m = map[string]string{}
		}
		if len(in.m) < 10000 {
			in.m[s] = s
		}
	}
	*slot = s
	return s
}

func (d *latestDecoder) decode(raw []byte, out []LatestValue) ([]LatestValue, error) {
	if len(raw) > 0 && raw[0] >= '0' && raw[0] <= '9' { // signals.cur: it starts with a year
		return d.compact(raw, out)
	}
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

// compact reads signals.cur: groups "time name=value,name=value" joined by ';' (see
// migrations/*/015_signals_current.sql).
func (d *latestDecoder) compact(b []byte, out []LatestValue) ([]LatestValue, error) {
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return out, fmt.Errorf("compact signals: no values after time %q", b)
		}
		at, ok := d.time(b[:sp])
		if !ok {
			return out, fmt.Errorf("compact signals: bad time %q", b[:sp])
		}
		b = b[sp+1:]
		for {
			eq := bytes.IndexByte(b, '=')
			if eq <= 0 {
				return out, fmt.Errorf("compact signals: bad entry %q", b)
			}
			name := d.names.get(b[:eq])
			b = b[eq+1:]
			end := 0
			for end < len(b) && b[end] != ',' && b[end] != ';' {
				end++
			}
			v, err := strconv.ParseFloat(string(b[:end]), 64)
			if err != nil {
				return out, fmt.Errorf("compact signals: value of %s: %w", name, err)
			}
			out = append(out, LatestValue{Name: name, Value: v, ObservedAt: at})
			if end == len(b) {
				return out, nil
			}
			sep := b[end]
			b = b[end+1:]
			if sep == ';' {
				break
			}
		}
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
		out = append(out, LatestValue{})
		if !d.entry(&c, &out[len(out)-1]) {
			return out, false
		}
		if c.expect('}') {
			return out, c.end()
		}
		if !c.expect(',') {
			return out, false
		}
	}
}

// entry reads one `"name": {"v": 1.5, "t": "…"}` into lv, its two fields in either order and
// each once. It is one function, not one per field: it runs for every value of every
// customer, and calls cost more here than the branches they would save.
func (d *latestDecoder) entry(c *cursor, lv *LatestValue) bool {
	name, ok := c.str()
	if !ok || !c.expect(':') || !c.expect('{') {
		return false
	}
	lv.Name = d.names.get(name)
	for f, seen := 0, byte(0); f < 2; f++ {
		if f == 1 && !c.expect(',') {
			return false
		}
		key := c.letter()
		if key == seen || !c.expect(':') {
			return false
		}
		seen = key
		switch key {
		case 'v':
			lv.Value, ok = c.number()
		case 't':
			var ts []byte
			if ts, ok = c.str(); ok {
				lv.ObservedAt, ok = d.time(ts)
			}
		default:
			return false
		}
		if !ok {
			return false
		}
	}
	return c.expect('}')
}

// time parses an RFC 3339 observation time, remembering recent ones.
func (d *latestDecoder) time(ts []byte) (time.Time, bool) {
	if d.lastTS == string(ts) && d.lastTS != "" {
		return d.last, true
	}
	if t, ok := d.times[string(ts)]; ok {
		d.lastTS, d.last = string(ts), t
		return t, true
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return t, false
	}
	t = t.UTC()
	if d.times == nil || len(d.times) > 4096 {
		d.times = map[string]time.Time{}
	}
	d.times[string(ts)] = t
	d.lastTS, d.last = string(ts), t
	return t, true
}

// decodeFlat reads a flat {"key": "value", …} object of plain strings (no escapes), the shape
// attributes always have; anything else reports !ok for encoding/json to handle.
func decodeFlat(b []byte, intern *interner) (map[string]string, bool) {
	pairs, ok := decodePairs(b, intern, nil)
	if !ok {
		return nil, false
	}
	m := make(map[string]string, len(pairs))
	for _, a := range pairs {
		m[a.Key] = a.Value
	}
	return m, true
}

// decodePairs is decodeFlat into out (reused), in the object's order, without a map: whole-base
// scoring reads a million customers' attributes and keeps none of the maps. A key repeated
// in the object keeps its last value, as in a map.
func decodePairs(b []byte, intern *interner, out []Attr) ([]Attr, bool) {
	c := cursor{b: b}
	out = out[:0]
	if !c.expect('{') {
		return out, false
	}
	if c.expect('}') {
		return out, c.end()
	}
	for {
		k, ok := c.str()
		if !ok || !c.expect(':') {
			return out, false
		}
		v, ok := c.str()
		if !ok {
			return out, false
		}
		out = setAttr(out, intern.get(k), intern.get(v))
		if c.expect('}') {
			return out, c.end()
		}
		if !c.expect(',') {
			return out, false
		}
	}
}

func setAttr(out []Attr, k, v string) []Attr {
	for i := range out {
		if out[i].Key == k {
			out[i].Value = v
			return out
		}
	}
	return append(out, Attr{k, v})
}

// cursor walks JSON text for the fast decoders. It understands only what they accept: plain
// strings without escapes, bare numbers, punctuation and whitespace.
type cursor struct {
	b []byte
	i int
}

// The methods copy the slice and index into locals for their loops: through the pointer, the
// compiler would reload both on every byte.

func (c *cursor) ws() {
	b, i := c.b, c.i
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	c.i = i
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
	b, start := c.b, c.i
	for i := start; i < len(b); i++ {
		switch ch := b[i]; {
		case ch == '"':
			c.i = i + 1
			return b[start:i], true
		case ch == '\\' || ch < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// letter reads a one-letter string such as "v" and returns the letter, or 0 for anything
// else. Field names are one letter; reading them without str saves a call per field.
func (c *cursor) letter() byte {
	c.ws()
	b, i := c.b, c.i
	if i+2 >= len(b) || b[i] != '"' || b[i+2] != '"' {
		return 0
	}
	c.i = i + 3
	return b[i+1]
}

// number reads a bare number up to the next delimiter.
func (c *cursor) number() (float64, bool) {
	c.ws()
	b, i := c.b, c.i
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ' ' {
		i++
	}
	v, err := strconv.ParseFloat(string(b[c.i:i]), 64)
	c.i = i
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

// valsOf writes a history row's {"signal": value, ...} from vals sorted by name, one each.
func (e *encoder) valsOf(vals []LatestValue) string {
	b := append(e.buf[:0], '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, v.Name)
		b = append(b, ':')
		b = strconv.AppendFloat(b, v.Value, 'g', -1, 64)
	}
	e.buf = append(b, '}')
	return string(e.buf)
}

// latest writes {"signal": {"v": value, "t": "RFC 3339"}, ...}, keys sorted.
func (e *encoder) latest(m map[string]latestVal) string {
	e.keys = sortedKeys(e.keys[:0], m)
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

// latestOf is latest for values in a slice (one per name); only rows whose names cannot be
// written compactly take it.
func (e *encoder) latestOf(vals []LatestValue) string {
	m := make(map[string]latestVal, len(vals))
	for _, v := range vals {
		m[v.Name] = latestVal{v.Value, v.ObservedAt}
	}
	return e.latest(m)
}

// compactOf writes the signals.cur form of vals, sorted by observation time then name and one
// per name — values grouped by observation time, times in order, names sorted within a time —
// or returns nil (NULL: readers use vals) when a name cannot be written in it.
func (e *encoder) compactOf(vals []LatestValue) any {
	if len(vals) == 0 {
		return nil
	}
	for _, v := range vals {
		if v.Name == "" || strings.ContainsAny(v.Name, " ,;=") {
			return nil
		}
	}
	b := e.buf[:0]
	for i, v := range vals {
		switch {
		case i == 0:
		case v.ObservedAt.Equal(vals[i-1].ObservedAt):
			b = append(b, ',')
		default:
			b = append(b, ';')
		}
		if i == 0 || !v.ObservedAt.Equal(vals[i-1].ObservedAt) {
			b = v.ObservedAt.UTC().AppendFormat(b, time.RFC3339Nano)
			b = append(b, ' ')
		}
		b = append(b, v.Name...)
		b = append(b, '=')
		b = strconv.AppendFloat(b, v.Value, 'g', -1, 64)
	}
	e.buf = b
	return string(b)
}

// sortedKeys appends m's keys to keys, sorted, reusing its array across rows.
func sortedKeys[V any](keys []string, m map[string]V) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
