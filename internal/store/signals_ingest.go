package store

// This file merges a page's signal observations into the wide history and latest rows
// (signals.go describes them).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

type obsKey struct {
	customer string
	at       time.Time
}

// signals writes a page's observations. The existing history rows for the page's (customer,
// observation time) keys and the customers' latest rows are read first and merged in Go, and
// only rows that change are written: a re-sync of unchanged data writes nothing, and the count
// of new observations is exact.
func (in *ingest) signals(ctx context.Context, recs []connectors.Signal, ids []string) error {
	hist := map[obsKey]map[string]float64{}
	latest := map[string]map[string]latestVal{}
	for i, sg := range recs {
		if err := checkSignal(sg); err != nil {
			// The last line: the push API and CSV files reject these before they get here.
			in.res.Problems = append(in.res.Problems, connectors.Problem{Where: in.source,
				Message: fmt.Sprintf("signal %q for %s skipped: %v", sg.Name, sg.Customer, err)})
			continue
		}
		id := ids[i]
		if id == "" {
			in.res.Unmatched++
			continue
		}
		at := sg.ObservedAt.UTC().Truncate(time.Microsecond) // what both engines store
		k := obsKey{id, at}
		if hist[k] == nil {
			hist[k] = map[string]float64{}
		}
		hist[k][sg.Name] = sg.Value
		if latest[id] == nil {
			latest[id] = map[string]latestVal{}
		}
		if cur, ok := latest[id][sg.Name]; !ok || !at.Before(cur.T) {
			latest[id][sg.Name] = latestVal{sg.Value, at}
		}
	}
	if len(hist) == 0 {
		return nil
	}
	stored, err := in.loadLatest(ctx, latest)
	if err != nil {
		return fmt.Errorf("read latest signals: %w", err)
	}
	if err := in.mergeHistory(ctx, hist, stored); err != nil {
		return fmt.Errorf("write signal history: %w", err)
	}
	if err := in.mergeLatest(ctx, latest, stored); err != nil {
		return fmt.Errorf("write latest signals: %w", err)
	}
	return nil
}

// loadLatest reads this source's stored latest row of every customer in the page.
func (in *ingest) loadLatest(ctx context.Context, customers map[string]map[string]latestVal) (map[string]map[string]latestVal, error) {
	stored := map[string]map[string]latestVal{}
	var (
		dec  latestDecoder
		vals []LatestValue
	)
	err := in.selectKeys(ctx, "LatestOfCustomers", []any{in.source},
		slices.Sorted(maps.Keys(customers)), func(rows *sql.Rows) error {
			var id string
			var raw []byte
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			var err error
			if vals, err = dec.decode(raw, vals[:0]); err != nil {
				return fmt.Errorf("latest signals of %s: %w", id, err)
			}
			m := make(map[string]latestVal, len(vals))
			for _, v := range vals {
				m[v.Name] = latestVal{v.Value, v.ObservedAt}
			}
			stored[id] = m
			return nil
		})
	return stored, err
}

// mergeHistory writes the page's history rows: new keys as they are, existing ones merged
// with what is stored.
func (in *ingest) mergeHistory(ctx context.Context, incoming map[obsKey]map[string]float64, latest map[string]map[string]latestVal) error {
	stored, err := in.loadHistory(ctx, incoming, latest)
	if err != nil {
		return err
	}
	var fresh, updates [][]any
	var enc encoder
	for _, k := range slices.SortedFunc(maps.Keys(incoming), cmpKey) {
		old, had := stored[k]
		if !had {
			in.res.Signals += len(incoming[k])
			fresh = append(fresh, []any{k.customer, in.source, k.at, enc.vals(incoming[k]), in.now})
			continue
		}
		merged, changed := maps.Clone(old), false
		for name, v := range incoming[k] {
			if o, ok := merged[name]; !ok || o != v {
				merged[name], changed = v, true
				in.res.Signals++
			}
		}
		if changed {
			updates = append(updates, []any{k.customer, in.source, k.at, enc.vals(merged), in.now})
		}
	}
	return in.upsertWide(ctx, "signal_history", "customer_id, source, observed_at, vals, recorded_at",
		"(customer_id, source, observed_at)", in.mergeVals("signal_history")+", recorded_at = excluded.recorded_at", fresh, updates)
}

