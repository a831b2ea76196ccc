package connectors

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// OptionReader reads a connector's Settings.Options. It rejects keys the connector does not
// know and parses values with their defaults and bounds, so that every connector words the same
// mistake the same way: "<type>: option <key> …".
//
// The first problem sticks (as with bufio.Scanner): a factory reads every option it knows,
// then checks Err once. After a problem the readers still return their defaults, which the
// factory discards together with the error.
type OptionReader struct {
	typ  string
	opts map[string]string
	err  error
}

// ReadOptions starts reading s.Options for a connector that understands the allowed keys. A key
// outside them is the reader's error, reported before any value: the first unknown key in
// sorted order, with the allowed keys listed in the order given.
func (s Settings) ReadOptions(allowed ...string) *OptionReader {
	r := &OptionReader{typ: s.Type, opts: s.Options}
	for _, k := range slices.Sorted(maps.Keys(s.Options)) {
		if !slices.Contains(allowed, k) {
			r.err = fmt.Errorf("%s: unknown option %q (known: %s)", s.Type, k, strings.Join(allowed, ", "))
			break
		}
	}
	return r
}

// Err is the first problem met: an unknown key or a value out of bounds. Nil means every option
// read so far is valid.
func (r *OptionReader) Err() error { return r.err }

// Lookup returns the option's value with surrounding space removed, and whether it is set, for
// values a connector checks itself (report a bad one with Invalid).
func (r *OptionReader) Lookup(key string) (string, bool) {
	v, ok := r.opts[key]
	return strings.TrimSpace(v), ok
}

// Invalid records that the option's value is wrong, unless a problem is recorded already:
// "<type>: option <key> "<value>" <problem>", with the value as the user wrote it.
func (r *OptionReader) Invalid(key, problem string) {
	r.fail(fmt.Errorf("%s: option %s %q %s", r.typ, key, r.opts[key], problem))
}

func (r *OptionReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// String returns the option's value with surrounding space removed, or def when it is unset or
// blank.
func (r *OptionReader) String(key, def string) string {
	if v, _ := r.Lookup(key); v != "" {
		return v
	}
	return def
}

// NonEmpty returns the option's value with surrounding space removed, or "" when it is unset. A
// blank value is a problem, since the user meant to set something; hint tells them what to do
// instead ("leave it out to …").
func (r *OptionReader) NonEmpty(key, hint string) string {
	v, ok := r.Lookup(key)
	if ok && v == "" {
		r.fail(fmt.Errorf("%s: option %s is empty (%s)", r.typ, key, hint))
	}
	return v
}

// Int returns the option as a whole number from lo to hi, or def when it is unset.
func (r *OptionReader) Int(key string, def, lo, hi int) int {
	v, ok := r.Lookup(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.Invalid(key, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}

// Number returns the option as a number from lo to hi (fractions allowed: rates), or def when
// it is unset. NaN is out of every range.
func (r *OptionReader) Number(key string, def, lo, hi float64) float64 {
	v, ok := r.Lookup(key)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= lo && f <= hi) {
		r.fail(fmt.Errorf("%s: option %s = %q: want a number from %g to %g", r.typ, key, r.opts[key], lo, hi))
		return def
	}
	return f
}
