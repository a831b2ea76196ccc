package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// The scoring job reads every customer and every current signal value. At a million customers
// that is a million rows per table; these readers stream them in customer order instead of
// building slices, and decode the wide signal rows without reflection.

// LatestValue is one signal's current value from one source.
type LatestValue struct {
	Name       string
	Value      float64
	ObservedAt time.Time
}

// ScanCustomers streams every customer, ordered by id.
func (s *Store) ScanCustomers(ctx context.Context, fn func(advocate.Customer) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+customerCols+` FROM customers ORDER BY id`)
	if err != nil {
		return fmt.Errorf("scan customers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return fmt.Errorf("scan customers: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanLatest streams the current signal values, one call per customer and source, ordered by
// customer id then source. vals is reused between calls: copy what you keep.
func (s *Store) ScanLatest(ctx context.Context, fn func(customerID, source string, vals []LatestValue) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT customer_id, source, vals FROM signals ORDER BY customer_id, source`)
	if err != nil {
		return fmt.Errorf("scan signals: %w", err)
	}
	defer rows.Close()
	var (
		id, source string
		raw        []byte
		vals       []LatestValue
		dec        latestDecoder
	)
	for rows.Next() {
		if err := rows.Scan(&id, &source, &raw); err != nil {
			return fmt.Errorf("scan signals: %w", err)
		}
		if vals, err = dec.decode(raw, vals[:0]); err != nil {
			return fmt.Errorf("scan signals of %s from %s: %w", id, source, err)
		}
		if err := fn(id, source, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Reachability returns, per customer with contacts, how many contacts it has and how many of
// them have not opted out.
func (s *Store) Reachability(ctx context.Context) (map[string][2]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT customer_id, COUNT(*), SUM(CASE WHEN opted_out THEN 0 ELSE 1 END) FROM contacts GROUP BY customer_id`)
	if err != nil {
		return nil, fmt.Errorf("count contacts: %w", err)
	}
	defer rows.Close()
	out := map[string][2]int{}
	for rows.Next() {
		var id string
		var n, ok int
		if err := rows.Scan(&id, &n, &ok); err != nil {
			return nil, err
		}
		out[id] = [2]int{n, ok}
	}
	return out, rows.Err()
}

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

func (d *latestDecoder) fast(b []byte, out []LatestValue) ([]LatestValue, bool) {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
	}
	expect := func(c byte) bool {
		ws()
		if i < len(b) && b[i] == c {
			i++
			return true
		}
		return false
	}
	str := func() ([]byte, bool) {
		if !expect('"') {
			return nil, false
		}
		start := i
		for i < len(b) && b[i] != '"' {
			if b[i] == '\\' {
				return nil, false
			}
			i++
		}
		if i >= len(b) {
			return nil, false
		}
		i++
		return b[start : i-1], true
	}
	if !expect('{') {
		return out, false
	}
	if expect('}') {
		return out, true
	}
	for {
		name, ok := str()
		if !ok || !expect(':') || !expect('{') {
			return out, false
		}
		var lv LatestValue
		lv.Name = d.names.get(name)
		var haveV, haveT bool
		for f := 0; f < 2; f++ {
			key, ok := str()
			if !ok || !expect(':') {
				return out, false
			}
			ws()
			switch string(key) {
			case "v":
				start := i
				for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ' ' {
					i++
				}
				v, err := strconv.ParseFloat(string(b[start:i]), 64)
				if err != nil {
					return out, false
				}
				lv.Value, haveV = v, true
			case "t":
				ts, ok := str()
				if !ok {
					return out, false
				}
				t, err := d.time(ts)
				if err != nil {
					return out, false
				}
				lv.ObservedAt, haveT = t, true
			default:
				return out, false
			}
			if f == 0 && !expect(',') {
				return out, false
			}
		}
		if !haveV || !haveT || !expect('}') {
			return out, false
		}
		out = append(out, lv)
		if expect('}') {
			ws()
			return out, i == len(b)
		}
		if !expect(',') {
			return out, false
		}
	}
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

// ScanAttributes streams every customer's id and attributes, ordered by id: what scoring needs
// of a customer, without the columns it does not.
func (s *Store) ScanAttributes(ctx context.Context, fn func(id string, attrs map[string]string) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, attributes FROM customers ORDER BY id`)
	if err != nil {
		return fmt.Errorf("scan customers: %w", err)
	}
	defer rows.Close()
	var (
		id     string
		raw    []byte
		intern interner // attribute keys and most values (plan, channel…) repeat
	)
	for rows.Next() {
		if err := rows.Scan(&id, &raw); err != nil {
			return fmt.Errorf("scan customers: %w", err)
		}
		attrs, ok := decodeFlat(raw, &intern)
		if !ok {
			attrs = nil
			if err := json.Unmarshal(raw, &attrs); err != nil {
				return fmt.Errorf("attributes of %s: %w", id, err)
			}
		}
		if err := fn(id, attrs); err != nil {
			return err
		}
	}
	return rows.Err()
}

// decodeFlat reads a flat {"key": "value", …} object of plain strings (no escapes), the shape
// attributes always have; anything else reports !ok for encoding/json to handle.
func decodeFlat(b []byte, intern *interner) (map[string]string, bool) {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		ws()
		if i >= len(b) || b[i] != '"' {
			return "", false
		}
		i++
		start := i
		for i < len(b) && b[i] != '"' {
			if b[i] == '\\' || b[i] < 0x20 {
				return "", false
			}
			i++
		}
		if i >= len(b) {
			return "", false
		}
		i++
		return intern.get(b[start : i-1]), true
	}
	ws()
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i++
	m := map[string]string{}
	ws()
	if i < len(b) && b[i] == '}' {
		i++
		ws()
		return m, i == len(b)
	}
	for {
		k, ok := str()
		if !ok {
			return nil, false
		}
		ws()
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i++
		v, ok := str()
		if !ok {
			return nil, false
		}
		m[k] = v
		ws()
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			i++
			ws()
			return m, i == len(b)
		default:
			return nil, false
		}
	}
}