// loadHistory reads the stored history rows under the page's keys, skipping the read for every
// key that cannot have one. A history row can exist at a time only if some stored latest value
// of this customer and source is that recent: the latest row moves forward with every
// observation. Keys newer than all of them are new for certain, which is every key of an
// ordinary forward sync.
func (in *ingest) loadHistory(ctx context.Context, incoming map[obsKey]map[string]float64, latest map[string]map[string]latestVal) (map[obsKey]map[string]float64, error) {
	newest := make(map[string]time.Time, len(latest))
	for id, vals := range latest {
		for _, v := range vals {
			if v.T.After(newest[id]) {
				newest[id] = v.T
			}
		}
	}
	customers := map[string]bool{}
	times := map[time.Time]bool{}
	for k := range incoming {
		if t, ok := newest[k.customer]; ok && !k.at.After(t) {
			customers[k.customer] = true
			times[k.at] = true
		}
	}
	stored := map[obsKey]map[string]float64{}
	if len(customers) == 0 {
		return stored, nil
	}
	name, args := "HistoryOfCustomers", []any{in.source}
	if len(times) <= 200 {
		// Few distinct times (a sync time, a handful of survey dates): filter by them too.
		name = "HistoryOfCustomersAt"
		args = append(args, slices.SortedFunc(maps.Keys(times), time.Time.Compare))
	}
	err := in.selectKeys(ctx, name, args, slices.Sorted(maps.Keys(customers)), func(rows *sql.Rows) error {
		var k obsKey
		var raw []byte
		if err := rows.Scan(&k.customer, &k.at, &raw); err != nil {
			return err
		}
		k.at = k.at.UTC()
		if _, wanted := incoming[k]; !wanted {
			return nil
		}
		var vals map[string]float64
		if err := json.Unmarshal(raw, &vals); err != nil {
			return fmt.Errorf("history of %s: %w", k.customer, err)
		}
		stored[k] = vals
		return nil
	})
	return stored, err
}

