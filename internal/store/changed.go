package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Change is one row of a customer's model inputs written at At: its current values from one
// source, its attributes, or one of its contacts (Row tells which).
// SignalRowPrefix starts the Row of a change to current signal values (queries/changed.sql's
// ChangedRows): "s:" and the source. Attributes are "a:", contacts "c:" and the email.
const SignalRowPrefix = "s:"

type Change struct {
	CustomerID, Row string
	At              time.Time
}

// ChangedSince returns the rows of model inputs — current signal values, attributes,
// contacts — written at or after since. Rows carry the time their write transaction began, so
// a caller keeping a watermark moves it to a moment a little before it asked (a transaction
// open then may commit later with an older time), and uses Row and At to skip what it read.
func (s *Store) ChangedSince(ctx context.Context, since time.Time) ([]Change, error) {
	var out []Change
	since = since.UTC()
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var c Change
		if err := r.Scan(&c.CustomerID, &c.Row, &c.At); err != nil {
			return err
		}
		c.At = c.At.UTC()
		out = append(out, c)
		return nil
	}, s.q("ChangedRows"), since, since, since)
	if err != nil {
		return nil, fmt.Errorf("inputs changed since %s: %w", since.Format(time.RFC3339), err)
	}
	return out, nil
}

// ChangedCustomers returns the ids of customers with a row changed at or after since (see
// ChangedSince), sorted.
func (s *Store) ChangedCustomers(ctx context.Context, since time.Time) ([]string, error) {
	changes, err := s.ChangedSince(ctx, since)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(changes))
	for i, c := range changes {
		ids[i] = c.CustomerID
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// CustomerInputs is what ScanInputsOf hands over: per call, one of its fields is set.
type CustomerInputs struct {
	// Attributes is called once per customer found, in id order, before its values.
	Attributes func(id string, attrs map[string]string) error
	// Reach is called for each customer with contacts: how many, and how many may be emailed.
	Reach func(id string, contacts, reachable int) error
	// Latest is called once per customer and source, ordered by customer then source, like
	// ScanLatest; vals is reused between calls. With Attributes and Reach nil, only the values
	// are read: for customers whose attributes and contacts the caller knows did not change.
	Latest func(id, source string, vals []LatestValue) error
}

// inChunk bounds the ids bound per statement on SQLite (it caps bound parameters); Postgres
// takes them all as one array (see eachIn).
const inChunk = 900

// ScanInputsOf streams the model inputs of the customers in ids (any order, unknown ids
// ignored) — the same rows LoadTable reads for everyone — chunk by chunk: for each chunk the
// attributes, then contact reachability, then current values.
func (s *Store) ScanInputsOf(ctx context.Context, ids []string, fn CustomerInputs) error {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var (
		intern interner
		dec    latestDecoder
		vals   []LatestValue
	)
	size := inChunk
	if s.dialect == Postgres {
		size = max(len(sorted), 1)
	}
	for chunk := range slices.Chunk(sorted, size) {
		if fn.Attributes == nil { // values only: see CustomerInputs
			if err := s.latestOf(ctx, chunk, &dec, &vals, fn.Latest); err != nil {
				return fmt.Errorf("read values of %d customers: %w", len(chunk), err)
			}
			continue
		}
		err := s.eachIn(ctx, "AttributesOfCustomers", chunk, func(r *sql.Rows) error {
			var id string
			var raw []byte
			if err := r.Scan(&id, &raw); err != nil {
				return err
			}
			attrs, ok := decodeFlat(raw, &intern)
			if !ok {
				attrs = nil
				if err := json.Unmarshal(raw, &attrs); err != nil {
					return fmt.Errorf("attributes of %s: %w", id, err)
				}
			}
			return fn.Attributes(id, attrs)
		})
		if err == nil {
			err = s.eachIn(ctx, "ReachabilityOfCustomers", chunk, func(r *sql.Rows) error {
				var id string
				var n, ok int
				if err := r.Scan(&id, &n, &ok); err != nil {
					return err
				}
				return fn.Reach(id, n, ok)
			})
		}
		if err == nil {
			err = s.latestOf(ctx, chunk, &dec, &vals, fn.Latest)
		}
		if err != nil {
			return fmt.Errorf("read inputs of %d customers: %w", len(chunk), err)
		}
	}
	return nil
}

// latestOf streams the current values of the customers in ids to fn, ordered by customer
// then source; dec and vals are the caller's, reused across chunks.
func (s *Store) latestOf(ctx context.Context, ids []string, dec *latestDecoder, vals *[]LatestValue, fn func(id, source string, vals []LatestValue) error) error {
	return s.eachIn(ctx, "LatestSignalsOfCustomers", ids, func(r *sql.Rows) error {
		var id, source string
		var raw []byte
		if err := r.Scan(&id, &source, &raw); err != nil {
			return err
		}
		var err error
		if *vals, err = dec.decode(raw, (*vals)[:0]); err != nil {
			return fmt.Errorf("signals of %s from %s: %w", id, source, err)
		}
		return fn(id, source, *vals)
	})
}

// eachIn runs a named query whose last IN (?) list is ids, after the lead arguments, and hands
// each row to fn. On Postgres the list is one array parameter (= ANY): one statement for any
// number of ids; on SQLite, inChunk ids per statement.
func (s *Store) eachIn(ctx context.Context, name string, ids []string, fn func(*sql.Rows) error, lead ...any) error {
	raw, size := s.query(name).Raw, inChunk
	if s.dialect == Postgres {
		i := strings.LastIndex(raw, "IN (?)")
		raw, size = raw[:i]+"= ANY(?)"+raw[i+len("IN (?)"):], max(len(ids), 1)
	}
	for chunk := range slices.Chunk(ids, size) {
		var list any = chunk
		if s.dialect == Postgres {
			list = pq.Array(chunk)
		}
		q, args, err := s.expand(raw, append(slices.Clip(lead), list)...)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := each(ctx, s.db, fn, q, args...); err != nil {
			return err
		}
	}
	return nil
}
