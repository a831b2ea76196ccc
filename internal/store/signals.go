package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// Signal observations are stored wide: one history row per customer, source and observation
// time, and one latest row per customer and source (see migrations/*/001_init.sql). A latest
// row holds its values in cur, or in vals when cur is NULL (migrations 015 and 018); readers
// select COALESCE(cur, vals) and decode either form with latestDecoder. This file reads them;
// signals_ingest.go writes them.

// latestVal is one signal's newest value in the signals table.
type latestVal struct {
	V float64   `json:"v"`
	T time.Time `json:"t"`
}

// LatestValue is one signal's current value from one source.
type LatestValue struct {
	Name       string
	Value      float64
	ObservedAt time.Time
}

// LatestSignals returns the newest observation per customer, signal and source, ordered by
// customer, signal and source. Choosing between sources (precedence) is the caller's business.
// With customerID set, only that customer's.
func (s *Store) LatestSignals(ctx context.Context, customerID string) ([]advocate.SignalValue, error) {
	q, args := s.q("LatestSignals"), []any{}
	if customerID != "" {
		q, args = s.q("LatestSignalsOfCustomer"), []any{customerID}
	}
	var (
		out  []advocate.SignalValue
		vals []LatestValue
		dec  latestDecoder
	)
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var id, source string
		var raw []byte
		if err := r.Scan(&id, &source, &raw); err != nil {
			return err
		}
		var err error
		if vals, err = dec.decode(raw, vals[:0]); err != nil {
			return fmt.Errorf("signals of %s: %w", id, err)
		}
		for _, v := range vals {
			out = append(out, advocate.SignalValue{CustomerID: id, Name: v.Name, Source: source, Value: v.Value, ObservedAt: v.ObservedAt})
		}
		return nil
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read signals: %w", err)
	}
	slices.SortStableFunc(out, func(a, b advocate.SignalValue) int {
		return cmp.Or(strings.Compare(a.CustomerID, b.CustomerID), strings.Compare(a.Name, b.Name), strings.Compare(a.Source, b.Source))
	})
	return out, nil
}

// ScanLatest streams the current signal values, one call per customer and source, in no
// particular order (see ScanAttributes). customerID and vals are valid only during the call:
// copy what you keep.
//
// Reading and decoding run on a goroutine of their own, a batch of rows ahead of fn: at a
// million rows, decoding and the caller's work (building the scoring table) each take about a
// second of CPU, and on two cores they overlap.
func (s *Store) ScanLatest(ctx context.Context, fn func(customerID, source string, vals []LatestValue) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full, free := make(chan *latestBatch, 2), make(chan *latestBatch, 3)
	for range cap(free) {
		free <- &latestBatch{}
	}
	read := make(chan error, 1)
	go func() { read <- s.readLatest(ctx, full, free) }()
	var fnErr error
	for b := range full { // closed by readLatest when it returns
		if fnErr == nil {
			fnErr = b.each(fn)
			if fnErr != nil {
				cancel() // stop reading; the loop drains what was sent
			}
		}
		free <- b
	}
	err := <-read
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("scan signals: %w", err)
	}
	return nil
}

// latestBatch is up to latestBatchRows decoded rows of ScanLatestSignals, in buffers reused
// from batch to batch.
type latestBatch struct {
	ids  []byte // the rows' customer ids, back to back
	rows []latestRow
	vals []LatestValue
}

type latestRow struct {
	idEnd, valsEnd int // where the row's id and values end in ids and vals
	source         string
}

const latestBatchRows = 512

func (b *latestBatch) each(fn func(customerID, source string, vals []LatestValue) error) error {
	id0, v0 := 0, 0
	for _, r := range b.rows {
		if err := fn(view(b.ids[id0:r.idEnd]), r.source, b.vals[v0:r.valsEnd]); err != nil {
			return err
		}
		id0, v0 = r.idEnd, r.valsEnd
	}
	return nil
}

// readLatest reads and decodes ScanLatestSignals into batches taken from free and sent on
// full, which it closes when it returns.
func (s *Store) readLatest(ctx context.Context, full chan<- *latestBatch, free <-chan *latestBatch) error {
	defer close(full)
	var (
		dec     latestDecoder
		sources interner // a handful of sources
		b       *latestBatch
	)
	take := func() bool {
		select {
		case b = <-free:
			b.ids, b.rows, b.vals = b.ids[:0], b.rows[:0], b.vals[:0]
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !take() {
		return ctx.Err()
	}
	err := s.scanRaw(ctx, "ScanLatestSignals", func(cols [][]byte) error {
		source := sources.get(cols[1])
		var err error
		if b.vals, err = dec.decode(cols[2], b.vals); err != nil {
			return fmt.Errorf("signals of %s from %s: %w", cols[0], source, err)
		}
		b.ids = append(b.ids, cols[0]...)
		b.rows = append(b.rows, latestRow{idEnd: len(b.ids), valsEnd: len(b.vals), source: source})
		if len(b.rows) < latestBatchRows {
			return nil
		}
		full <- b // full has room: at most cap(free) batches exist
		if !take() {
			return ctx.Err()
		}
		return nil
	})
	if err == nil && len(b.rows) > 0 {
		full <- b
	}
	return err
}

// bytesOf views s as bytes without copying, for the decoders, which only read their input and
// keep none of it (they copy or intern what they return).
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// SignalHistory returns every stored observation of one signal for one customer, oldest first.
func (s *Store) SignalHistory(ctx context.Context, customerID, name string) ([]advocate.SignalValue, error) {
	var out []advocate.SignalValue
	err := each(ctx, s.db, func(r *sql.Rows) error {
		v := advocate.SignalValue{CustomerID: customerID, Name: name}
		var raw []byte
		if err := r.Scan(&v.Source, &v.ObservedAt, &raw); err != nil {
			return err
		}
		var vals map[string]float64
		if err := json.Unmarshal(raw, &vals); err != nil {
			return err
		}
		if x, ok := vals[name]; ok {
			v.Value, v.ObservedAt = x, v.ObservedAt.UTC()
			out = append(out, v)
		}
		return nil
	}, s.q("SignalHistory"), customerID)
	if err != nil {
		return nil, fmt.Errorf("read history of %s for %s: %w", name, customerID, err)
	}
	return out, nil
}

// SourceCounts returns, per source, how many customers it holds current signal values for and
// how many values that is.
func (s *Store) SourceCounts(ctx context.Context) (map[string][2]int64, error) {
	out := map[string][2]int64{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var src string
		var c, n int64
		if err := r.Scan(&src, &c, &n); err != nil {
			return err
		}
		out[src] = [2]int64{c, n}
		return nil
	}, s.q("SignalCountsBySource"))
	if err != nil {
		return nil, fmt.Errorf("count signals by source: %w", err)
	}
	return out, nil
}