// checkSignal reports why an observation cannot be stored: no name, a value outside the signal's
// range (connectors.SignalRanges) or a time before 1970 (a zero time). Future times are left
// to the sources, which know their clock (a CSV file's modification time, a test's fixed clock).
func checkSignal(sg connectors.Signal) error {
	if sg.Name == "" {
		return errors.New("no signal name")
	}
	if err := connectors.CheckValue(sg.Name, sg.Value); err != nil {
		return err
	}
	if sg.ObservedAt.Before(connectors.EarliestObservation) {
		return fmt.Errorf("observation time %s is before 1970", sg.ObservedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func cmpKey(a, b obsKey) int {
	if a.customer != b.customer {
		return strings.Compare(a.customer, b.customer)
	}
	return a.at.Compare(b.at)
}

func (in *ingest) mergeLatest(ctx context.Context, incoming, stored map[string]map[string]latestVal) error {
	var fresh, updates [][]any
	var enc encoder
	for _, id := range slices.Sorted(maps.Keys(incoming)) {
		old, had := stored[id]
		if !had {
			fresh = append(fresh, in.latestRow(&enc, id, incoming[id]))
			continue
		}
		merged, changed := maps.Clone(old), false
		for name, v := range incoming[id] {
			// Newer wins; at the same time the incoming value is a correction.
			if o, ok := merged[name]; !ok || v.T.After(o.T) || (v.T.Equal(o.T) && v.V != o.V) {
				merged[name], changed = v, true
			}
		}
		if changed {
			updates = append(updates, in.latestRow(&enc, id, merged))
		}
	}
	// Fresh rows go in without ON CONFLICT: a row another page inserted since this one read
	// (two first pushes for a customer) makes the insert fail with a unique violation, and the
	// page runs again (withConnTxRetry) and merges with that row. Updated rows were locked when
	// they were read (LatestOfCustomers … FOR UPDATE on Postgres; SQLite's write transactions
	// are serial), so they are written as merged here.
	const cols = "customer_id, source, vals, cur, updated_at"
	if err := in.insertNew(ctx, "signals", cols, fresh); err != nil {
		return err
	}
	return in.upsert(ctx, "signals", cols,
		"ON CONFLICT (customer_id, source) DO UPDATE SET vals = excluded.vals, cur = excluded.cur, updated_at = excluded.updated_at", updates)
}

// latestRow is the signals row of one customer's current values: the compact form in cur and
// vals NULL, or the JSON in vals when a name cannot be written compactly (see
// migrations/*/018_signals_cur_only.sql).
func (in *ingest) latestRow(enc *encoder, id string, vals map[string]latestVal) []any {
	cur := enc.compact(vals)
	var js any
	if cur == nil {
		js = enc.latest(vals)
	}
	return []any{id, in.source, js, cur, in.now}
}

// insertNew inserts rows that must not exist yet: by COPY on Postgres from bulkThreshold rows,
// else by multi-row INSERT. A row that exists fails the statement with a unique violation.
func (in *ingest) insertNew(ctx context.Context, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if in.s.dialect == Postgres && len(rows) >= bulkThreshold {
		return in.copyRows(ctx, table, cols, rows)
	}
	return in.insertRows(ctx, table, cols, "", len(rows[0]), rows)
}

// mergeVals is how a written history row's vals meet a stored one. The rows were merged in Go
// with what the page read: on SQLite nothing can have changed since (write transactions are
// serial), and on Postgres the customers' latest rows were locked when they were read
// (LatestOfCustomers … FOR UPDATE). What Postgres can still meet is a row another page
// inserted meanwhile (two first pushes for a customer): its signals are kept, and the page's
// own win where both observed one. A written row that already holds every stored signal (the
// usual case) is stored as written.
func (in *ingest) mergeVals(table string) string {
	if in.s.dialect != Postgres {
		return "vals = excluded.vals"
	}
	return "vals = CASE WHEN jsonb_exists_all(excluded.vals::jsonb, ARRAY(SELECT json_object_keys(" + table + ".vals))) " +
		"THEN excluded.vals ELSE (" + table + ".vals::jsonb || excluded.vals::jsonb)::json END"
}

// upsertWide writes merged rows. Rows known to be new (fresh: nothing was stored under their
// key when the page was read) go straight into the table with COPY on Postgres, inside a
// savepoint: if a concurrent writer stored the same key meanwhile, the COPY fails, the savepoint
// is rolled back, and those rows take the upsert path with the rest. This SQL is built here, not
// named in queries/: multi-row inserts, COPY and the temporary table take their shape from the
// table and the batch.
func (in *ingest) upsertWide(ctx context.Context, table, cols, conflict, set string, fresh, updates [][]any) error {
	if in.s.dialect == Postgres && len(fresh) >= bulkThreshold {
		if err := in.copyFresh(ctx, table, cols, fresh); err != nil {
			updates = append(updates, fresh...)
		}
	} else {
		updates = append(updates, fresh...)
	}
	return in.upsert(ctx, table, cols, "ON CONFLICT "+conflict+" DO UPDATE SET "+set, updates)
}

// upsert writes rows with an INSERT … suffix (ON CONFLICT …): on Postgres from bulkThreshold
// rows through COPY into a temporary table and one INSERT … SELECT, else by multi-row INSERT.
func (in *ingest) upsert(ctx context.Context, table, cols, suffix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if in.s.dialect != Postgres || len(rows) < bulkThreshold {
		return in.insertRows(ctx, table, cols, suffix, len(rows[0]), rows)
	}
	tmp := "incoming_" + table
	if _, err := in.tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+tmp+` (LIKE `+table+` INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
		return err
	}
	if err := in.copyRows(ctx, tmp, cols, rows); err != nil {
		return err
	}
	_, err := in.tx.ExecContext(ctx, `INSERT INTO `+table+` (`+cols+`) SELECT `+cols+` FROM `+tmp+` `+suffix)
	return err
}

// copyFresh copies rows straight into table under a savepoint; an error leaves the transaction
// as it was before.
func (in *ingest) copyFresh(ctx context.Context, table, cols string, rows [][]any) error {
	if _, err := in.tx.ExecContext(ctx, `SAVEPOINT fresh_rows`); err != nil {
		return err
	}
	if err := in.copyRows(ctx, table, cols, rows); err != nil {
		if _, rerr := in.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT fresh_rows`); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := in.tx.ExecContext(ctx, `RELEASE SAVEPOINT fresh_rows`)
	return err
}

// copyRows copies rows into table as COPY text lines formatted here (copyText).
func (in *ingest) copyRows(ctx context.Context, table, cols string, rows [][]any) error {
	k := 0
	var ferr error
	err := copyText(ctx, in.conn, table, cols, func(b []byte) ([]byte, bool) {
		if k == len(rows) || ferr != nil {
			return b, false
		}
		for i, v := range rows[k] {
			if i > 0 {
				b = append(b, '\t')
			}
			if b, ferr = appendCopyValue(b, v); ferr != nil {
				return b, false
			}
		}
		k++
		return b, true
	})
	if ferr != nil {
		return fmt.Errorf("copy into %s: %w", table, ferr)
	}
	return err
}
